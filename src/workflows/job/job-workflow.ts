/**
 * `mjJobWorkflow`: one upstream MidJourney task, run durably. A thin function over {@link JobRun}: it proxies the
 * activities, registers the message handlers, and turns the run's end into the workflow's end. The behaviour (and
 * its unit tests) live in `job-run.ts`.
 */
import {
  CancellationScope,
  ApplicationFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { DEFAULT_ACCOUNT } from '../../shared/defaults';
import { ACTIVITY_FAILURE } from '../../shared/failure-types';
import { JOB_MEMO_KEY, type JobMemo } from '../../shared/job-memo';
import { jobSlotPriority } from '../../shared/slot-priority';
import type { JobInput, JobResult } from '../../shared/types';
import { historyIsLong } from '../common/history';
import { reportSlotBackPressure, withAccountSlot } from '../slots/account-slot';
import { JobRun, type JobActivities, type JobHost, type KeywordKey } from './job-run';
import {
  getProgressQuery,
  jobChangedSignal,
  provideModalInputUpdate,
  taskChangedSignal,
  upstreamAvailableSignal,
} from './messages';
import { JOB_PATCH, JOB_PATHS_VERSION, startedWithPath, type JobPatchId } from './patches';

type Activities = JobActivities;

// Never retried by Temporal: a blind retry after a timeout could create a second paid task. The workflow owns the
// loop so it knows each failure's kind. The heartbeat timeout notices a dead worker in seconds, not after the full
// start-to-close (which must exceed a parent fetch plus a submit, each up to the 30 s HTTP timeout).
const { submitTask, submitModal } = proxyActivities<Activities>({
  startToCloseTimeout: '75s',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

// The poll fetch is a local activity: one marker per poll instead of three events plus a workflow task, which halves
// the history of a job and spares the server a task dispatch per poll. It is an idempotent GET well under the
// workflow task timeout. A few quick retries absorb blips; after that the poll loop decides, as only it knows the
// phase deadlines. Not-found is the workflow's call too (a fresh task may not be stored yet).
const { fetchTask } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '45s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['MjTaskNotFoundError'],
  },
});

// Rare (only after a submit with an unknown outcome) and may scan a long task list, so a regular activity.
const { findTaskByState } = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '15s',
    maximumAttempts: 4,
    nonRetryableErrorTypes: [ACTIVITY_FAILURE.reconcileUnsupported],
  },
});

// Routed only, and only when a submit could not count or charge its accepted task (pool or ledger unreachable):
// both parts are idempotent, so Temporal retries it for as long as an outage of those workflows may last.
const { settleRoutedSubmit } = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

// Best effort on the way out of a cancelled job; a stuck proxy must not hold the cancellation for long.
const { cancelUpstreamTask } = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
});

// Discord CDN links live about 24 h, so capture keeps trying for a while; the store is content-addressed, so a
// retried download that already stored some images is harmless. The activity heartbeats: a worker that dies
// mid-capture is noticed in 20 s, not after the full start-to-close timeout.
const { captureImages } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 8 },
});

// One free read after SUCCESS (see the activity); a second attempt only when a worker died during the first.
const { fetchImageSeed } = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 2 },
});

const activities: JobActivities = {
  submitTask,
  submitModal,
  fetchTask,
  findTaskByState,
  settleRoutedSubmit,
  cancelUpstreamTask,
  captureImages,
  fetchImageSeed,
};

function upsertKeywords(pairs: [KeywordKey, string | undefined][]): void {
  const current = workflowInfo().typedSearchAttributes;
  const updates = pairs
    .filter((p): p is [KeywordKey, string] => p[1] !== undefined && current.get(p[0]) !== p[1])
    .map(([key, value]) => ({ key, value }));
  if (updates.length > 0) upsertSearchAttributes(updates);
}

function workflowHost(input: JobInput): JobHost {
  const account = input.account ?? DEFAULT_ACCOUNT;
  const mode = input.mode ?? 'FAST';
  const jobId = workflowInfo().workflowId;
  // A path the starter's paths version includes is taken without a marker; any other is asked.
  const askPatched = (id: JobPatchId) => startedWithPath(input, id) || patched(id);
  return {
    workflowId: jobId,
    activities,
    now: () => Date.now(),
    random: () => Math.random(),
    sleep: (ms) => sleep(ms),
    condition: (fn, timeoutMs) => (timeoutMs === undefined ? condition(fn).then(() => true) : condition(fn, timeoutMs)),
    historyIsLong,
    async continueAsNew(next) {
      await condition(allHandlersFinished);
      // The next run is a new history on today's code: it takes today's paths without their markers.
      return continueAsNew<typeof mjJobWorkflow>({ ...next, pathsVersion: JOB_PATHS_VERSION });
    },
    holdingSlot: (resume, fn) =>
      input.slots
        ? withAccountSlot({ account, mode, limits: input.slots, resume, priority: jobSlotPriority(input) }, fn)
        : fn(),
    // Jobs that waited for a person inside the slot before this rule replay without the marker (patched() false).
    waitOutsideSlot: () => input.slots !== undefined && askPatched(JOB_PATCH.waitOutsideSlot),
    reportBackPressure: async (retryAfterMs) => {
      if (input.slots) await reportSlotBackPressure({ account, mode }, retryAfterMs);
    },
    upsertKeywords,
    patched: askPatched,
    async publish(memo: JobMemo, seq: number, details: string) {
      upsertMemo({ [JOB_MEMO_KEY]: memo });
      setCurrentDetails(details);
      if (!input.notify) return;
      try {
        await getExternalWorkflowHandle(input.notify.workflowId).signal(jobChangedSignal, { jobId, seq, memo });
      } catch (err) {
        if (isCancellation(err)) throw err;
        // The observer is gone (closed or never started): readers still have the memo.
        log.warn('job observer not signalled', { observer: input.notify.workflowId, seq, error: String(err) });
      }
    },
  };
}

export async function mjJobWorkflow(input: JobInput): Promise<JobResult> {
  const run = new JobRun(input, workflowHost(input));
  setHandler(getProgressQuery, () => run.progress());
  setHandler(taskChangedSignal, (hint) => run.onTaskChanged(hint));
  setHandler(upstreamAvailableSignal, () => run.onUpstreamAvailable());
  setHandler(provideModalInputUpdate, (modal) => run.provideModalInput(modal), {
    validator: (modal) => run.validateModalInput(modal),
  });
  try {
    return await run.run();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await run.cancelUpstream();
        await run.fail('cancelled');
      });
      throw err;
    }
    // Every expected failure is an ApplicationFailure by now. Anything else is a bug: rethrown as is, it fails the
    // workflow task, which Temporal retries until a fixed worker is deployed, instead of failing the job.
    if (err instanceof ApplicationFailure) await run.fail(err);
    throw err;
  }
}
