/**
 * The typed facade a backend service imports to run MidJourney jobs durably.
 *
 * ```ts
 * import { MjJobsClient } from '@mj-temporal/client';
 *
 * const mj = await MjJobsClient.connect(); // TEMPORAL_* and MJ_* from the environment
 * const job = await mj.imagine('a red fox in the snow --ar 3:2', { jobId: 'order-1234' });
 * const result = await job.result(); // JobResult: task snapshot, captured images
 * const up = await mj.action(job.jobId, 'U2');
 * await mj.schedules.create('nightly', { cron: '0 2 * * *', batch: 'a fox\na hare\n' });
 * const { apiKey } = await mj.keys.create('acme'); // a gateway key (shown once, stored hashed)
 * await mj.close();
 * ```
 *
 * Every method validates its input before anything starts and throws `MjInputError` (`field`, `rule`) when it is bad.
 * Ids: the `jobId` of a handle is the Temporal workflow id (`mj-job-…`, `mj-pipeline-…`, or a pipeline child
 * `mj-pipeline-…/<step>/<branch>`); every method that takes a `jobId` accepts any of them, and the key you chose
 * (`order-1234`). An id that names no job throws `JobNotFoundError`.
 *
 * Idempotency: pass your own `jobId` (e.g. an order number) and a repeated call returns the SAME job, running or
 * finished, instead of starting another: the workflow id reuse policy is REJECT_DUPLICATE and the "already started"
 * answer is turned into a handle with `alreadyStarted: true`. The first call's arguments win; a repeat with different
 * arguments is not detected. To run again, use a new id.
 *
 * Images (blend, describe, edits, video) and masks may be given as an http(s) URL (sent as is), or as bytes, a data
 * URL or a file path: those are stored in the asset store first, and only the reference (key, sha256, size) enters
 * workflow history.
 */
export { MjJobsClient } from './mj-jobs-client';
export { MjSchedulesClient, type CreatedSchedule, type ScheduleCreateOptions, type ScheduleSummary } from './schedules';
export { MjKeysClient, type ApiKeySummary, type CreatedApiKey, type RevokedApiKey } from './keys';
export { MjUpstreamsClient, UpstreamPoolNotRunningError } from './upstreams';
export { MjDeliveriesClient, type DeliveryLog, type DeliveryRow } from './deliveries';
export {
  ApiKeyNotFoundError,
  GatewayNotRunningError,
  GatewayTaskNotFoundError,
  JobFailedError,
  JobNotFoundError,
  ScheduleNotFoundError,
} from './errors';
export { DownloadFailedError } from './download';
export { describeImageLinks, imageLink, UPSTREAM_URL_LABEL, type ImageLink } from './image-links';
export { MjInputError, MjPromptParamError } from '../mj/errors';
export { checkPromptParams, parsePrompt, printPrompt, type PromptParams } from '../mj/params';
export { SPEED_MODES } from '../mj/terms/speed-modes';
export { InputRejectedError } from './rejections';
export { assetStoreConfig, createTemporalClient, payloadCodecsFor } from '../config/process-wiring';
export type * from './options';
export { MjGatewayClient, GatewayStreamError, type MjGatewayClientOptions } from './gateway-events';
export { JobFeedHub, type JobEventsOptions, type JobFeedHubOptions } from './job-feed-hub';
export { JOB_EVENT_TYPES, type JobEvent, type JobEventType } from '../shared/job-events';
