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
import type { SpeedMode } from '../mj/types';
import { anyAttemptOf, type LedgerRecorder, type UpstreamRouter, type UpstreamSet } from '../shared/upstreams/types';
import { captureByOwner, type CaptureDeps, type CaptureImagesInput } from './capture-images';
import { makeRedactor, runActivity, withHeartbeat, type ActivityLogger } from './failures';
import { assetToDataUrl } from './image-refs';
import { createBatchActivities } from './batch-pages';
import { findRoutedByState, type FoundTask, type RoutedLookupInput } from './routed-lookup';
import { settleRouted, submitRouted, type SettleInput } from './routed-submit';
import { fetchSnapshot, findByState } from './task-lookup';
import { submitOnce, type SubmitTaskInput, type SubmitTaskResult } from './submit-task';
import type { FetchedTask } from './task-snapshot';
import { clientFor, hookFor } from './upstream-client';
import { probeUpstreamOf, type ProbeVerdict } from './probe-upstream';
import { readImageSeed } from './image-seed';
import type { CancelUpstreamResult, FetchTaskInput, OwnedTask, SubmitModalInput } from '../shared/job-activities';
import type { JobActivities } from '../workflows/job/job-run';
import type { ProbeActivities } from '../workflows/upstreams/messages';
import type { BatchActivities } from '../workflows/batch/batch-activities';

export type { CancelUpstreamResult, FetchTaskInput, OwnedTask, SubmitModalInput } from '../shared/job-activities';

export type { SubmitTaskInput, SubmitTaskResult } from './submit-task';
export type { RoutedLookupInput as FindTaskByStateInput, FoundTask } from './routed-lookup';
export type { FetchedTask } from './task-snapshot';
export type { SettleInput as SettleRoutedInput } from './routed-submit';
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
   * Several upstreams: their clients and hook URLs. When set, submits are routed through `router` and
   * every call on a task goes to its owner; `mj` stays the client of jobs recorded before routing.
   * @default undefined (one upstream: `mj`)
   */
  upstreams?: UpstreamSet;
  /** The upstream pool (reservations, health). Required with `upstreams`. */
  router?: UpstreamRouter;
  /** The cost ledger (charges, refunds, budgets). @default undefined (nothing is recorded) */
  ledger?: LedgerRecorder;
  /**
   * Whether to ask an upstream (undefined: the single `mj`) for the seed of a successful task (`MJ_IMAGE_SEED`, an
   * upstream's `imageSeed`); asked only where its flavour has `image-seed` too. @default every upstream
   */
  imageSeed?: (upstreamId: string | undefined) => boolean;
}

const TERMINAL = new Set(['SUCCESS', 'FAILURE', 'CANCEL']);

