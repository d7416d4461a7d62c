/**
 * One job (`mjJobWorkflow`): submit exactly once, poll with durable timers (woken early by webhook hints), ask a
 * person before pressing a button that always opens a modal, answer unasked MODALs, and publish what readers see.
 * Everything Temporal-specific comes in through {@link JobHost}, so each step is unit-tested without a server
 * (test/unit/workflows/job-run.test.ts); the workflow function only wires it.
 *
 * `JobRun` holds the job's state ({@link JobState}, one object) and runs the job through its parts, each given the
 * state and the host: {@link Submitter} (submit, reconcile, routing), {@link Poller} (waits, fetches, snapshots;
 * its deadlines in deadlines.ts), {@link ModalDesk} (modal input), {@link ReadModel} (progress, memo, keywords) and
 * {@link cancelUpstream}. It is the only writer of the phase; the parts move it through {@link JobRun.enter}.
 *
 * Phases: waiting-input → submitting → queued ⇄ running (⇄ waiting-modal) → succeeded | failed | cancelled.
 */
import { isCancellation, type ApplicationFailure } from '@temporalio/workflow';
import { intentYields } from '../../mj/intents';
import type { SpeedMode } from '../../mj/types';
import { ACTION_OF_KIND } from '../../shared/action-names';
import { JOB_FAILURE } from '../../shared/failure-types';
import type { JobMemo } from '../../shared/job-memo';
import { MJ_ACTION, MJ_MODE } from '../../shared/search-attributes';
import type {
  JobCarry,
  JobInput,
  JobPhase,
  JobProgress,
  JobResult,
  JobWaitingFor,
  ModalAck,
  ModalInput,
  TaskChangedHint,
  TaskSnapshot,
} from '../../shared/types';
import { cancelUpstream } from './cancel';
import { captureFailure } from './failures';
import type { JobHost, KeywordKey } from './host';
import { finished, newJobState, ownerRef, stateKey, toCarry, type JobState } from './job-state';
import { ModalDesk } from './modal-desk';
import { JOB_PATCH } from './patches';
import { resolvePolicy } from './poll';
import { Poller } from './poller';
import { ReadModel } from './read-model';
import { Submitter } from './submitter';

export type { JobActivities, JobHost, KeywordKey } from './host';

export class JobRun {
  private readonly s: JobState;
  private readonly read: ReadModel;
  private readonly poller: Poller;
  private readonly submitter: Submitter;
  private readonly desk: ModalDesk;

  constructor(
    readonly input: JobInput,
    private readonly host: JobHost
  ) {
    const s = newJobState(input, host);
    const enter = (phase: JobPhase): void => this.enter(phase);
    this.s = s;
    this.read = new ReadModel(s, host);
    this.poller = new Poller(s, host, this.read, enter, () => this.desk.answerModal());
    this.submitter = new Submitter(s, host, this.read, this.poller, enter);
    this.desk = new ModalDesk(s, host, this.read, this.poller, this.submitter, enter);
  }

  // ---- what tests and readers look at -------------------------------------------------------------------

  get phase(): JobPhase {
    return this.s.carry.phase;
  }

  get taskId(): string | undefined {
    return this.s.carry.taskId;
  }

  /** The requested mode; with several upstreams, the one routing chose once the submit was accepted. */
  get mode(): SpeedMode {
    return this.s.mode;
  }

  get hooked(): boolean {
    return this.s.carry.hooked;
  }

  get hintPending(): boolean {
    return this.s.hintPending;
  }

  /** What the job waits for now (a person, an upstream or a budget), as the memo shows it. */
  get waitingFor(): JobWaitingFor | undefined {
    return this.s.waitingFor;
  }

  get request(): JobInput['request'] {
    return this.s.request;
  }

  get stateKey(): string {
    return stateKey(this.s, this.host);
  }

  finished(): boolean {
    return finished(this.s);
  }

  progress(): JobProgress {
    return this.read.progress();
  }

  memo(): JobMemo {
    return this.read.memo();
  }

  /** Publishes the memo when something a reader sees changed (see {@link ReadModel.publish}). */
  publish(): Promise<void> {
    return this.read.publish();
  }

  /** What the next run gets on continue-as-new. */
  toCarry(): JobCarry {
    return toCarry(this.s);
  }

  // ---- messages -----------------------------------------------------------------------------------------

  onTaskChanged(hint: TaskChangedHint): void {
    this.poller.onTaskChanged(hint);
  }

  /**
   * The pool signals the jobs it told to wait when an upstream is enabled or the config changes. Kept until the next
   * wait for an upstream: a signal that beats the submit's answer (the pool recorded the waiter first) still ends
   * that wait at once.
   */
  onUpstreamAvailable(): void {
    if (!this.finished()) this.s.upstreamWake = true;
  }

  validateModalInput(modal: ModalInput): void {
    this.desk.validateModalInput(modal);
  }

  canTakeModalInput(): boolean {
    return this.desk.canTakeModalInput();
  }

