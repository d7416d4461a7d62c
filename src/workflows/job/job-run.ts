/**
 * The state and steps of one job (`mjJobWorkflow`): submit exactly once, poll with durable timers (woken early by
 * webhook hints), ask a person before pressing a button that always opens a modal, answer unasked MODALs, and
 * publish what readers see. Everything Temporal-specific comes in through {@link JobHost}, so each step is
 * unit-tested without a server (test/unit/workflows/job-run.test.ts); the workflow function only wires it.
 *
 * Phases: waiting-input → submitting → queued ⇄ running (⇄ waiting-modal) → succeeded | failed | cancelled.
 */
import { isCancellation, type ApplicationFailure } from '@temporalio/workflow';
import type {
  CancelUpstreamResult,
  CaptureImagesInput,
  FetchedTask,
  FetchTaskInput,
  RoutedLookupInput as FindTaskByStateInput,
  FoundTask,
  OwnedTask,
  SettleInput as SettleRoutedInput,
  SubmitModalInput,
  SubmitTaskInput,
  SubmitTaskResult,
} from '../../shared/job-activities';
import type { IntentSpec, SpeedMode, TaskStatus } from '../../mj/types';
import type { SettlePart, TaskOwner } from '../../shared/upstreams/types';
import {
  BUDGET_PARK_RECHECK,
  CONTINUE_AS_NEW_EVENTS,
  DEFAULT_MODE,
  DEFAULT_SUBMIT_BACKOFF,
  MAX_PARENT_UNAVAILABLE_RETRIES,
  MAX_UPSTREAM_AUTH_RETRIES,
  MIN_UPSTREAM_WAIT,
  RECONCILE_DELAY,
} from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import { ACTIVITY_FAILURE, JOB_FAILURE, MJ_ERROR_CODE, MODAL_INPUT_REJECTION } from '../../shared/failure-types';
import { reportedTask, type JobMemo, type JobMemoReported } from '../../shared/job-memo';
import { checkModalInput, isAlwaysModal, modalNeeds } from '../../shared/modal-input-rule';
import { ACTION_OF_KIND } from '../../shared/action-names';
import { intentText } from '../../shared/intent-text';
import { rejection } from '../../shared/rejection';
import { MJ_ACTION, MJ_MODE, MJ_STATUS, MJ_TASK_ID } from '../../shared/search-attributes';
import { makeStateKey } from '../../shared/state-key';
import type {
  CapturedImage,
  JobCarry,
  JobInput,
  JobPhase,
  JobProgress,
  JobResult,
  JobTimings,
  JobWaitingFor,
  ModalAck,
  ModalInput,
  TaskButton,
  TaskChangedHint,
  TaskRoute,
  TaskSnapshot,
} from '../../shared/types';
import { Backoff } from '../common/backoff';
import {
  captureFailure,
  classifyRoutedFailure,
  classifySubmitFailure,
  jobFailure,
  readActivityFailure,
  upstreamAuthFailure,
  upstreamTaskFailure,
  type RoutedFailure,
} from './failures';
import { FinishForecast } from './finish-forecast';
import { buildJobMemo, jobDetailsMarkdown } from './memo';
import { JOB_PATCH, type JobPatchId } from './patches';
import {
  deadlinesFor,
  earliestFetchAt,
  growInterval,
  hintNeedsFetch,
  jittered,
  jitteredBelow,
  nextDeadline,
  progressRank,
  resolvePolicy,
  type ResolvedPolicy,
} from './poll';

/** The activities a job calls (the worker's `createActivities` provides them). */
export interface JobActivities {
  submitTask(input: SubmitTaskInput): Promise<SubmitTaskResult>;
  submitModal(input: SubmitModalInput): Promise<{ taskId: string }>;
  fetchTask(input: FetchTaskInput): Promise<FetchedTask>;
  findTaskByState(input: FindTaskByStateInput): Promise<FoundTask | null>;
  settleRoutedSubmit(input: SettleRoutedInput): Promise<void>;
  cancelUpstreamTask(input: OwnedTask): Promise<CancelUpstreamResult>;
  captureImages(input: CaptureImagesInput & { upstreamId?: string }): Promise<CapturedImage[]>;
}

export type KeywordKey = typeof MJ_TASK_ID;

