/**
 * The state and decisions of one pipeline (`pipelineWorkflow`): which branch unblocks, waits for a person, is
 * skipped or starts (within `concurrency`), what each child job is given, which step inputs are accepted, and what
 * the progress query and the result say. Timers, child workflows and the logger come in through
 * {@link PipelineHost}, so unit tests drive it without a server (test/unit/pipeline/pipeline-run.test.ts); the
 * workflow function only wires it. Workflow-safe.
 */
import { isCancellation } from '@temporalio/workflow';
import { DEFAULT_ACCOUNT, DEFAULT_MODE, DEFAULT_PIPELINE_CONCURRENCY } from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type {
  BranchOutcome,
  BranchProgress,
  BranchStatus,
  FailureInfo,
  JobSummary,
  OutcomeSummary,
  PipelineInput,
  PipelineIntent,
  PipelineProgress,
  PipelineResult,
  PipelineStep,
  StepInput,
  StepInputAck,
  TerminalBranchStatus,
  WaitingFor,
} from '../../shared/pipeline-types';
import type { JobInput, ModalInput } from '../../shared/types';
import { childJobOptions, summariseJob, type ChildOutcome } from '../common/child-jobs';
import { childWorkflowId } from '../common/child-ids';
import { extractNumberedPrompts } from '../../mj/terms/numbered-prompts';
import { branchLineage, branchRequest, PIPELINE_PAID_ONCE_PATCH, pressTwin } from './branch-links';
import { PIPELINE_PICKED_PROMPT_PATCH, pickedPromptRefusal } from './picked-prompt';
import { canonicalLabel, type PlanBranch } from './plan';
import { checkModal, checkPromptNumber, reject } from './step-input-checks';

/** What the workflow gives a pipeline run: Temporal's timers, child workflows and logger. */
export interface PipelineHost {
  /** Temporal's `condition`: true once `fn` holds, false when `timeoutMs` (none: forever) passed first. */
  condition(fn: () => boolean, timeoutMs?: number): Promise<boolean>;
  /** Temporal's `patched(id)`: false while replaying a history recorded before the change. */
  patched(id: string): boolean;
  /**
   * Starts the child job (its start command is emitted in this call, so in the run's order) and waits for it.
   * Never throws: every end becomes an outcome (see `runChildJob`). `onStarted` runs once the server accepted it.
   */
  runChildJob(jobId: string, input: JobInput, onStarted: (jobId: string) => void): Promise<ChildOutcome>;
  /** The workflow logger's `info`. */
  log(message: string, attrs: Record<string, unknown>): void;
}

const TERMINAL: ReadonlySet<BranchStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** One step × branch as the run tracks it. Changed only through {@link PipelineRun}'s methods. */
export interface Branch {
  key: string;
  step: PipelineStep;
  label: string;
  jobId: string;
  parentKey?: string;
  intentIndex?: number;
  status: BranchStatus;
  /** Fixed for action steps; chosen for pick steps. */
  intent?: PipelineIntent;
  modal?: ModalInput;
  /** promptFrom: the numbered prompts of the parent result, and the picked one. */
  prompts?: string[];
  prompt?: string;
  waitingFor?: WaitingFor;
  taskId?: string;
  /** Several upstreams: where the branch's task lives; its follow-ups are pinned there. */
  upstreamId?: string;
  result?: JobSummary;
  failure?: FailureInfo;
}

/** A validated step input, ready to apply. */
export interface Resolution {
  branch: Branch;
  intent?: PipelineIntent;
  modal?: ModalInput;
  prompt?: string;
  choice?: string;
}

export class PipelineRun {
  readonly branches = new Map<string, Branch>();
  readonly byStep = new Map<string, Branch[]>();
  private readonly limit: number;
  private readonly inputTimeoutMs?: number;
  running = 0;
  jobsStarted = 0;
  /** Set whenever something the scheduler reads changed. */
  dirty = true;
  done = false;

  constructor(
    private readonly input: PipelineInput,
    branchPlan: Record<string, PlanBranch[]>,
    order: string[],
    readonly pipelineId: string,
    private readonly host: PipelineHost,
    /** Shorten child ids too wide for the persistence (see child-ids.ts); off when replaying older histories. */
    boundChildIds = false
  ) {
    this.limit = Math.max(1, input.concurrency ?? DEFAULT_PIPELINE_CONCURRENCY);
    this.inputTimeoutMs = input.inputTimeout ? durationToMs(input.inputTimeout) : undefined;
    const steps = new Map(input.steps.map((s) => [s.id, s]));
    // Topological order, so one pass settles parents before children.
    for (const stepId of order) {
      const step = steps.get(stepId)!;
      const parentStep = step.kind === 'entry' ? step.promptFrom?.step : step.from;
      const list = branchPlan[stepId]!.map((pb): Branch => ({
        key: `${stepId}/${pb.label}`,
        step,
        label: pb.label,
        jobId: boundChildIds
          ? childWorkflowId(pipelineId, `${stepId}/${pb.label}`)
          : `${pipelineId}/${stepId}/${pb.label}`,
        parentKey: parentStep !== undefined ? `${parentStep}/${pb.parentLabel}` : undefined,
        intentIndex: pb.intentIndex,
        status: 'blocked',
      }));
      this.byStep.set(stepId, list);
      for (const b of list) this.branches.set(b.key, b);
    }
  }