export function createActivities(deps: ActivityDeps) {
  const { mj, store, notifyHookUrl, upstreams, router } = deps;
  const redact = makeRedactor([notifyHookUrl, ...(upstreams?.ids() ?? []).map((id) => upstreams?.notifyHookUrl(id))]);
  const log: ActivityLogger = deps.log ?? temporalLog;
  const captureFor = captureByOwner({ ...deps.capture, store, mj }, upstreams);
  const routed = upstreams && router ? { upstreams, router, ledger: deps.ledger, store, log, redact } : undefined;
  /** One reservation per scheduled activity of a run: idempotent if the pool sees the same call twice. */
  const requestIdOf = (stateKey: string): string => {
    const info = Context.current().info;
    return `${anyAttemptOf(stateKey)}${(info.workflowExecution?.runId ?? '').slice(0, 8)}.${info.activityId}`;
  };
  const jobIdOf = (): string => Context.current().info.workflowExecution?.workflowId ?? '';
  const opts = (mode?: SpeedMode): MjRequestOptions => ({
    mode,
    signal: Context.current().cancellationSignal,
  });

  return {
    /** Submits one job step with its `state` key; a single attempt, the workflow owns the retry loop. */
    async submitTask(input: SubmitTaskInput): Promise<SubmitTaskResult> {
      if (routed) {
        const caller = { workflowId: jobIdOf(), requestId: requestIdOf(input.stateKey) };
        return runActivity(redact, () => withHeartbeat(() => submitRouted(routed, input, caller, opts(input.mode))));
      }
      return runActivity(redact, () =>
        withHeartbeat(() => submitOnce({ mj, store, notifyHookUrl, log }, input, opts(input.mode)))
      );
    },

    /**
     * Routed: the pool's count and the ledger's charge of an accepted task that the submit (or the reconcile) could
     * not do. Idempotent (request id, state key); retried by Temporal, run only when a result named `unsettled` parts.
     */
    async settleRoutedSubmit(input: SettleInput): Promise<void> {
      return runActivity(redact, async () => {
        // A worker without upstreams (a config rollout under way) throws a retryable error: another worker may settle.
        if (!routed) throw new Error('this worker has no upstreams configured; cannot settle a routed task');
        await settleRouted(routed, input, jobIdOf());
        log.info('routed task settled', { taskId: input.taskId, parts: input.parts ?? 'all' });
      });
    },

    /**
     * The task now, without `properties`, buttons annotated with their intent and failures with their kind; a
     * gateway's stub and refresh period flagged (see {@link FetchedTask}).
     */
    async fetchTask(input: FetchTaskInput): Promise<FetchedTask> {
      return runActivity(redact, async () => {
        const task = await fetchSnapshot(clientFor(mj, upstreams, input.upstreamId), input.taskId, opts());
        if (input.upstreamId !== undefined && TERMINAL.has(task.status)) await settleTerminal(input, task);
        return task;
      });
    },

    /**
     * The task submitted with a state key, or null when the proxy proves there is none (see {@link findByState});
     * routed, on the attempt's own upstream (see {@link findRoutedByState}).
     */
    async findTaskByState(input: RoutedLookupInput): Promise<FoundTask | null> {
      return runActivity(redact, async () => {
        const found = routed
          ? await findRoutedByState(routed, input, jobIdOf(), opts())
          : await findByState(mj, input, opts());
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
          const owner = clientFor(mj, upstreams, input.upstreamId);
          const hook = hookFor(notifyHookUrl, upstreams, input.upstreamId);
          const outcome = await owner.submitModal(
            {
              taskId: input.taskId,
              prompt,
              ...(maskBase64 ? { maskBase64 } : {}),
              ...(hook ? { notifyHook: hook } : {}),
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
    async cancelUpstreamTask(input: OwnedTask): Promise<CancelUpstreamResult> {
      return runActivity(redact, async () => {
        const owner = clientFor(mj, upstreams, input.upstreamId);
        if (!owner.supports('cancel'))
          return { cancelled: false, reason: `the ${owner.flavour} flavour has no cancel endpoint` };
        try {
          await owner.cancelTask(input.taskId, opts());
        } catch (err) {
          if (err instanceof MjTaskNotFoundError) return { cancelled: false, reason: 'task not found upstream' };
          throw err;
        }
        log.info('upstream task cancelled', { taskId: input.taskId });
        return { cancelled: true };
      });
    },

    /** The seed of a successful task's image, read once (see `readImageSeed`); `{}` where there is none. */
    fetchImageSeed: (input: OwnedTask): Promise<{ seed?: string }> =>
      readImageSeed(clientFor(mj, upstreams, input.upstreamId), input, { wanted: deps.imageSeed, log, redact }, opts()),

    /** Does an upstream down for connection failures answer again? ('down' for one this worker does not know.) */
    probeUpstream: (input: { upstreamId: string }): Promise<ProbeVerdict> =>
      probeUpstreamOf(upstreams, input.upstreamId),

    /**
     * Copies the result images into the store. Heartbeats while it runs, so a worker that dies mid-capture is noticed
     * by the heartbeat timeout (seconds) rather than the 5 minute start-to-close timeout.
     */
    async captureImages(input: CaptureImagesInput & { upstreamId?: string }) {
      const { upstreamId, ...rest } = input;
      return withHeartbeat(() => captureFor(upstreamId).captureImages(rest));
    },
    ...createBatchActivities(store),
  };

  /**
   * A routed task reached a terminal status: its pool slot is freed, and a gateway's timeout refund is recorded.
   * Neither may fail the fetch (the job would poll on a finished task); the pool also reclaims slots of closed jobs.
   */
  async function settleTerminal(input: FetchTaskInput, task: FetchedTask): Promise<void> {
    try {
      if (router && input.requestId) await router.release(input.requestId, input.upstreamId as string);
      if (deps.ledger && input.stateKey && task.status === 'FAILURE' && task.failKind === 'gateway-timeout') {
        await deps.ledger.refund({ key: input.stateKey, reason: 'gateway-timeout', at: Date.now() });
      }
    } catch (err) {
      log.warn('terminal routed task not settled', { taskId: task.id, error: String(err) });
    }
  }
}

/** Compile-time check that the worker's activities give the job workflow every activity it declares it calls. */
export type WorkerActivities = ProvidesJobActivities<ReturnType<typeof createActivities>>;
type ProvidesJobActivities<T extends JobActivities> = T;
/** Likewise for the upstream pool's probe. */
export type WorkerProbeActivities = ProvidesProbeActivities<ReturnType<typeof createActivities>>;
type ProvidesProbeActivities<T extends ProbeActivities> = T;
/** Likewise for the paged batch engine. */
export type WorkerBatchActivities = ProvidesBatchActivities<ReturnType<typeof createActivities>>;
type ProvidesBatchActivities<T extends BatchActivities> = T;