/** What the workflow gives a job: Temporal's clock, timers, history facts and side channels. */
export interface JobHost {
  readonly workflowId: string;
  readonly activities: JobActivities;
  now(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
  /** Temporal's `condition`: true once `fn` holds, false when `timeoutMs` passed first. */
  condition(fn: () => boolean, timeoutMs?: number): Promise<boolean>;
  /** True when the history is long enough to continue as new (the server's suggestion counts). */
  historyIsLong(limit: number): boolean;
  /** Waits for running handlers, then continues as new with `input`. Never returns. */
  continueAsNew(input: JobInput): Promise<never>;
  /** Runs `fn` holding an account slot when the input asks for one. */
  holdingSlot<T>(resume: boolean, fn: () => Promise<T>): Promise<T>;
  /**
   * True when a wait for a person comes before taking the account slot: the job uses slots and its history is not
   * one that waited inside the slot (a `patched()` check, asked only for jobs that are about to wait).
   */
  waitOutsideSlot(): boolean;
  reportBackPressure(retryAfterMs?: number): Promise<void>;
  /** Upserts the keyword search attributes whose values changed. */
  upsertKeywords(pairs: [KeywordKey, string | undefined][]): void;
  /** Upserts the memo, sets the Web UI details and signals the observer (contract C4). */
  publish(memo: JobMemo, seq: number, details: string): Promise<void>;
  /** Temporal's `patched(id)`: false while replaying a history recorded before the change. */
  patched(id: JobPatchId): boolean;
}

/** 'not-yet-known': a gateway's stub row (issue 17), which says nothing about the task yet. */
type FetchResult = TaskSnapshot | 'not-found' | 'unavailable' | 'not-yet-known';

interface ModalOutcome {
  attempt: number;
  ack?: ModalAck;
  error?: ApplicationFailure;
}

/** Where the modal input being submitted came from: decides whether a refusal may be corrected by a person. */
type ModalSource = 'given' | 'person' | 'auto';

const DEFAULT_MODAL_CHILD_MAX_AGE = '50m';

const SUBMIT_BACKOFF = {
  initialMs: durationToMs(DEFAULT_SUBMIT_BACKOFF.initialInterval),
  maxMs: durationToMs(DEFAULT_SUBMIT_BACKOFF.maxInterval),
  coefficient: DEFAULT_SUBMIT_BACKOFF.backoffCoefficient,
  jitter: 0.1,
};

const MIN_UPSTREAM_WAIT_MS = durationToMs(MIN_UPSTREAM_WAIT);
const BUDGET_PARK_RECHECK_MS = durationToMs(BUDGET_PARK_RECHECK);

export class JobRun {
  /** The requested mode; with several upstreams, the one routing chose once the submit was accepted. */
  mode: SpeedMode;
  readonly request: JobInput['request'];
  readonly intent: IntentSpec | undefined;
  // Carried across continue-as-new (see toCarry).
  step: number;
  taskId: string | undefined;
  phase: JobPhase;
  lastStatus: TaskStatus | undefined;
  lastProgress: string | undefined;
  timings: JobTimings;
  submits: number;
  fetches: number;
  wakeups: number;
  intervalMs: number | undefined;
  hooked: boolean;
  queuedSince: number | undefined;
  modalWaitedMs: number;
  modalSubmittedFor: string | undefined;
  memoSeq: number;
  modalInput: ModalInput | undefined;
  // Rebuilt by the first fetch of a run.
  progressPct: number | null = null;
  previewUrl: string | null = null;
  /** What the latest confirmed snapshot reported for readers (result texts, media URLs). */
  reported: JobMemoReported | undefined;
  action: string | undefined;
  buttons: TaskButton[] = [];
  failReason: string | undefined;
  hintPending = false;
  modalPending = false;
  /** Workflow time the current MODAL child appeared, to judge its age when a person answers. */
  modalChildSince: number | undefined;
  waitingFor: JobWaitingFor | undefined;
  modalSource: ModalSource | undefined;
  modalAttempt = 0;
  modalOutcome: ModalOutcome | undefined;
  failure: JobProgress['failure'];
  upstreamCancel: JobProgress['upstreamCancel'];
  images: CapturedImage[] = [];
  /**
   * How often the server refreshes what fetch answers (a gateway's poller), from the latest submit or fetch result;
   * 0 for live proxies and for histories recorded before issue 17. No poll comes sooner after the last read.
   */
  refreshMs = 0;
  /** Workflow time of the last read of the task (a fetch, or the submit that created it). */
  lastReadAt: number | undefined;
  /** The mode the task says it runs in; null when the upstream does not say (a new-api gateway drops it). */
  reportedMode: SpeedMode | null | undefined;
  /** Several upstreams (issue 13): where the task lives; every call on it goes there. Absent with one upstream. */
  owner: TaskOwner | undefined;
  /** The owner's reservation in the pool (freed when the task ends). */
  route: TaskRoute | undefined;
  /** Upstreams that refused this submit (proven not accepted), counted and skipped by the next attempt. */
  failovers = 0;
  private exclude: string[] = [];
  private deadlineRule: boolean | undefined;
  private policy: ResolvedPolicy | undefined;
  private lastMemoJson: string | undefined;
  /** `JOB_PATCH.currentPaths` applies: every patch it stands for is taken without asking (no marker of its own). */
  private current = false;
  /** `JOB_PATCH.jobCost` applies to this run. */
  private cost = false;
  /** A hint that arrived while the submit was in flight (see onTaskChanged). */
  private earlyHint: TaskChangedHint | undefined;
  /** Search attributes held back to go out with the next upsert (one event instead of two). */
  private deferredKeywords: [KeywordKey, string | undefined][] = [];
  /** When the running task should finish, for a job that polls (rebuilt by the fetches of each run). */
  private readonly forecast = new FinishForecast();
  /** The wait in progress ends sooner than the ramp's interval: at the forecast finish, or on the overdue ramp. */
  private earlyPoll = false;
  /** The short ramp of a task found unfinished at its forecast; cleared when the task moves. */
  private overdueMs: number | undefined;

  constructor(
    readonly input: JobInput,
    private readonly host: JobHost
  ) {
    const carry: JobCarry | undefined = input.carry;
    this.mode = carry?.owner?.mode ?? input.mode ?? input.modes?.[0] ?? DEFAULT_MODE;
    this.owner = carry?.owner;
    this.route = carry?.route;
    this.request = input.request;
    this.intent = input.request.kind === 'action' ? input.request.intent : undefined;
    this.step = carry?.step ?? 0;
    this.taskId = carry?.taskId;
    this.phase = carry?.phase ?? 'submitting';
    this.lastStatus = carry?.lastStatus;
    this.lastProgress = carry?.lastProgress;
    this.timings = carry?.timings ?? { startedAt: host.now() };
    this.submits = carry?.submits ?? 0;
    this.fetches = carry?.fetches ?? 0;
    this.wakeups = carry?.wakeups ?? 0;
    this.intervalMs = carry?.intervalMs;
    this.hooked = carry?.hooked ?? false;
    this.queuedSince = carry?.queuedSince;
    this.modalWaitedMs = carry?.modalWaitedMs ?? 0;
    this.modalSubmittedFor = carry?.modalSubmittedFor;
    this.memoSeq = carry?.memoSeq ?? 0;
    this.modalInput = carry?.modalInput ?? input.modal;
    if (this.modalInput !== undefined) this.modalSource = input.modal !== undefined ? 'given' : 'person';
  }

  get stateKey(): string {
    return makeStateKey(this.host.workflowId, this.step);
  }

  finished(): boolean {
    return this.phase === 'succeeded' || this.phase === 'failed' || this.phase === 'cancelled';
  }

  private get pol(): ResolvedPolicy {
    this.policy ??= resolvePolicy(this.mode, this.input.policy);
    return this.policy;
  }

  // ---- readers ------------------------------------------------------------------------------------------

  progress(): JobProgress {
    return {
      phase: this.phase,
      taskId: this.taskId,
      status: this.lastStatus,
      progressPct: this.progressPct,
      previewUrl: this.previewUrl,
      action: this.action,
      mode: this.mode,
      buttons: this.buttons.map((b) => b.intent),
      timings: this.timings,
      waitingFor: this.waitingFor,
      ...(this.owner ? { owner: this.owner } : {}),
      failure: this.failure,
      submits: this.submits,
      fetches: this.fetches,
      wakeups: this.wakeups,
      upstreamCancel: this.upstreamCancel,
    };
  }

  memo(): JobMemo {
    return buildJobMemo(this.request, {
      phase: this.phase,
      mode: this.mode,
      taskId: this.taskId,
      status: this.lastStatus,
      progress: this.lastProgress,
      action: this.action,
      imageUrl: this.previewUrl,
      buttons: this.buttons,
      timings: this.timings,
      waitingFor: this.waitingFor,
      failure: this.failure,
      failReason: this.failReason,
      modalPrompt: this.modalSubmittedFor !== undefined ? this.modalInput?.prompt : undefined,
      assets: this.images.length
        ? this.images.map((i) => ({ index: i.index, key: i.asset.key, contentType: i.asset.contentType }))
        : undefined,
      owner: this.owner,
      reported: this.reported,
    });
  }

  /**
   * Publishes the memo when something a reader sees changed since the last publish. `reported` is left out of the
   * comparison: it changes with the status or progress the memo already shows (a describe's text comes with its
   * SUCCESS), and an upsert of its own would be a command histories recorded before it lack. The terminal publish
   * comes after the last snapshot, so the final memo always carries the final `reported`.
   */
  async publish(): Promise<void> {
    const memo = this.memo();
    const { reported: _rides, ...compared } = memo;
    const json = JSON.stringify(compared);
    if (json === this.lastMemoJson) return;
    this.lastMemoJson = json;
    await this.host.publish(memo, ++this.memoSeq, jobDetailsMarkdown(memo));
  }

