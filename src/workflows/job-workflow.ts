/**
 * One upstream MidJourney task, run durably: submit exactly once, poll with durable timers (woken early by
 * webhook hints), park in MODAL until a person answers, and keep the history small with continue-as-new.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { SubmitTaskResult } from '../activities/submit-task';
import type { ButtonIntent, IntentSpec, SpeedMode, TaskStatus } from '../mj/types';
import {
  CONTINUE_AS_NEW_EVENTS,
  DEFAULT_ACCOUNT,
  DEFAULT_MODE,
  DEFAULT_SUBMIT_BACKOFF,
  MAX_PARENT_UNAVAILABLE_RETRIES,
  RECONCILE_DELAY,
} from '../shared/defaults';
import { durationToMs } from '../shared/duration';
import { ACTIVITY_FAILURE, JOB_FAILURE, MJ_ERROR_CODE, MODAL_INPUT_REJECTION } from '../shared/failure-types';
import { MJ_ACTION, MJ_MODE, MJ_STATUS, MJ_TASK_ID } from '../shared/search-attributes';
import { makeStateKey } from '../shared/state-key';
import type {
  JobCarry,
  JobInput,
  JobPhase,
  JobProgress,
  JobResult,
  JobTimings,
  ModalAck,
  ModalInput,
  TaskChangedHint,
  TaskSnapshot,
} from '../shared/types';
import { classifySubmitFailure, jobFailure, readActivityFailure, upstreamTaskFailure } from './job-failures';
import { checkModalInput, modalNeeds } from '../shared/modal-input-rule';
import { rejection } from '../shared/rejection';
import {
  growInterval,
  hintNeedsFetch,
  jittered,
  nextDeadline,
  progressRank,
  resolvePolicy,
  type ResolvedPolicy,
} from './job-poll';
import { reportSlotBackPressure, withAccountSlot } from './slots';

type Activities = ReturnType<typeof createActivities>;
type KeywordKey = typeof MJ_TASK_ID;

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

/** A webhook saw the task change. A hint only: the workflow confirms with a fetch; repeats and stale hints are harmless. */
export const taskChangedSignal = defineSignal<[TaskChangedHint]>('taskChanged');

/** The person's answer to a MODAL (prompt, mask). Completes once the modal submit was accepted upstream. */
export const provideModalInputUpdate = defineUpdate<ModalAck, [ModalInput]>('provideModalInput');

/** Phase, status, progress, preview, buttons, timings and counters; `waitingFor` while parked in MODAL. */
export const getProgressQuery = defineQuery<JobProgress>('getProgress');

const ACTION_OF_KIND: Record<JobInput['request']['kind'], string> = {
  imagine: 'IMAGINE',
  action: 'ACTION',
  blend: 'BLEND',
  describe: 'DESCRIBE',
  shorten: 'SHORTEN',
  edits: 'EDIT',
  video: 'VIDEO',
};

interface ModalOutcome {
  attempt: number;
  ack?: ModalAck;
  error?: ApplicationFailure;
}

type FetchResult = TaskSnapshot | 'not-found' | 'unavailable';

