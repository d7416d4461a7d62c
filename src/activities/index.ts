/**
 * Every activity of the service, built from injected dependencies: the worker passes
 * `activities: createActivities(deps)`, and workflows type their proxies with `ReturnType<typeof createActivities>`
 * through `import type`.
 *
 * Secrets stay here: the notify hook URL (with its token) is added to every submit by the activity, never passed
 * through workflow arguments, and masked in every failure message.
 */
import { Context, log as temporalLog } from '@temporalio/activity';
import type { AssetStore } from '../assets/asset-store';
import { MjTaskNotFoundError, type MjClient, type MjRequestOptions } from '../mj';
import type { ModalInput, TaskSnapshot } from '../shared/types';
import type { SpeedMode } from '../mj/types';
import type { LedgerRecorder, UpstreamRouter, UpstreamSet } from '../upstreams/types';
import { createCaptureActivities, type CaptureDeps, type CaptureImagesInput } from './capture-images';
import { makeRedactor, runActivity, withHeartbeat, type ActivityLogger } from './failures';
import { assetToDataUrl } from './image-refs';
import { fetchSnapshot, findByState, type FindTaskByStateInput } from './task-lookup';
import { submitOnce, type SubmitTaskInput, type SubmitTaskResult } from './submit-task';
import type { FetchedTask } from './task-snapshot';

export type { SubmitTaskInput, SubmitTaskResult } from './submit-task';
export type { FindTaskByStateInput } from './task-lookup';
export type { FetchedTask } from './task-snapshot';
export type { ActivityLogger } from './failures';
export { toApplicationFailure } from './failures';

export interface ActivityDeps {
  mj: MjClient;
  store: AssetStore;
  /**
   * Full webhook URL including its secret token, added to every submit. Never passes through workflow arguments,
   * history, logs or errors.
   * @default undefined (no webhooks: jobs rely on polling)
   */
  notifyHookUrl?: string;
  /** @default `log` from `@temporalio/activity` */
  log?: ActivityLogger;
  /** Download settings of image capture (dispatcher, timeouts, size caps). */
  capture?: Omit<CaptureDeps, 'store' | 'mj'>;
  /**
   * Several upstreams (issue 13): their clients and hook URLs. When set, submits are routed through `router` and
   * every call on a task goes to its owner; `mj` stays the client of jobs recorded before routing.
   * @default undefined (one upstream: `mj`)
   */
  upstreams?: UpstreamSet;
  /** The upstream pool (reservations, health). Required with `upstreams`. */
  router?: UpstreamRouter;
  /** The cost ledger (charges, refunds, budgets). @default undefined (nothing is recorded) */
  ledger?: LedgerRecorder;
}

export interface SubmitModalInput {
  /** The MODAL child (the id a code-21 answer or a MODAL fetch showed), never its parent. */
  taskId: string;
  input: ModalInput;
  mode?: SpeedMode;
}

export interface CancelUpstreamResult {
  cancelled: boolean;
  reason?: string;
}

export function createActivities(deps: ActivityDeps) {
  const { mj, store, notifyHookUrl } = deps;
  const redact = makeRedactor([notifyHookUrl]);
  const log: ActivityLogger = deps.log ?? temporalLog;
  const capture = createCaptureActivities({ ...deps.capture, store, mj });
  const opts = (mode?: SpeedMode): MjRequestOptions => ({
    mode,
    signal: Context.current().cancellationSignal,
  });

  return {
    /** Submits one job step with its `state` key; a single attempt, the workflow owns the retry loop. */
    async submitTask(input: SubmitTaskInput): Promise<SubmitTaskResult> {
      return runActivity(redact, () =>
        withHeartbeat(() => submitOnce({ mj, store, notifyHookUrl, log }, input, opts(input.mode)))
      );
    },

    /**
     * The task now, without `properties`, buttons annotated with their intent and failures with their kind; a
     * gateway's stub and refresh period flagged (see {@link FetchedTask}).
     */
    async fetchTask(input: { taskId: string }): Promise<FetchedTask> {
      return runActivity(redact, () => fetchSnapshot(mj, input.taskId, opts()));
    },

    /** The task submitted with a state key, or null when the proxy proves there is none (see {@link findByState}). */
    async findTaskByState(input: FindTaskByStateInput): Promise<TaskSnapshot | null> {
      return runActivity(redact, async () => {
        const found = await findByState(mj, input, opts());
        log.info('reconciled submit by state', { state: input.stateKey, found: found?.id ?? null });
        return found;
      });
    },

    /** Confirms a MODAL child with the person's prompt and mask (read from the store as a PNG data URL). */
    async submitModal(input: SubmitModalInput): Promise<{ taskId: string }> {
      return runActivity(redact, () =>
        withHeartbeat(async () => {
          const { prompt, mask } = input.input;
          const maskBase64 = mask ? await assetToDataUrl(store, mask, 'image/png') : undefined;
          const outcome = await mj.submitModal(
            {
              taskId: input.taskId,
              prompt,
              ...(maskBase64 ? { maskBase64 } : {}),
              ...(notifyHookUrl ? { notifyHook: notifyHookUrl } : {}),
            },
            opts(input.mode)
          );
          const taskId = 'taskId' in outcome ? outcome.taskId : input.taskId;
          log.info('modal submitted', { taskId: input.taskId, outcome: outcome.kind });
          return { taskId };
        })
      );
    },

    /** Asks the proxy to stop a task (trueai only); other flavours report that they cannot. */
    async cancelUpstreamTask(input: { taskId: string }): Promise<CancelUpstreamResult> {
      return runActivity(redact, async () => {
        if (!mj.supports('cancel'))
          return { cancelled: false, reason: `the ${mj.flavour} flavour has no cancel endpoint` };
        try {
          await mj.cancelTask(input.taskId, opts());
        } catch (err) {
          if (err instanceof MjTaskNotFoundError) return { cancelled: false, reason: 'task not found upstream' };
          throw err;
        }
        log.info('upstream task cancelled', { taskId: input.taskId });
        return { cancelled: true };
      });
    },

    /**
     * Copies the result images into the store. Heartbeats while it runs, so a worker that dies mid-capture is noticed
     * by the heartbeat timeout (seconds) rather than the 5 minute start-to-close timeout.
     */
    async captureImages(input: CaptureImagesInput) {
      return withHeartbeat(() => capture.captureImages(input));
    },
  };
}