  // ---- messages -----------------------------------------------------------------------------------------

  onTaskChanged(hint: TaskChangedHint): void {
    // The first webhook often beats the submit's own answer (it is sent as the task is created): keep it until the
    // task id is known, or the one hint that tells the job webhooks work would be lost.
    if (hint && this.cost && this.taskId === undefined && !this.finished()) this.earlyHint = hint;
    if (!hint || hint.taskId !== this.taskId || this.finished()) return;
    // A delivery from another upstream than the owner names another task that happens to share the id.
    if (hint.upstreamId !== undefined && this.owner && hint.upstreamId !== this.owner.upstreamId) return;
    // A hint that reports nothing newer than the last confirmed fetch (a duplicate, or a late one) wakes nobody.
    if (
      hint.status !== undefined &&
      progressRank(hint.status, hint.progress) <= progressRank(this.lastStatus, this.lastProgress)
    ) {
      return;
    }
    // Webhooks work for this task: from now on they carry the news and polling is only the safety net.
    this.hooked = true;
    // Progress hints only inform the progress query; terminal and MODAL hints (and bare ones) are confirmed by a
    // fetch at once, which is all a job needs to act on time.
    if (!hintNeedsFetch(hint.status)) {
      const pct = /(\d+(?:\.\d+)?)\s*%/.exec(hint.progress ?? '');
      if (pct) this.progressPct = Math.min(100, Number(pct[1]));
      return;
    }
    this.hintPending = true;
  }

  /** The update validator: throws a structured rejection (contract C1); records nothing. */
  validateModalInput(modal: ModalInput): void {
    const waiting = this.phase === 'waiting-input' || this.phase === 'waiting-modal';
    if (!waiting || this.modalInput !== undefined) {
      throw rejection(
        MODAL_INPUT_REJECTION.notWaiting,
        `the job (jobId) is not waiting for modal input (phase ${this.phase})`,
        {
          field: 'jobId',
          rule: 'not-waiting',
          phase: this.phase,
          ...(this.taskId ? { taskId: this.taskId } : {}),
        }
      );
    }
    const problem = checkModalInput(modal, this.intent);
    if (problem) {
      throw rejection(MODAL_INPUT_REJECTION.invalid, problem.message, {
        field: problem.field,
        rule: problem.rule,
        phase: this.phase,
        ...(this.taskId ? { taskId: this.taskId } : {}),
      });
    }
  }

  /**
   * Whether a person's input can be taken now (what the validator checks: waiting, no input pending), or never will
   * be (the job ended).
   */
  canTakeModalInput(): boolean {
    const waiting = this.phase === 'waiting-input' || this.phase === 'waiting-modal';
    return (waiting && this.modalInput === undefined) || this.finished();
  }

  /** The update handler: completes once the upstream took the modal submit, or with the reason it did not. */
  async provideModalInput(modal: ModalInput): Promise<ModalAck> {
    // Live, the validator has just accepted the input, so this wait ends at once. On replay validators do not run, and
    // sdk-core may hand the update over before a result delivered in the same workflow task (the refusal that cleared
    // an earlier input, as seen for pipelines' step input): taken then, the input would be cleared by that refusal and
    // the modal submit the history holds never scheduled. So the handler waits for the state the validator saw.
    await this.host.condition(() => this.canTakeModalInput());
    const attempt = ++this.modalAttempt;
    this.modalInput = modal;
    this.modalSource = 'person';
    await this.host.condition(() => this.modalOutcome?.attempt === attempt || this.finished());
    const outcome = this.modalOutcome?.attempt === attempt ? this.modalOutcome : undefined;
    if (outcome?.ack) return outcome.ack;
    throw (
      outcome?.error ??
      rejection(
        this.failure?.type ?? MODAL_INPUT_REJECTION.notWaiting,
        `job ended before the modal input was submitted (${this.phase}${this.failure ? `: ${this.failure.message}` : ''})`,
        { field: 'jobId', rule: 'not-waiting', phase: this.phase }
      )
    );
  }

  // ---- the job ------------------------------------------------------------------------------------------

  /** Runs the job to its result; throws typed failures (see {@link fail}). */
  async run(): Promise<JobResult> {
    // One marker for a run on today's code (2 history events a patch): it stands for the patches below it.
    this.current = this.host.patched(JOB_PATCH.currentPaths);
    this.cost = this.current || this.host.patched(JOB_PATCH.jobCost);
    const startKeywords: [KeywordKey, string | undefined][] = [
      [MJ_MODE, this.mode],
      [MJ_ACTION, ACTION_OF_KIND[this.request.kind]],
    ];
    if (this.cost) this.deferredKeywords = startKeywords;
    else this.host.upsertKeywords(startKeywords);
    this.policy = resolvePolicy(this.mode, this.input.policy);
    this.checkPresuppliedInput();
    // A person may answer days later: waiting outside the slot keeps the account's other jobs running meanwhile.
    if (this.mustAskFirst() && this.host.waitOutsideSlot()) await this.askFirst();
    const task = await this.host.holdingSlot(this.taskId !== undefined, async () => {
      if (!this.taskId) {
        if (this.mustAskFirst()) await this.askFirst();
        await this.submit();
      }
      return this.pollUntilDone();
    });
    if (this.input.captureImages !== false) await this.capture(task);
    this.phase = 'succeeded';
    this.timings.finishedAt = this.host.now();
    await this.publish();
    return {
      taskId: task.id,
      task,
      images: this.images,
      timings: this.timings,
      submits: this.submits,
      fetches: this.fetches,
      ...(this.owner ? { owner: this.owner } : {}),
      ...(this.failovers > 0 ? { failovers: this.failovers } : {}),
    };
  }

  /** Nothing is pressed upstream yet and the intent needs input nobody gave: a person is asked first. */
  private mustAskFirst(): boolean {
    return !this.taskId && isAlwaysModal(this.intent) && this.modalInput === undefined;
  }

  private async askFirst(): Promise<void> {
    await this.checkParentOffersButton();
    await this.waitForPerson('waiting-input');
  }

  /** Records how the job ended (a typed failure, or a cancellation) and publishes it. */
  async fail(err: ApplicationFailure | 'cancelled'): Promise<void> {
    this.phase = err === 'cancelled' ? 'cancelled' : 'failed';
    if (err !== 'cancelled') this.failure = { type: err.type ?? JOB_FAILURE.upstreamFailure, message: err.message };
    this.timings.finishedAt = this.host.now();
    this.waitingFor = undefined;
    if (this.deferredKeywords.length > 0) this.upsertKeywords([]);
    await this.publish();
  }

  /** Upserts keyword search attributes, with any held back (later values win). */
  private upsertKeywords(pairs: [KeywordKey, string | undefined][]): void {
    const byName = new Map<string, [KeywordKey, string | undefined]>();
    for (const pair of [...this.deferredKeywords, ...pairs]) {
      if (pair[1] !== undefined || !byName.has(pair[0].name)) byName.set(pair[0].name, pair);
    }
    this.deferredKeywords = [];
    this.host.upsertKeywords([...byName.values()]);
  }