  allTerminal(): boolean {
    for (const b of this.branches.values()) if (!TERMINAL.has(b.status)) return false;
    return true;
  }

  /** Moves branches forward as far as possible and starts children within the concurrency limit. */
  advance(): void {
    for (const b of this.branches.values()) {
      if (b.status !== 'blocked') continue;
      const parent = b.parentKey ? this.branches.get(b.parentKey)! : undefined;
      if (!parent || parent.status === 'succeeded') this.unblock(b, parent);
      else if (TERMINAL.has(parent.status)) {
        b.status = 'skipped';
        b.failure = {
          type: PIPELINE_FAILURE.parentFailed,
          message: `skipped: ${parent.key} ${parent.status}${parent.failure ? ` (${parent.failure.type})` : ''}`,
        };
      }
    }
    for (const b of this.branches.values()) {
      if (this.running >= this.limit) break;
      if (b.status === 'ready') this.start(b);
    }
  }

  private unblock(b: Branch, parent: Branch | undefined): void {
    const step = b.step;
    if (step.kind === 'entry') {
      if (!step.promptFrom) return this.ready(b);
      b.prompts = extractNumberedPrompts(parent?.result?.finalPrompt ?? parent?.result?.prompt);
      const pick = step.promptFrom.pick;
      if (pick === 'ask' && b.prompts.length > 0) return this.wait(b, { kind: 'prompt-pick', prompts: b.prompts });
      const chosen = pick === 'ask' ? undefined : b.prompts[pick - 1];
      if (chosen === undefined) {
        b.status = 'failed';
        b.failure = {
          type: PIPELINE_FAILURE.promptNotFound,
          message: `${parent?.key} has ${b.prompts.length} numbered prompt(s); wanted ${pick === 'ask' ? 'one' : `#${pick}`}`,
        };
        return;
      }
      return this.takePrompt(b, chosen, `#${pick}`);
    }
    if (step.kind === 'action') {
      const intent = step.intents[b.intentIndex!]!;
      b.intent = intent;
      if (step.input.kind === 'given') b.modal = step.input.modal;
      const ask = step.input.kind === 'ask' || (step.input.kind === 'none' && intent.alwaysModal);
      return ask ? this.wait(b, { kind: 'modal', needs: intent.needs, intent: intent.label }) : this.ready(b);
    }
    this.wait(b, {
      kind: 'choice',
      choices: step.choices.map((c) => c.label),
      needs: step.choices.map((c) => ({ choice: c.label, modal: this.choiceNeedsModal(step, c), needs: c.needs })),
    });
  }

  private choiceNeedsModal(step: PipelineStep, c: PipelineIntent): boolean {
    if (step.kind !== 'pick') return false;
    if (step.input.kind === 'ask') return true;
    if (step.input.kind === 'given') {
      const given = step.input.modal;
      return c.alwaysModal && c.needs.some((n) => given[n] === undefined);
    }
    return c.alwaysModal;
  }

  /** promptFrom: the picked prompt becomes the branch's; one the rules refuse fails it (see picked-prompt.ts). */
  private takePrompt(b: Branch, prompt: string, which: string): void {
    b.prompt = prompt;
    const refusal = pickedPromptRefusal(branchRequest(this.branches, b), `${b.key} (prompt ${which})`);
    if (!refusal || !this.host.patched(PIPELINE_PICKED_PROMPT_PATCH)) return this.ready(b);
    b.status = 'failed';
    b.waitingFor = undefined;
    b.failure = refusal;
    this.host.log('pipeline branch refused its picked prompt', { branch: b.key, failure: refusal.type });
  }

  private ready(b: Branch): void {
    b.status = 'ready';
    b.waitingFor = undefined;
  }

  private wait(b: Branch, waitingFor: WaitingFor): void {
    b.status = 'waiting-input';
    b.waitingFor = waitingFor;
    this.host.log('pipeline branch waits for input', { branch: b.key, kind: waitingFor.kind });
    if (this.inputTimeoutMs !== undefined) void this.expireLater(b, this.inputTimeoutMs);
  }