  provideModalInput(modal: ModalInput): Promise<ModalAck> {
    return this.desk.provideModalInput(modal);
  }

  // ---- the job ------------------------------------------------------------------------------------------

  /** Runs the job to its result; throws typed failures (see {@link fail}). */
  async run(): Promise<JobResult> {
    const s = this.s;
    const c = s.carry;
    // One marker for a run on today's code (2 history events a patch): it stands for the patches below it.
    s.current = this.host.patched(JOB_PATCH.currentPaths);
    s.cost = s.current || this.host.patched(JOB_PATCH.jobCost);
    const startKeywords: [KeywordKey, string | undefined][] = [
      [MJ_MODE, s.mode],
      [MJ_ACTION, ACTION_OF_KIND[s.request.kind]],
    ];
    if (s.cost) s.deferredKeywords = startKeywords;
    else this.host.upsertKeywords(startKeywords);
    s.policy = resolvePolicy(s.mode, s.input.policy);
    this.desk.checkPresuppliedInput();
    // A person may answer days later: waiting outside the slot keeps the account's other jobs running meanwhile.
    if (this.desk.mustAskFirst() && this.host.waitOutsideSlot()) await this.desk.askFirst();
    const task = await this.host.holdingSlot(c.taskId !== undefined, async () => {
      if (!c.taskId) {
        if (this.desk.mustAskFirst()) await this.desk.askFirst();
        await this.submitter.submit();
      }
      return this.poller.pollUntilDone();
    });
    if (s.input.captureImages !== false) await this.capture(task);
    if (madeImages(s.request) && this.host.patched(JOB_PATCH.imageSeed)) await this.recordSeed(task);
    this.enter('succeeded');
    c.timings.finishedAt = this.host.now();
    await this.read.publish();
    return {
      taskId: task.id,
      task,
      images: s.images,
      timings: c.timings,
      submits: c.submits,
      fetches: c.fetches,
      ...(c.owner ? { owner: c.owner } : {}),
      ...(s.failovers > 0 ? { failovers: s.failovers } : {}),
      // What a pipeline or batch keeps of it (the seed in a manifest line) without asking the upstream again.
      ...this.read.provenance(),
    };
  }

  /** Records how the job ended (a typed failure, or a cancellation) and publishes it. */
  async fail(err: ApplicationFailure | 'cancelled'): Promise<void> {
    const s = this.s;
    this.enter(err === 'cancelled' ? 'cancelled' : 'failed');
    if (err !== 'cancelled') s.failure = { type: err.type ?? JOB_FAILURE.upstreamFailure, message: err.message };
    s.carry.timings.finishedAt = this.host.now();
    s.waitingFor = undefined;
    if (s.deferredKeywords.length > 0) this.read.upsertKeywords([]);
    await this.read.publish();
  }

  /** Best effort on the way out of a cancelled job (run in a non-cancellable scope). */
  cancelUpstream(): Promise<void> {
    return cancelUpstream(this.s, this.host);
  }

  /** Ends with a task id (adopted or new), or throws a typed failure (see {@link Submitter.submit}). */
  submit(): Promise<void> {
    return this.submitter.submit();
  }

  /** Records a confirmed snapshot; true when status or progress moved since an earlier fetch. */
  observe(t: TaskSnapshot): boolean {
    return this.poller.observe(t);
  }

  pollUntilDone(): Promise<TaskSnapshot> {
    return this.poller.pollUntilDone();
  }

  /** Waits for a person (see {@link ModalDesk.waitForPerson}). */
  waitForPerson(phase: 'waiting-input' | 'waiting-modal'): Promise<void> {
    return this.desk.waitForPerson(phase);
  }

  /** The one place the phase changes; the parts call it through the `enter` they were given. */
  private enter(phase: JobPhase): void {
    this.s.carry.phase = phase;
  }

  /** The seed of the task's image, kept in the provenance when the upstream gives it (never fails the job). */
  private async recordSeed(task: TaskSnapshot): Promise<void> {
    const s = this.s;
    try {
      const { seed } = await this.host.activities.fetchImageSeed({ taskId: task.id, ...ownerRef(s) });
      if (seed !== undefined) s.provenance = { ...s.provenance, seed };
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
  }

  private async capture(task: TaskSnapshot): Promise<void> {
    const s = this.s;
    try {
      s.images = await this.host.activities.captureImages({ jobId: this.host.workflowId, task, ...ownerRef(s) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      throw captureFailure(task.id, err);
    }
  }
}

/** Image stages a task's seed means something for: a grid or an upscaled image (not prompts, videos or edits). */
const SEEDED_STAGES: readonly unknown[] = ['grid', 'upscale', 'upscale-hd'];

/** Whether the job's task makes images that have a seed (imagine, blend, and buttons that yield an image). */
export function madeImages(request: JobState['request']): boolean {
  if (request.kind === 'imagine' || request.kind === 'blend') return true;
  return request.kind === 'action' && SEEDED_STAGES.includes(intentYields(request.intent));
}