  /**
   * Before a person is asked for input, the parent must offer the button: nobody should paint a mask for a Vary
   * (Region) that a grid does not have. A parent that cannot be read now is left to the submit, which knows how to
   * wait for a just-finished parent and how to fail for one the upstream does not know.
   */
  private async checkParentOffersButton(): Promise<void> {
    if (this.request.kind !== 'action' || !this.intent) return;
    const parentTaskId = this.request.parentTaskId;
    let parent: TaskSnapshot;
    try {
      const upstreamId = this.request.upstreamId;
      parent = await this.host.activities.fetchTask({ taskId: parentTaskId, ...(upstreamId ? { upstreamId } : {}) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return;
    }
    if (parent.status !== 'SUCCESS') return;
    const wanted = intentText(this.intent);
    const offered = parent.buttons.map((b) => intentText(b.intent));
    if (offered.includes(wanted)) return;
    throw jobFailure(
      JOB_FAILURE.buttonNotFound,
      `task ${parentTaskId} has no ${wanted} button; available: ${offered.join(', ') || 'none'}`,
      { field: 'intent', rule: 'button-exists', phase: this.phase, taskId: parentTaskId }
    );
  }

  private checkPresuppliedInput(): void {
    const given = this.input.modal;
    if (given === undefined || this.taskId !== undefined) return;
    const problem = checkModalInput(given, this.intent);
    if (problem) {
      throw jobFailure(JOB_FAILURE.validation, `pre-supplied modal input: ${problem.message}`, {
        field: problem.field === 'modal' ? 'modal' : `modal.${problem.field}`,
        rule: problem.rule,
        phase: this.phase,
      });
    }
  }

  private async capture(task: TaskSnapshot): Promise<void> {
    try {
      this.images = await this.host.activities.captureImages({ jobId: this.host.workflowId, task, ...this.ownerRef() });
    } catch (err) {
      if (isCancellation(err)) throw err;
      throw captureFailure(task.id, err);
    }
  }

  // ---- submit -------------------------------------------------------------------------------------------

  /** Ends with a task id (adopted or new), or throws a typed failure. Each failure kind gets its own answer. */
  async submit(): Promise<void> {
    this.phase = 'submitting';
    // Under the job-cost patch a submit that gets through at once is published once, as accepted (one memo event less);
    // readers hear of 'submitting' only when the submit has to wait (backOff below).
    if (!this.cost) await this.publish();
    const backoff = new Backoff(SUBMIT_BACKOFF, this.host.now() + this.pol.queuedMs, this.host);
    const backOff = async (hintMs: number | undefined, why: string): Promise<void> => {
      const waitMs = backoff.next(hintMs);
      if (waitMs === undefined) {
        throw jobFailure(
          JOB_FAILURE.deadlineExceeded,
          `submit did not get through before the queued deadline: ${why}`,
          {
            phase: 'submitting',
            submits: this.submits,
          }
        );
      }
      if (this.cost) await this.publish();
      await this.host.sleep(waitMs);
    };
    let parentRetries = 0;
    let upstreamAuthRetries = 0;
    let unknownStreak = 0;
    for (;;) {
      let outcome: SubmitTaskResult;
      try {
        this.submits++;
        outcome = await this.host.activities.submitTask(this.submitInput());
      } catch (err) {
        if (isCancellation(err)) throw err;
        const routed = classifyRoutedFailure(err);
        if (routed) {
          await this.onRoutedFailure(routed, backoff);
          continue;
        }
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') throw jobFailure(f.type, f.message, { code: f.code, phase: 'submitting' });
        if (f.kind === 'back-pressure') {
          // The whole account slows down, not only this job: its other submits would meet the same 23/429.
          if (f.code === MJ_ERROR_CODE.queueFull || f.code === MJ_ERROR_CODE.rateLimited) {
            await this.host.reportBackPressure(f.retryAfterMs);
          }
          await backOff(f.retryAfterMs, f.message);
          continue;
        }
        if (f.kind === 'upstream-auth') {
          // Before issue 17 this was plain back-pressure, bounded only by the queued deadline.
          if (this.host.patched(JOB_PATCH.upstreamAuthBounded) && ++upstreamAuthRetries > MAX_UPSTREAM_AUTH_RETRIES) {
            throw upstreamAuthFailure('submitting', upstreamAuthRetries, f.message);
          }
          await backOff(undefined, f.message);
          continue;
        }
        if (f.kind === 'parent-unavailable') {
          this.failFastOnExternalParent(f.code, f.message);
          if (++parentRetries > MAX_PARENT_UNAVAILABLE_RETRIES) {
            throw jobFailure(JOB_FAILURE.parentUnavailable, f.message, { code: f.code, retries: parentRetries - 1 });
          }
          await backOff(undefined, f.message);
          continue;
        }
        // Routed: the attempt's reservation, so the task is looked for on that same upstream first.
        const found = await this.reconcile(backoff.deadlineAt, f.message, readActivityFailure(err).details.route);
        if (found !== 'resubmit') {
          if (found.route && found.unsettled) await this.settleRouted(found.route, found.id, found.unsettled);
          this.adopt(found);
          await this.publish();
          return;
        }
        // Proven absent: resubmit at once the first time; a proxy that keeps losing answers gets backed off.
        if (++unknownStreak > 1) await backOff(undefined, f.message);
        continue;
      }
      if (outcome.route && outcome.unsettled) await this.settleRouted(outcome.route, outcome.taskId, outcome.unsettled);
      this.accepted(outcome.taskId, outcome.kind === 'modal', outcome.route);
      if (outcome.refreshMs !== undefined) {
        // A gateway answers a stub until its poller first reads the upstream: the submit counts as a read.
        this.refreshMs = outcome.refreshMs;
        this.lastReadAt = this.host.now();
      }
      await this.publish();
      return;
    }
  }

  /**
   * The submit's input; routed fields only when the job has them, so a job with one upstream sends what it did. A job
   * that names neither `modes` nor `mode` sends `modes: []`: routing then takes the pool's `routing.modePreference`
   * (a single upstream ignores it and submits in FAST).
   */
  private submitInput(): SubmitTaskInput {
    const { modes, mode } = this.input;
    return {
      request: this.request,
      mode: this.mode,
      stateKey: this.stateKey,
      ...(modes ? { modes } : mode === undefined ? { modes: [] } : {}),
      ...(this.input.costTags ? { costTags: this.input.costTags } : {}),
      ...(this.exclude.length > 0 ? { exclude: [...this.exclude] } : {}),
    };
  }

  /**
   * Routed: the bookkeeping of an accepted task the submit could not do (pool or ledger unreachable), done durably by
   * an idempotent activity Temporal retries. It runs only then, so a submit that settled everything adds no events;
   * before `accepted()`, so the wait does not eat into the queued deadline. Should it still fail after its
   * schedule-to-close, the task runs on (it was accepted); the failed activity stays in history for the operator.
   */
  private async settleRouted(route: TaskRoute, taskId: string, parts: SettlePart[]): Promise<void> {
    const costTags = this.input.costTags;
    try {
      await this.host.activities.settleRoutedSubmit({
        route,
        taskId,
        stateKey: this.stateKey,
        parts,
        ...(costTags ? { costTags } : {}),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
  }

  /** A pinned follow-up (an action on a routed parent): only the owner may take it. */
  private get pin(): string | undefined {
    return this.request.kind === 'action' ? this.request.upstreamId : undefined;
  }

  /**
   * A routed submit that did not get through (issue 13). Failover: at once, elsewhere (the refusing upstream is
   * skipped). Busy: a durable wait for the pool's time, within the queued deadline, or, for a pinned follow-up whose
   * owner is down, within the job's total deadline (it is never moved). Budget: fail, or park and ask again.
   */
  private async onRoutedFailure(f: RoutedFailure, backoff: Backoff): Promise<void> {
    const pinned = this.pin !== undefined;
    const totalAt = this.timings.startedAt + this.pol.totalMs;
    switch (f.kind) {
      case 'failover':
        this.failovers++;
        if (!pinned) {
          if (!this.exclude.includes(f.upstreamId)) this.exclude.push(f.upstreamId);
          return;
        }
        // The owner refused: the pool cools it down, so the next reservation answers with the time to wait.
        return this.waitForUpstream(f.upstreamId, f.code ?? 'refused', f.retryAfterMs ?? 0, totalAt);
      case 'busy':
        this.exclude = [];
        return this.waitForUpstream(f.upstreamId, f.reason, f.retryAfterMs, pinned ? totalAt : backoff.deadlineAt);
      case 'no-upstream':
        if (this.exclude.length > 0) {
          // Every upstream that could take it refused this submit: wait for one of them, do not give up.
          this.exclude = [];
          return this.waitForUpstream(undefined, 'all refused', backoff.next() ?? 0, backoff.deadlineAt);
        }
        throw jobFailure(JOB_FAILURE.noUpstream, f.message, { field: 'upstream', rule: f.rule, phase: 'submitting' });
      case 'budget':
        if (f.verdict.onExceed === 'park')
          return this.waitForUpstream(undefined, 'budget', BUDGET_PARK_RECHECK_MS, totalAt);
        throw jobFailure(JOB_FAILURE.budgetExceeded, f.message, {
          ...f.verdict,
          field: 'budget',
          rule: 'limit',
          phase: 'submitting',
        });
    }
  }

  /** Sleeps on a durable timer until the pool (or a budget) may say yes, publishing what the job waits for. */
  private async waitForUpstream(
    upstreamId: string | undefined,
    reason: string,
    retryAfterMs: number,
    deadlineAt: number
  ): Promise<void> {
    const now = this.host.now();
    if (now >= deadlineAt) {
      const on = upstreamId ? `upstream ${upstreamId}` : 'an upstream';
      throw jobFailure(JOB_FAILURE.deadlineExceeded, `${on} did not take the submit before the deadline: ${reason}`, {
        field: 'upstream',
        rule: 'available',
        phase: 'submitting',
        reason,
        submits: this.submits,
        ...(upstreamId ? { upstreamId } : {}),
      });
    }
    const until = Math.min(deadlineAt, now + Math.max(MIN_UPSTREAM_WAIT_MS, retryAfterMs));
    const since = this.waitingFor?.kind === 'upstream' ? this.waitingFor.since : now;
    this.waitingFor = { kind: 'upstream', reason, since, until, needs: [], ...(upstreamId ? { upstreamId } : {}) };
    await this.publish();
    await this.host.sleep(until - now);
  }

  /** A poll's routing fields: the owner, and the reservation to free once the task ends. */
  private routeRef(): Omit<FetchTaskInput, 'taskId'> {
    if (!this.owner) return {};
    const requestId = this.route?.requestId;
    return { upstreamId: this.owner.upstreamId, stateKey: this.stateKey, ...(requestId ? { requestId } : {}) };
  }

  /** The owner of the task for calls on it (fetch, modal, cancel, capture); nothing with one upstream. */
  private ownerRef(): { upstreamId?: string } {
    return this.owner ? { upstreamId: this.owner.upstreamId } : {};
  }

  /** C5: an external parent the upstream does not know is a typo or a stale id, not a race: fail at once. */
  private failFastOnExternalParent(code: string | undefined, message: string): void {
    if (this.request.kind !== 'action' || this.request.parentOrigin !== 'external') return;
    if (code !== MJ_ERROR_CODE.taskNotFound) return;
    const taskId = this.request.parentTaskId;
    throw jobFailure(JOB_FAILURE.parentNotFound, `parent task ${taskId} is not known upstream: ${message}`, {
      field: 'parentTaskId',
      rule: 'exists',
      taskId,
    });
  }

  private accepted(taskId: string, modal: boolean, route?: TaskRoute): void {
    this.taskId = taskId;
    if (this.waitingFor?.kind === 'upstream') this.waitingFor = undefined;
    if (route) this.own(taskId, route);
    // Workflow time, not the proxy's submitTime: deadlines must not depend on another machine's clock.
    this.timings.submittedAt ??= this.host.now();
    this.queuedSince = this.host.now();
    this.phase = 'queued';
    this.lastStatus = undefined;
    this.lastProgress = undefined;
    this.forecast.reset();
    this.overdueMs = undefined;
    if (modal) this.parkOnModal();
    this.upsertKeywords([[MJ_TASK_ID, taskId]]);
    const early = this.earlyHint;
    this.earlyHint = undefined;
    if (early?.taskId === taskId) this.onTaskChanged(early);
  }

  private parkOnModal(): void {
    this.modalPending = true;
    this.modalChildSince ??= this.host.now();
  }

  /**
   * After a submit whose outcome is unknown: the task found by `state`, or 'resubmit' once it is proven absent (or
   * the caller allows duplicates where the proxy cannot be searched).
   */
  private async reconcile(deadlineAt: number, why: string, route?: TaskRoute): Promise<FoundTask | 'resubmit'> {
    const reconcileMs = durationToMs(RECONCILE_DELAY);
    const backoff = new Backoff({ initialMs: reconcileMs, maxMs: SUBMIT_BACKOFF.maxMs }, deadlineAt, this.host);
    // The first lookup always runs: an asynchronously saved task (N) needs a moment to be visible.
    let waitMs: number | undefined = reconcileMs;
    for (;;) {
      await this.host.sleep(waitMs);
      try {
        const found = await this.host.activities.findTaskByState({
          stateKey: this.stateKey,
          taskIdHint: this.taskId,
          ...(route ? { upstreamId: route.upstreamId, route } : {}),
          // Also without a route: a task found by searching every upstream is charged to the job's tags.
          ...(this.input.costTags ? { costTags: this.input.costTags } : {}),
        });
        return found ?? 'resubmit';
      } catch (err) {
        if (isCancellation(err)) throw err;
        const { failure, message } = readActivityFailure(err);
        if (failure?.type === ACTIVITY_FAILURE.reconcileUnsupported) {
          if (this.input.submitPolicy === 'at-least-once') return 'resubmit';
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}) and the proxy cannot be searched by state; not resubmitting (at-most-once)`,
            { stateKey: this.stateKey }
          );
        }
        waitMs = backoff.next();
        if (waitMs === undefined) {
          throw jobFailure(
            JOB_FAILURE.submitOutcomeUnknown,
            `submit outcome unknown (${why}); lookup kept failing: ${message}`,
            {
              stateKey: this.stateKey,
            }
          );
        }
      }
    }
  }

  private adopt(task: FoundTask): void {
    const { route, ...snapshot } = task;
    this.accepted(task.id, task.status === 'MODAL', route);
    this.observe(snapshot);
  }

  /**
   * Records the owner routing chose (issue 13) and runs in its mode: the poll policy and deadlines become that
   * mode's, and the mode search attribute says it (it goes out with the task id, one upsert).
   */
  private own(taskId: string, route: TaskRoute): void {
    this.route = route;
    this.owner = { upstreamId: route.upstreamId, taskId, mode: route.mode };
    this.exclude = [];
    if (route.mode === this.mode) return;
    this.mode = route.mode;
    this.policy = resolvePolicy(route.mode, this.input.policy);
    this.deferredKeywords.push([MJ_MODE, route.mode]);
  }

  // ---- poll ---------------------------------------------------------------------------------------------

  /** Records a confirmed snapshot; true when status or progress moved since an earlier fetch. */
  observe(t: TaskSnapshot): boolean {
    const changed = t.status !== this.lastStatus || t.progress !== this.lastProgress;
    const moved = changed && this.lastStatus !== undefined;
    this.progressPct = t.progressPct;
    this.previewUrl = t.imageUrl;
    this.reported = reportedTask(t);
    this.action = t.action || this.action;
    this.buttons = t.buttons;
    this.failReason = t.failReason ?? undefined;
    this.reportedMode = t.mode;
    if (changed) {
      this.lastStatus = t.status;
      this.lastProgress = t.progress;
      this.timings.lastChangeAt = this.host.now();
      if (t.status === 'IN_PROGRESS' && this.timings.firstProgressAt === undefined) {
        this.timings.firstProgressAt = this.host.now();
      }
    }
    if (this.phase === 'queued' || this.phase === 'running') {
      this.phase = t.status === 'IN_PROGRESS' ? 'running' : 'queued';
    }
    this.upsertKeywords([
      [MJ_STATUS, t.status],
      [MJ_ACTION, t.action || undefined],
    ]);
    return moved;
  }

  private async fetchOnce(): Promise<FetchResult> {
    this.fetches++;
    try {
      const r = await this.host.activities.fetchTask({ taskId: this.taskId as string, ...this.routeRef() });
      if (r.refreshMs !== undefined) this.refreshMs = r.refreshMs;
      // A stub's "" is no status: observing it would publish it and reset the ramp. Old histories observed it.
      if (r.stub === true && (this.current || this.host.patched(JOB_PATCH.stubNotYetKnown))) return 'not-yet-known';
      return r;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { failure, details, message } = readActivityFailure(err);
      if (details.code === MJ_ERROR_CODE.auth) throw jobFailure(JOB_FAILURE.auth, message, { code: details.code });
      if (failure?.type === ACTIVITY_FAILURE.noUpstream) {
        throw jobFailure(JOB_FAILURE.noUpstream, message, { field: 'upstream', rule: 'owner', ...this.ownerRef() });
      }
      if (details.code === MJ_ERROR_CODE.taskNotFound || failure?.type === 'MjTaskNotFoundError') return 'not-found';
      return 'unavailable';
    } finally {
      this.lastReadAt = this.host.now();
    }
  }

  async pollUntilDone(): Promise<TaskSnapshot> {
    const p = this.pol;
    this.intervalMs ??= p.initialMs;
    // A continued run fetches at once: the previous run stopped right after a wait.
    let skipWait = this.input.carry?.taskId !== undefined && this.taskId === this.input.carry.taskId;
    let lastError = '';
    for (;;) {
      if (this.modalPending) {
        await this.answerModal();
        skipWait = false;
        continue;
      }
      if (!skipWait) await this.waitForNews();
      skipWait = false;
      const r = await this.fetchOnce();
      let changed = false;
      let statusChanged = false;
      if (typeof r === 'object') {
        statusChanged = this.lastStatus !== undefined && r.status !== this.lastStatus;
        changed = this.observe(r);
        if (r.status === 'SUCCESS') return r;
        if (r.status === 'FAILURE' || r.status === 'CANCEL') throw upstreamTaskFailure(r);
        // A fetch can still show MODAL just after our modal submit; only a new MODAL task parks the job.
        if (r.status === 'MODAL' && this.modalSubmittedFor !== r.id) {
          this.parkOnModal();
          continue;
        }
        await this.publish();
      } else {
        lastError = r;
      }
      this.checkDeadline(lastError);
      // A status change restarts the short ramp (the task is now in a new phase); progress within a phase only stops
      // the growth, so a long relax job is not re-polled every few seconds after each 15% step.
      // A poll the forecast brought forward says nothing about the ramp: it neither grows nor restarts it.
      const early = this.followForecast(r, changed);
      if (this.hooked || (!changed && !early)) this.intervalMs = growInterval(this.intervalMs, p, this.hooked);
      else if (statusChanged) this.intervalMs = p.initialMs;
    }
  }

  /**
   * Polling only (webhooks make the terminal change arrive by itself): feeds the finish forecast. A poll brought
   * forward that found nothing new means the task is due: a short ramp of its own (from `initialInterval`) runs until
   * the task moves, and the regular ramp stays where it was. Answers whether the poll just made was brought forward.
   */
  private followForecast(r: TaskSnapshot | string, changed: boolean): boolean {
    const early = this.earlyPoll;
    this.earlyPoll = false;
    if (this.hooked || typeof r !== 'object' || r.status !== 'IN_PROGRESS') {
      this.overdueMs = undefined;
      return early;
    }
    this.forecast.observe(r.progressPct, this.host.now());
    if (changed) this.overdueMs = undefined;
    else if (early) {
      this.forecast.spend();
      this.overdueMs = this.overdueMs === undefined ? this.pol.initialMs : growInterval(this.overdueMs, this.pol);
    }
    return early;
  }

  /**
   * The ramp's interval, or sooner: the time left to the forecast finish, or the overdue ramp (polling only). Only
   * the length of the poll timer changes, never which commands a run issues, so histories recorded before it replay.
   */
  private nextIntervalMs(): number | undefined {
    const ramp = this.intervalMs;
    if (this.hooked || ramp === undefined) return ramp;
    const due = this.forecast.dueInMs(this.host.now());
    const soonest = Math.min(
      ramp,
      this.overdueMs ?? ramp,
      due === undefined ? ramp : Math.max(this.pol.initialMs, due)
    );
    this.earlyPoll = soonest < ramp;
    return soonest;
  }

  /** Sleeps until the next poll or an actionable webhook hint; continues as new when the history grew long. */
  private async waitForNews(): Promise<void> {
    const p = this.pol;
    const startedAt = this.host.now();
    // Behind a gateway no read comes sooner than its refresh after the last one, not even a deadline's final fetch
    // or a webhook's: it would only repeat the last answer. Live proxies (refreshMs 0) are not held back.
    const earliest = earliestFetchAt(this.lastReadAt, this.refreshMs);
    // Under the job-cost patch the first webhook (it reports progress only, so it sets no hint) also ends the wait:
    // webhooks reach this job, so the short timer of the polling ramp is swapped for the safety net in the same
    // workflow task (cancel + start: two events) instead of firing for a fetch nobody needs (a task and five more).
    // A hook seen while the submit was in flight: the first wait is already the safety net.
    if (this.cost && this.hooked) this.intervalMs = p.webhookMs;
    const rearm = this.cost && !this.hooked;
    let woken = await this.host.condition(
      () => this.hintPending || (rearm && this.hooked),
      this.waitMs(this.nextIntervalMs(), earliest)
    );
    if (woken && !this.hintPending && rearm) {
      this.intervalMs = p.webhookMs;
      const left = this.waitMs(p.webhookMs, earliest) - (this.host.now() - startedAt);
      woken = await this.host.condition(() => this.hintPending, Math.max(1, left));
    }
    if (woken) {
      this.wakeups++;
      if (earliest > this.host.now()) await this.host.sleep(earliest - this.host.now());
    }
    this.hintPending = false;
    if (this.host.historyIsLong(this.input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS)) {
      await this.host.continueAsNew({ ...this.input, carry: this.toCarry() });
    }
  }

  /**
   * The next wait: `intervalMs` jittered, never past the nearest deadline (whose fetch is the reconciliation), never
   * before `earliest` (a gateway's refresh).
   */
  private waitMs(intervalMs: number | undefined, earliest: number): number {
    const p = this.pol;
    const deadline = nextDeadline(this.deadlineClock(), this.deadlinePolicy());
    const ms = intervalMs ?? p.initialMs;
    // Under the job-cost patch the safety net is jittered downwards only, so a lost terminal webhook is seen within it.
    const jitteredMs =
      this.cost && this.hooked && ms >= p.webhookMs
        ? jitteredBelow(ms, p.jitter, () => this.host.random())
        : jittered(ms, p.jitter, () => this.host.random());
    return Math.max(1, Math.min(jitteredMs, deadline.at - this.host.now()), earliest - this.host.now());
  }

  private checkDeadline(lastError: string): void {
    const deadline = nextDeadline(this.deadlineClock(), this.deadlinePolicy());
    // The fetch before this ran at or after the deadline, so it was the final reconciliation.
    if (this.host.now() < deadline.at) return;
    throw jobFailure(
      JOB_FAILURE.deadlineExceeded,
      `${deadline.kind} deadline passed with task ${this.taskId} ${this.lastStatus ?? lastError}`,
      {
        deadline: deadline.kind,
        taskId: this.taskId,
        status: this.lastStatus,
        progress: this.lastProgress,
      }
    );
  }

  private deadlineClock() {
    const started = this.timings.submittedAt ?? this.timings.startedAt;
    return {
      submittedAt: started,
      queuedSince: this.queuedSince ?? started,
      lastChangeAt: this.timings.lastChangeAt ?? started,
      running: this.lastStatus === 'IN_PROGRESS',
      modalWaitedMs: this.modalWaitedMs,
      modeUnconfirmed: this.followsProgress() && !this.reportedMode,
    };
  }

  /** Issue 17's deadline rule (see {@link nextDeadline}), off for histories recorded before it. */
  private followsProgress(): boolean {
    this.deadlineRule ??= this.current || this.host.patched(JOB_PATCH.deadlineFromProgress);
    return this.deadlineRule;
  }

  /**
   * The deadlines of the mode the task reports when that differs from the requested one (a proxy that ran the job
   * in another mode), with the caller's overrides on top; else the requested mode's.
   */
  private deadlinePolicy(): ResolvedPolicy {
    const reported = this.reportedMode;
    if (!reported || reported === this.mode || !this.followsProgress()) return this.pol;
    return { ...this.pol, ...deadlinesFor(reported, this.input.policy) };
  }

  toCarry(): JobCarry {
    return {
      step: this.step,
      taskId: this.taskId,
      parentTaskId: this.request.kind === 'action' ? this.request.parentTaskId : undefined,
      phase: this.phase,
      lastStatus: this.lastStatus,
      lastProgress: this.lastProgress,
      timings: this.timings,
      submits: this.submits,
      fetches: this.fetches,
      wakeups: this.wakeups,
      intervalMs: this.intervalMs,
      hooked: this.hooked,
      queuedSince: this.queuedSince,
      modalWaitedMs: this.modalWaitedMs,
      modalSubmittedFor: this.modalSubmittedFor,
      memoSeq: this.memoSeq,
      // Input still to submit (given for a MODAL that has not appeared yet); once submitted it is not needed.
      modalInput: this.modalSubmittedFor === undefined ? this.modalInput : undefined,
      ...(this.owner ? { owner: this.owner, route: this.route } : {}),
    };
  }

  // ---- modal --------------------------------------------------------------------------------------------

  /**
   * Waits for a person: before anything is pressed upstream (`waiting-input`), or on an upstream MODAL nobody
   * asked for (`waiting-modal`). Ends with `modalInput` set, or throws `ModalExpired` after `modalTimeout`.
   */
  async waitForPerson(phase: 'waiting-input' | 'waiting-modal'): Promise<void> {
    const since = this.host.now();
    const expiresAt = this.pol.modalMs === undefined ? undefined : since + this.pol.modalMs;
    this.phase = phase;
    this.timings.modalSince = since;
    this.waitingFor = {
      kind: 'modal',
      ...(phase === 'waiting-modal' && this.taskId ? { taskId: this.taskId } : {}),
      intent: this.intent,
      since,
      expiresAt,
      needs: modalNeeds(this.intent),
    };
    this.upsertKeywords([[MJ_STATUS, 'MODAL']]);
    await this.publish();
    const given = () => this.modalInput !== undefined;
    const answered =
      expiresAt === undefined
        ? await this.host.condition(given)
        : await this.host.condition(given, Math.max(1, expiresAt - this.host.now()));
    if (!answered) {
      const on = this.taskId ? ` task ${this.taskId}` : ` ${phase}`;
      throw jobFailure(JOB_FAILURE.modalExpired, `nobody answered MODAL${on} in time`, {
        ...(this.taskId ? { taskId: this.taskId } : {}),
        phase,
      });
    }
    if (phase === 'waiting-modal') this.modalWaitedMs += this.host.now() - since;
    this.waitingFor = undefined;
  }

  /**
   * Answers the MODAL child in `taskId`: with input given in advance or by a person at once; with the task's own
   * prompt under `remix: 'auto'`; else after a person answered, on a fresh child if the old one aged or failed.
   */
  private async answerModal(): Promise<void> {
    for (;;) {
      if (this.modalInput === undefined && this.input.remix === 'auto') await this.autoRemixInput();
      if (this.modalInput === undefined) {
        await this.waitForPerson('waiting-modal');
        await this.freshChild();
      }
      if (!this.modalPending) return;
      const attempt = this.modalAttempt;
      const childId = this.taskId as string;
      const refused = await this.submitModalInput(childId, this.modalInput as ModalInput);
      if (!refused) {
        this.modalOutcome = { attempt, ack: { taskId: this.taskId as string, accepted: true } };
        break;
      }
      if (this.modalSource !== 'person') throw refused;
      // A person can correct the input: report why on their update and keep waiting.
      this.modalOutcome = { attempt, error: refused };
      this.modalInput = undefined;
    }
    this.modalSubmittedFor = this.taskId;
    this.modalPending = false;
    this.modalChildSince = undefined;
    this.waitingFor = undefined;
    this.queuedSince = this.host.now();
    this.intervalMs = this.pol.initialMs;
    this.phase = 'queued';
    await this.publish();
  }

  /** `remix: 'auto'`: the child's own final prompt (what MidJourney would prefill), when it has one. */
  private async autoRemixInput(): Promise<void> {
    const r = await this.fetchOnce();
    const prompt = typeof r === 'object' ? r.finalPrompt || r.prompt : '';
    if (prompt && prompt.trim()) {
      this.modalInput = { prompt };
      this.modalSource = 'auto';
    }
  }

  /**
   * After a person answered an unasked MODAL, makes sure the child in `taskId` can take the input. A child that
   * FAILED, vanished or is older than `modalChildMaxAge` is replaced by pressing the parent's button again (a new
   * state key); the input is then submitted on the new child at once. Clears `modalPending` when there is nothing
   * to submit on (the child moved on, or the new press did not park in MODAL): the job polls on.
   */
  private async freshChild(): Promise<void> {
    const maxAgeMs = durationToMs(this.input.policy?.modalChildMaxAge ?? DEFAULT_MODAL_CHILD_MAX_AGE);
    const age = this.host.now() - (this.modalChildSince ?? this.host.now());
    const r = await this.fetchOnce();
    if (typeof r === 'object') this.observe(r);
    const usable = typeof r === 'object' ? r.status === 'MODAL' : r === 'unavailable' || r === 'not-yet-known';
    if (usable && age <= maxAgeMs) return;
    if (typeof r === 'object' && r.status !== 'MODAL' && r.status !== 'FAILURE') {
      // Answered elsewhere (another client of the proxy): nothing to submit, poll on.
      this.modalPending = false;
      this.modalSubmittedFor = this.taskId;
      this.phase = 'queued';
      this.modalOutcome = {
        attempt: this.modalAttempt,
        error: rejection(MODAL_INPUT_REJECTION.notWaiting, `MODAL task ${this.taskId} was answered elsewhere`, {
          field: 'jobId',
          rule: 'not-waiting',
          phase: this.phase,
          taskId: this.taskId,
        }),
      };
      return;
    }
    if (this.request.kind !== 'action') {
      if (typeof r === 'object') throw upstreamTaskFailure(r);
      throw jobFailure(JOB_FAILURE.modalExpired, `MODAL task ${this.taskId} is gone and cannot be pressed again`, {
        taskId: this.taskId,
      });
    }
    this.step++;
    this.modalPending = false;
    this.modalChildSince = undefined;
    await this.submit();
  }

  /** Null once the proxy took the input; the failure to report when the input itself was refused. */
  private async submitModalInput(childId: string, modal: ModalInput): Promise<ApplicationFailure | null> {
    const backoff = new Backoff(SUBMIT_BACKOFF, this.host.now() + this.pol.queuedMs, this.host);
    let upstreamAuthRetries = 0;
    for (;;) {
      try {
        this.submits++;
        const done = await this.host.activities.submitModal({
          taskId: childId,
          input: modal,
          mode: this.mode,
          ...this.ownerRef(),
        });
        if (done.taskId && done.taskId !== childId) {
          this.taskId = done.taskId;
          this.upsertKeywords([[MJ_TASK_ID, done.taskId]]);
        }
        return null;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') {
          if (f.type === JOB_FAILURE.validation || f.type === JOB_FAILURE.bannedPrompt) {
            const rule = f.type === JOB_FAILURE.bannedPrompt ? 'banned' : 'upstream-rejected';
            return rejection(f.type, f.message, { field: 'prompt', rule, phase: this.phase, taskId: childId });
          }
          throw jobFailure(f.type, f.message, { code: f.code, taskId: childId });
        }
        if (
          f.kind === 'upstream-auth' &&
          this.host.patched(JOB_PATCH.upstreamAuthBounded) &&
          ++upstreamAuthRetries > MAX_UPSTREAM_AUTH_RETRIES
        ) {
          throw upstreamAuthFailure(this.phase, upstreamAuthRetries, f.message, childId);
        }
        if (f.kind === 'outcome-unknown') {
          // The child leaves MODAL once the proxy takes the input, so its status settles the question.
          const r = await this.fetchOnce();
          if (typeof r === 'object' && r.status !== 'MODAL') return null;
        }
        const waitMs = backoff.next(f.kind === 'back-pressure' ? f.retryAfterMs : undefined);
        if (waitMs === undefined) {
          throw jobFailure(JOB_FAILURE.deadlineExceeded, `modal submit did not get through: ${f.message}`, {
            taskId: childId,
          });
        }
        await this.host.sleep(waitMs);
      }
    }
  }

  // ---- cancel -------------------------------------------------------------------------------------------

  /** Best effort on the way out of a cancelled job (run in a non-cancellable scope). */
  async cancelUpstream(): Promise<void> {
    let taskId = this.taskId;
    try {
      // Cancelled while a submit was in flight: the task may exist under our state key.
      if (!taskId && this.submits > 0) {
        const found = await this.host.activities.findTaskByState({ stateKey: this.stateKey });
        taskId = found?.id;
        if (found?.route) this.owner = { upstreamId: found.route.upstreamId, taskId: found.id, mode: found.route.mode };
      }
      if (!taskId) {
        this.upstreamCancel = { cancelled: false, reason: 'no upstream task' };
        return;
      }
      if (this.lastStatus === 'SUCCESS' || this.lastStatus === 'FAILURE' || this.lastStatus === 'CANCEL') {
        this.upstreamCancel = { cancelled: false, reason: `upstream task already ended ${this.lastStatus}` };
        return;
      }
      this.upstreamCancel = await this.host.activities.cancelUpstreamTask({ taskId, ...this.ownerRef() });
    } catch (err) {
      this.upstreamCancel = { cancelled: false, reason: readActivityFailure(err).message.slice(0, 200) };
    }
  }
}