  private async expireLater(b: Branch, ms: number): Promise<void> {
    try {
      if (await this.host.condition(() => b.status !== 'waiting-input', ms)) return;
      b.status = 'failed';
      b.waitingFor = undefined;
      b.failure = {
        type: PIPELINE_FAILURE.inputExpired,
        message: `no input for ${b.key} within ${this.input.inputTimeout}`,
      };
      this.dirty = true;
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }

  private jobInput(b: Branch): JobInput {
    const request = branchRequest(this.branches, b);
    const i = this.input;
    return {
      request,
      mode: i.mode ?? DEFAULT_MODE,
      account: i.account ?? DEFAULT_ACCOUNT,
      ...childJobOptions(i),
      ...(b.modal && (b.modal.prompt !== undefined || b.modal.mask !== undefined) ? { modal: b.modal } : {}),
      costTags: { ...i.costTags, pipelineId: this.pipelineId },
      lineage: branchLineage(this.branches, b, this.pipelineId, i.lineage),
    };
  }

  private start(b: Branch): void {
    const twin = pressTwin(this.branches, b);
    b.status = 'running';
    this.running++;
    if (twin && this.host.patched(PIPELINE_PAID_ONCE_PATCH)) return void this.follow(b, twin);
    void this.host
      .runChildJob(b.jobId, this.jobInput(b), (jobId) => {
        b.jobId = jobId;
        this.jobsStarted++;
      })
      .then((outcome) => {
        this.running--;
        this.dirty = true;
        if (outcome.status === 'succeeded') {
          b.status = 'succeeded';
          b.taskId = outcome.result.taskId;
          b.upstreamId = outcome.result.owner?.upstreamId;
          b.result = summariseJob(outcome.result);
        } else {
          b.status = outcome.status;
          b.failure = outcome.failure;
        }
        this.host.log('pipeline branch finished', { branch: b.key, status: b.status, failure: b.failure?.type });
      });
  }

  /** A paid-once press an earlier branch already made (see `pressTwin`): that branch's job and outcome are `b`'s. */
  private async follow(b: Branch, twin: Branch): Promise<void> {
    b.jobId = twin.jobId;
    await this.host.condition(() => TERMINAL.has(twin.status));
    this.running--;
    this.dirty = true;
    const { status, taskId, upstreamId, result, failure } = twin;
    Object.assign(b, { status, taskId, upstreamId, result, failure });
    this.host.log('pipeline branch reused a paid-once press', { branch: b.key, of: twin.key, status });
  }

  /** After a cancel request: nothing new starts; everything not running ends as cancelled. */
  cancelPending(): void {
    for (const b of this.branches.values()) {
      if (b.status === 'blocked' || b.status === 'waiting-input' || b.status === 'ready') {
        b.status = 'cancelled';
        b.waitingFor = undefined;
        b.failure = { type: PIPELINE_FAILURE.cancelled, message: 'the pipeline was cancelled' };
      }
    }
  }

  // ---- step input ---------------------------------------------------------------------------------------

  /**
   * Whether `apply(input)` may run now: the input resolves, or nothing can change that any more (the pipeline is done
   * or the input names no branch that can still come to wait). See the update handler in pipeline-workflow.ts.
   */
  canApply(input: StepInput): boolean {
    try {
      this.resolve(input);
      return true;
    } catch {
      return this.done || this.allTerminal();
    }
  }

  /** Validates a step input without side effects; throws `StepInputRejected`. */
  resolve(input: StepInput): Resolution {
    if (typeof input !== 'object' || input === null)
      reject('step input must be { step, branch?, modal?, choice? }', 'input', 'type');
    const list = this.byStep.get(input.step);
    if (!list)
      reject(`unknown step "${String(input.step)}" (steps: ${[...this.byStep.keys()].join(', ')})`, 'step', 'exists');
    let b: Branch | undefined;
    if (input.branch !== undefined) {
      b = list.find((x) => canonicalLabel(x.label) === canonicalLabel(String(input.branch)));
      if (!b)
        reject(
          `step "${input.step}" has no branch "${input.branch}" (${list.map((x) => x.label).join(', ') || 'none'})`,
          'branch',
          'exists'
        );
      if (b.status !== 'waiting-input')
        reject(`${b.key} is not waiting for input (it is ${b.status})`, 'branch', 'not-waiting', b.status);
    } else {
      const waiting = list.filter((x) => x.status === 'waiting-input');
      if (waiting.length === 0) reject(`step "${input.step}" is not waiting for input`, 'step', 'not-waiting');
      if (waiting.length > 1) {
        reject(
          `${waiting.length} branches of "${input.step}" wait (${waiting.map((x) => x.label).join(', ')}); name one in "branch"`,
          'branch',
          'required'
        );
      }
      b = waiting[0]!;
    }
    const w = b.waitingFor!;
    switch (w.kind) {
      case 'modal': {
        if (input.choice !== undefined) reject(`${b.key} waits for modal input, not a choice`, 'choice', 'unexpected');
        const modal = checkModal(input.modal, b.intent!, w.needs, `${b.key} (${w.intent})`);
        return { branch: b, modal };
      }
      case 'choice': {
        if (input.choice === undefined)
          reject(`${b.key} waits for a choice of ${w.choices.join(', ')}`, 'choice', 'required');
        const step = b.step as Extract<PipelineStep, { kind: 'pick' }>;
        const c = step.choices.find((x) => canonicalLabel(x.label) === canonicalLabel(String(input.choice)));
        if (!c)
          reject(`"${String(input.choice)}" is not a choice of ${b.key} (${w.choices.join(', ')})`, 'choice', 'one-of');
        const given = step.input.kind === 'given' ? step.input.modal : {};
        let modal: ModalInput | undefined = step.input.kind === 'given' ? given : undefined;
        if (this.choiceNeedsModal(step, c)) {
          const needs = c.needs.filter((n) => given[n] === undefined);
          modal = { ...given, ...checkModal(input.modal, c, needs, `${b.key} (${c.label})`) };
        } else if (input.modal !== undefined) {
          modal = { ...given, ...checkModal(input.modal, c, [], `${b.key} (${c.label})`) };
        }
        if (modal && c.alwaysModal) checkModal(modal, c, [], `${b.key} (${c.label})`);
        return { branch: b, intent: c, modal, choice: c.label };
      }
      case 'prompt-pick': {
        const n = checkPromptNumber(input.choice, input.modal, w.prompts.length, b.key);
        return { branch: b, prompt: w.prompts[n - 1]!, choice: String(n) };
      }
    }
  }

  apply(input: StepInput): StepInputAck {
    const r = this.resolve(input);
    const b = r.branch;
    if (r.intent) b.intent = r.intent;
    if (r.modal) b.modal = r.modal;
    if (r.prompt !== undefined) this.takePrompt(b, r.prompt, `#${r.choice}`);
    else this.ready(b);
    this.dirty = true;
    this.host.log('pipeline step input accepted', { branch: b.key });
    return {
      step: b.step.id,
      branch: b.label,
      jobId: b.jobId,
      ...(r.choice !== undefined ? { choice: r.choice } : {}),
      ...(r.prompt !== undefined ? { prompt: r.prompt } : {}),
    };
  }

  // ---- reports ------------------------------------------------------------------------------------------

  private ordered(): Branch[] {
    return this.input.steps.flatMap((s) => this.byStep.get(s.id) ?? []);
  }

  summary(): OutcomeSummary {
    const s: OutcomeSummary = {
      total: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      jobsStarted: this.jobsStarted,
    };
    for (const b of this.branches.values()) {
      s.total++;
      if (b.status === 'succeeded' || b.status === 'failed' || b.status === 'skipped' || b.status === 'cancelled') {
        s[b.status]++;
      }
    }
    return s;
  }

  progress(): PipelineProgress {
    return {
      name: this.input.name,
      pipelineId: this.pipelineId,
      done: this.done,
      steps: this.input.steps.map((s) => ({
        step: s.id,
        kind: s.kind,
        branches: (this.byStep.get(s.id) ?? []).map((b): BranchProgress => ({
          branch: b.label,
          status: b.status,
          jobId: b.jobId,
          ...(b.intent ? { intent: b.intent.label } : {}),
          ...(b.taskId ? { taskId: b.taskId } : {}),
          ...(b.waitingFor ? { waitingFor: b.waitingFor } : {}),
          ...(b.failure ? { failure: b.failure } : {}),
        })),
      })),
      waiting: this.ordered()
        .filter((b) => b.status === 'waiting-input')
        .map((b) => b.key),
      running: this.running,
      summary: this.summary(),
    };
  }

  result(): PipelineResult {
    return {
      name: this.input.name,
      pipelineId: this.pipelineId,
      outcomes: this.ordered().map((b): BranchOutcome => ({
        step: b.step.id,
        branch: b.label,
        status: b.status as TerminalBranchStatus,
        jobId: b.jobId,
        ...(b.intent ? { intent: b.intent.label } : {}),
        ...(b.taskId ? { taskId: b.taskId } : {}),
        ...(b.result ? { result: b.result } : {}),
        ...(b.failure ? { failure: b.failure } : {}),
      })),
      summary: this.summary(),
    };
  }
}