export async function mjJobWorkflow(input: JobInput): Promise<JobResult> {
  const mode: SpeedMode = input.mode ?? DEFAULT_MODE;
  const request = input.request;
  const intent: IntentSpec | undefined = request.kind === 'action' ? request.intent : undefined;
  const carry = input.carry;
  const now = (): number => Date.now();

  // Everything below `carry` survives continue-as-new; the rest is rebuilt by the first fetch of a new run.
  const s = {
    step: carry?.step ?? 0,
    taskId: carry?.taskId,
    phase: (carry?.phase ?? 'submitting') as JobPhase,
    lastStatus: carry?.lastStatus as TaskStatus | undefined,
    lastProgress: carry?.lastProgress,
    timings: (carry?.timings ?? { startedAt: now() }) as JobTimings,
    submits: carry?.submits ?? 0,
    fetches: carry?.fetches ?? 0,
    wakeups: carry?.wakeups ?? 0,
    intervalMs: carry?.intervalMs,
    hooked: carry?.hooked ?? false,
    queuedSince: carry?.queuedSince,
    modalWaitedMs: carry?.modalWaitedMs ?? 0,
    modalSubmittedFor: carry?.modalSubmittedFor,
    submitRetries: carry?.submitRetries ?? 0,
    progressPct: null as number | null,
    previewUrl: null as string | null,
    action: undefined as string | undefined,
    buttons: [] as ButtonIntent[],
    hintPending: false,
    modalPending: false,
    waitingFor: undefined as JobProgress['waitingFor'],
    modalInput: undefined as ModalInput | undefined,
    modalAttempt: 0,
    modalOutcome: undefined as ModalOutcome | undefined,
    failure: undefined as JobProgress['failure'],
    upstreamCancel: undefined as JobProgress['upstreamCancel'],
  };
  const stateKey = makeStateKey(workflowInfo().workflowId, s.step);
  const finished = (): boolean => s.phase === 'succeeded' || s.phase === 'failed' || s.phase === 'cancelled';

  setHandler(getProgressQuery, () => ({
    phase: s.phase,
    taskId: s.taskId,
    status: s.lastStatus,
    progressPct: s.progressPct,
    previewUrl: s.previewUrl,
    action: s.action,
    mode,
    buttons: s.buttons,
    timings: s.timings,
    waitingFor: s.waitingFor,
    failure: s.failure,
    submits: s.submits,
    fetches: s.fetches,
    wakeups: s.wakeups,
    upstreamCancel: s.upstreamCancel,
  }));

  setHandler(taskChangedSignal, (hint) => {
    if (!hint || hint.taskId !== s.taskId || finished()) return;
    // A hint that reports nothing newer than the last confirmed fetch (a duplicate, or a late one) wakes nobody.
    if (
      hint.status !== undefined &&
      progressRank(hint.status, hint.progress) <= progressRank(s.lastStatus, s.lastProgress)
    ) {
      return;
    }
    // Webhooks work for this task: from now on they carry the news and polling is only the safety net.
    s.hooked = true;
    // Progress hints only inform the progress query; terminal and MODAL hints (and bare ones) are confirmed by a
    // fetch at once, which is all a job needs to act on time.
    if (!hintNeedsFetch(hint.status)) {
      const pct = /(\d+(?:\.\d+)?)\s*%/.exec(hint.progress ?? '');
      if (pct) s.progressPct = Math.min(100, Number(pct[1]));
      return;
    }
    s.hintPending = true;
  });

  setHandler(
    provideModalInputUpdate,
    async (modal) => {
      const attempt = ++s.modalAttempt;
      s.modalInput = modal;
      await condition(() => s.modalOutcome?.attempt === attempt || finished());
      const outcome = s.modalOutcome?.attempt === attempt ? s.modalOutcome : undefined;
      if (outcome?.ack) return outcome.ack;
      throw (
        outcome?.error ??
        ApplicationFailure.create({
          type: s.failure?.type ?? MODAL_INPUT_REJECTION.notWaiting,
          message: `job ended before the modal input was submitted (${s.phase})`,
          nonRetryable: true,
        })
      );
    },
    {
      validator: (modal) => {
        if (s.phase !== 'waiting-modal' || s.modalInput !== undefined) {
          throw rejection(MODAL_INPUT_REJECTION.notWaiting, `job is not waiting for modal input (phase ${s.phase})`, {
            field: 'jobId',
            rule: 'not-waiting',
            phase: s.phase,
            taskId: s.taskId,
          });
        }
        const problem = checkModalInput(modal, intent);
        if (problem) {
          throw rejection(MODAL_INPUT_REJECTION.invalid, problem.message, {
            field: problem.field,
            rule: problem.rule,
            phase: s.phase,
            taskId: s.taskId,
          });
        }
      },
    }
  );

  function upsertIfChanged(pairs: [KeywordKey, string | undefined][]): void {
    const current = workflowInfo().typedSearchAttributes;
    const updates = pairs
      .filter((p): p is [KeywordKey, string] => p[1] !== undefined && current.get(p[0]) !== p[1])
      .map(([key, value]) => ({ key, value }));
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  upsertIfChanged([
    [MJ_MODE, mode],
    [MJ_ACTION, ACTION_OF_KIND[request.kind]],
  ]);

  let policy: ResolvedPolicy;
  try {
    policy = resolvePolicy(mode, input.policy);
    const result = await run();
    s.phase = 'succeeded';
    s.timings.finishedAt = now();
    return result;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      s.phase = 'cancelled';
      await CancellationScope.nonCancellable(cancelUpstream);
      s.timings.finishedAt = now();
      throw err;
    }
    // Every expected failure is an ApplicationFailure by now. Anything else is a bug: rethrown as is, it fails the
    // workflow task, which Temporal retries until a fixed worker is deployed, instead of failing the job.
    if (err instanceof ApplicationFailure) {
      s.phase = 'failed';
      s.timings.finishedAt = now();
      s.failure = { type: err.type ?? JOB_FAILURE.upstreamFailure, message: err.message };
    }
    throw err;
  }

  async function run(): Promise<JobResult> {
    const task = await holdingSlot(async () => {
      if (!s.taskId) await submitOnce();
      return pollUntilDone();
    });
    let images: JobResult['images'] = [];
    if (input.captureImages !== false) {
      try {
        images = await captureImages({ jobId: workflowInfo().workflowId, task });
      } catch (err) {
        if (isCancellation(err)) throw err;
        throw jobFailure(
          JOB_FAILURE.captureFailed,
          `task ${task.id} succeeded but its images were not stored: ${readActivityFailure(err).message}`,
          {
            taskId: task.id,
          }
        );
      }
    }
    return { taskId: task.id, task, images, timings: s.timings, submits: s.submits, fetches: s.fetches };
  }

  /** With `input.slots`, the upstream job holds an account slot from submit to a terminal state (waits included). */
  function holdingSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (!input.slots) return fn();
    const account = input.account ?? DEFAULT_ACCOUNT;
    return withAccountSlot({ account, mode, limits: input.slots, resume: s.taskId !== undefined }, fn);
  }

  /** Ends with a task id (adopted or new), or throws a typed failure. Each failure kind gets its own answer. */
  async function submitOnce(): Promise<void> {
    s.phase = 'submitting';
    const deadlineAt = s.timings.startedAt + policy.queuedMs;
    let backoffMs = durationToMs(DEFAULT_SUBMIT_BACKOFF.initialInterval);
    let parentRetries = 0;
    let unknownStreak = 0;
    const backOff = async (hintMs: number | undefined, why: string): Promise<void> => {
      const waitMs = hintMs ?? backoffMs;
      backoffMs = Math.min(
        backoffMs * DEFAULT_SUBMIT_BACKOFF.backoffCoefficient,
        durationToMs(DEFAULT_SUBMIT_BACKOFF.maxInterval)
      );
      if (now() + waitMs > deadlineAt) {
        throw jobFailure(
          JOB_FAILURE.deadlineExceeded,
          `submit did not get through before the queued deadline: ${why}`,
          {
            phase: 'submitting',
            submits: s.submits,
          }
        );
      }
      s.submitRetries++;
      await sleep(jittered(waitMs, 0.1, Math.random));
    };

    for (;;) {
      let outcome: SubmitTaskResult;
      try {
        s.submits++;
        outcome = await submitTask({ request, mode, stateKey });
      } catch (err) {
        if (isCancellation(err)) throw err;
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') throw jobFailure(f.type, f.message, { code: f.code, phase: 'submitting' });
        if (f.kind === 'back-pressure') {
          // The whole account slows down, not only this job: its other submits would meet the same 23/429.
          if (input.slots && (f.code === MJ_ERROR_CODE.queueFull || f.code === MJ_ERROR_CODE.rateLimited)) {
            await reportSlotBackPressure({ account: input.account ?? DEFAULT_ACCOUNT, mode }, f.retryAfterMs);
          }
          await backOff(f.retryAfterMs, f.message);
          continue;
        }
        if (f.kind === 'parent-unavailable') {
          if (++parentRetries > MAX_PARENT_UNAVAILABLE_RETRIES) {
            throw jobFailure(JOB_FAILURE.parentUnavailable, f.message, { code: f.code, retries: parentRetries - 1 });
          }
          await backOff(undefined, f.message);
          continue;
        }
        const found = await reconcile(deadlineAt, f.message);
        if (found !== 'resubmit') {
          adoptTask(found);
          return;
        }
        // Proven absent: resubmit at once the first time; a proxy that keeps losing answers gets backed off.
        if (++unknownStreak > 1) await backOff(undefined, f.message);
        continue;
      }
      s.taskId = outcome.taskId;
      s.timings.submittedAt = now();
      s.queuedSince = now();
      s.phase = 'queued';
      s.modalPending = outcome.kind === 'modal';
      upsertIfChanged([[MJ_TASK_ID, s.taskId]]);
      return;
    }
  }

  /**
   * After a submit whose outcome is unknown: the task found by `state`, or 'resubmit' once it is proven absent (or
   * the caller allows duplicates where the proxy cannot be searched).
   */
  async function reconcile(deadlineAt: number, why: string): Promise<TaskSnapshot | 'resubmit'> {
    let waitMs = durationToMs(RECONCILE_DELAY);
    for (;;) {
      await sleep(waitMs);
      try {
        const found = await findTaskByState({ stateKey, taskIdHint: s.taskId });
        return found ?? 'resubmit';
      } catch (err) {
        if (isCancellation(err)) throw err;
        const { failure, message } = readActivityFailure(err);
        if (failure?.type === ACTIVITY_FAILURE.reconcileUnsupported) {
          if (input.submitPolicy === 'at-least-once') return 'resubmit';
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}) and the proxy cannot be searched by state; not resubmitting (at-most-once)`,
            { stateKey }
          );
        }
        if (now() + waitMs > deadlineAt) {
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}); lookup kept failing: ${message}`,
            {
              stateKey,
            }
          );
        }
        waitMs = Math.min(waitMs * 2, durationToMs(DEFAULT_SUBMIT_BACKOFF.maxInterval));
      }
    }
  }

  function adoptTask(task: TaskSnapshot): void {
    s.taskId = task.id;
    // Workflow time, not the proxy's submitTime: deadlines must not depend on another machine's clock.
    s.timings.submittedAt = now();
    s.queuedSince = now();
    s.phase = 'queued';
    upsertIfChanged([[MJ_TASK_ID, s.taskId]]);
    observe(task);
    if (task.status === 'MODAL') s.modalPending = true;
  }

  /** Records a confirmed snapshot; true when status or progress moved since an earlier fetch. */
  function observe(t: TaskSnapshot): boolean {
    const changed = t.status !== s.lastStatus || t.progress !== s.lastProgress;
    const moved = changed && s.lastStatus !== undefined;
    s.progressPct = t.progressPct;
    s.previewUrl = t.imageUrl;
    s.action = t.action || s.action;
    s.buttons = t.buttons.map((b) => b.intent);
    if (changed) {
      s.lastStatus = t.status;
      s.lastProgress = t.progress;
      s.timings.lastChangeAt = now();
      if (t.status === 'IN_PROGRESS' && s.timings.firstProgressAt === undefined) s.timings.firstProgressAt = now();
    }
    if (s.phase === 'queued' || s.phase === 'running') s.phase = t.status === 'IN_PROGRESS' ? 'running' : 'queued';
    upsertIfChanged([
      [MJ_STATUS, t.status],
      [MJ_ACTION, t.action || undefined],
    ]);
    return moved;
  }

  async function fetchOnce(): Promise<FetchResult> {
    const taskId = s.taskId as string;
    s.fetches++;
    try {
      const t = await fetchTask({ taskId });
      return t;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { failure, details, message } = readActivityFailure(err);
      if (details.code === MJ_ERROR_CODE.auth) throw jobFailure(JOB_FAILURE.auth, message, { code: details.code });
      if (details.code === MJ_ERROR_CODE.taskNotFound || failure?.type === 'MjTaskNotFoundError') return 'not-found';
      return 'unavailable';
    }
  }

  async function pollUntilDone(): Promise<TaskSnapshot> {
    s.intervalMs ??= policy.initialMs;
    // A continued run fetches at once: the previous run stopped right after a wait.
    let skipWait = carry?.taskId !== undefined && s.taskId === carry.taskId && !s.modalPending;
    let lastError = '';
    for (;;) {
      if (s.modalPending) {
        await completeModal();
        skipWait = false;
        continue;
      }
      if (!skipWait) {
        const deadline = nextDeadline(deadlineClock(), policy);
        const waitMs = Math.max(1, Math.min(jittered(s.intervalMs, policy.jitter, Math.random), deadline.at - now()));
        if (await condition(() => s.hintPending, waitMs)) s.wakeups++;
        s.hintPending = false;
        if (shouldContinueAsNew()) {
          await condition(allHandlersFinished);
          await continueAsNew<typeof mjJobWorkflow>({ ...input, carry: toCarry() });
        }
      }
      skipWait = false;
      const r = await fetchOnce();
      let changed = false;
      let statusChanged = false;
      if (typeof r === 'object') {
        statusChanged = s.lastStatus !== undefined && r.status !== s.lastStatus;
        changed = observe(r);
        if (r.status === 'SUCCESS') return r;
        if (r.status === 'FAILURE' || r.status === 'CANCEL') throw upstreamTaskFailure(r);
        // A fetch can still show MODAL just after our modal submit; only a new MODAL task parks the job.
        if (r.status === 'MODAL' && s.modalSubmittedFor !== r.id) {
          s.modalPending = true;
          continue;
        }
      } else {
        lastError = r;
      }
      const deadline = nextDeadline(deadlineClock(), policy);
      // The fetch above ran at or after the deadline, so it was the final reconciliation.
      if (now() >= deadline.at) {
        throw jobFailure(
          JOB_FAILURE.deadlineExceeded,
          `${deadline.kind} deadline passed with task ${s.taskId} ${s.lastStatus ?? lastError}`,
          {
            deadline: deadline.kind,
            taskId: s.taskId,
            status: s.lastStatus,
            progress: s.lastProgress,
          }
        );
      }
      // A status change restarts the short ramp (the task is now in a new phase); progress within a phase only stops
      // the growth, so a long relax job is not re-polled every few seconds after each 15% step.
      s.intervalMs = s.hooked
        ? policy.webhookMs
        : statusChanged
          ? policy.initialMs
          : changed
            ? s.intervalMs
            : growInterval(s.intervalMs, policy);
    }
  }

  function deadlineClock() {
    const started = s.timings.submittedAt ?? s.timings.startedAt;
    return {
      submittedAt: started,
      queuedSince: s.queuedSince ?? started,
      lastChangeAt: s.timings.lastChangeAt ?? started,
      running: s.lastStatus === 'IN_PROGRESS',
      modalWaitedMs: s.modalWaitedMs,
    };
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested || info.historyLength > (input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS)
    );
  }

  function toCarry(): JobCarry {
    return {
      step: s.step,
      taskId: s.taskId,
      parentTaskId: request.kind === 'action' ? request.parentTaskId : undefined,
      phase: s.phase,
      lastStatus: s.lastStatus,
      lastProgress: s.lastProgress,
      timings: s.timings,
      submits: s.submits,
      fetches: s.fetches,
      wakeups: s.wakeups,
      intervalMs: s.intervalMs,
      hooked: s.hooked,
      queuedSince: s.queuedSince,
      modalWaitedMs: s.modalWaitedMs,
      modalSubmittedFor: s.modalSubmittedFor,
      submitRetries: s.submitRetries,
    };
  }

  /** Parks until a person (or the pre-supplied input) answers, submits on the MODAL child, then resumes polling. */
  async function completeModal(): Promise<void> {
    const childId = s.taskId as string;
    const since = now();
    const expiresAt = policy.modalMs === undefined ? undefined : since + policy.modalMs;
    s.phase = 'waiting-modal';
    s.timings.modalSince = since;
    s.waitingFor = { kind: 'modal', taskId: childId, intent, expiresAt, needs: modalNeeds(intent) };
    upsertIfChanged([[MJ_STATUS, 'MODAL']]);

    const presupplied = input.modal !== undefined;
    if (input.modal) {
      const problem = checkModalInput(input.modal, intent);
      if (problem) {
        throw jobFailure(JOB_FAILURE.validation, `pre-supplied modal input: ${problem.message}`, {
          field: problem.field === 'modal' ? 'modal' : `modal.${problem.field}`,
          rule: problem.rule,
          phase: 'waiting-modal',
          taskId: childId,
        });
      }
      s.modalAttempt++;
      s.modalInput = input.modal;
    }
    for (;;) {
      if (s.modalInput === undefined) {
        if (expiresAt === undefined) {
          await condition(() => s.modalInput !== undefined);
        } else if (!(await condition(() => s.modalInput !== undefined, Math.max(1, expiresAt - now())))) {
          throw jobFailure(JOB_FAILURE.modalExpired, `nobody answered MODAL task ${childId} in time`, {
            taskId: childId,
          });
        }
      }
      const attempt = s.modalAttempt;
      const rejection = await submitModalInput(childId, s.modalInput as ModalInput);
      if (!rejection) {
        s.modalOutcome = { attempt, ack: { taskId: childId, accepted: true } };
        break;
      }
      if (presupplied) throw rejection;
      // A person can correct the input: report why on their update and keep waiting.
      s.modalOutcome = { attempt, error: rejection };
      s.modalInput = undefined;
    }
    s.modalWaitedMs += now() - since;
    s.modalSubmittedFor = childId;
    s.modalPending = false;
    s.waitingFor = undefined;
    s.queuedSince = now();
    s.intervalMs = policy.initialMs;
    s.phase = 'queued';
  }

  /** Null once the proxy took the input; the failure to report when the input itself was refused. */
  async function submitModalInput(childId: string, modal: ModalInput): Promise<ApplicationFailure | null> {
    let backoffMs = durationToMs(DEFAULT_SUBMIT_BACKOFF.initialInterval);
    const giveUpAt = now() + policy.queuedMs;
    for (;;) {
      try {
        s.submits++;
        await submitModal({ taskId: childId, input: modal, mode });
        return null;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') {
          if (f.type === JOB_FAILURE.validation || f.type === JOB_FAILURE.bannedPrompt) {
            const rule = f.type === JOB_FAILURE.bannedPrompt ? 'banned' : 'upstream-rejected';
            return rejection(f.type, f.message, { field: 'prompt', rule, phase: 'waiting-modal', taskId: childId });
          }
          throw jobFailure(f.type, f.message, { code: f.code, taskId: childId });
        }
        if (f.kind === 'outcome-unknown') {
          // The child leaves MODAL once the proxy takes the input, so its status settles the question.
          const r = await fetchOnce();
          if (typeof r === 'object' && r.status !== 'MODAL') return null;
        }
        if (now() + backoffMs > giveUpAt) {
          throw jobFailure(JOB_FAILURE.deadlineExceeded, `modal submit did not get through: ${f.message}`, {
            taskId: childId,
          });
        }
        await sleep(jittered(f.kind === 'back-pressure' ? (f.retryAfterMs ?? backoffMs) : backoffMs, 0.1, Math.random));
        backoffMs = Math.min(backoffMs * 2, durationToMs(DEFAULT_SUBMIT_BACKOFF.maxInterval));
      }
    }
  }

  async function cancelUpstream(): Promise<void> {
    let taskId = s.taskId;
    try {
      // Cancelled while a submit was in flight: the task may exist under our state key.
      if (!taskId && s.submits > 0) taskId = (await findTaskByState({ stateKey }))?.id;
      if (!taskId) {
        s.upstreamCancel = { cancelled: false, reason: 'no upstream task' };
        return;
      }
      if (s.lastStatus === 'SUCCESS' || s.lastStatus === 'FAILURE' || s.lastStatus === 'CANCEL') {
        s.upstreamCancel = { cancelled: false, reason: `upstream task already ended ${s.lastStatus}` };
        return;
      }
      s.upstreamCancel = await cancelUpstreamTask({ taskId });
    } catch (err) {
      s.upstreamCancel = { cancelled: false, reason: readActivityFailure(err).message.slice(0, 200) };
    }
  }
}
