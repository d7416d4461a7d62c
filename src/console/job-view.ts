/**
 * Turns what Temporal knows about a job (execution status, the job memo, the progress query, the result) into the
 * console's {@link ConsoleJob}. Pure: unit-tested without a server. The memo is preferred, because it
 * answers without a worker; the progress query and the result are the fallbacks for jobs that carry no memo.
 * What the upstream said (its prompt, a describe's or shorten's result text, its fail reason) is read from the read
 * model's `reported` (`src/shared/job-read-model.ts`), whichever of the three carries it.
 */
import { classifyButton, formatIntent } from '../mj/buttons';
import { intentDisplayName, intentOfStoredText } from '../mj/intents';
import type { MjButton } from '../mj/types';
import { ACTION_OF_KIND } from '../shared/action-names';
import type { JobLineage } from '../shared/job-read-model';
import { intentNeeds } from '../pipeline';
import { type JobMemo, reportedTask, resultText } from '../shared/job-memo';
import { parseProgress } from '../mj/terms/progress';
import type { JobPhase, JobProgress, JobResult } from '../shared/types';
import type { ConsoleButton, ConsoleJob, ConsoleJobKind, ConsoleState } from './backend';

/** What every view starts from: the execution as visibility or `describe` reports it. */
export interface ExecutionFacts {
  id: string;
  type: string;
  /** `WorkflowExecutionStatusName`: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, … */
  executionStatus: string;
  startTime: number;
  closeTime?: number;
  mode?: string;
  status?: string;
  action?: string;
  taskId?: string;
  /** The `MjParentJob` and `MjBatch` search attributes, set at start from the job's lineage. */
  parentJobId?: string;
  batchId?: string;
}

/** The intent catalogue's label of an intent given as its stored short text ('U1' → 'Upscale 1'), else the text. */
export function intentLabel(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const spec = intentOfStoredText(text);
  return spec ? intentDisplayName(spec) : text;
}

/** 'IMAGINE' → 'Imagine'. */
function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/**
 * What kind of job it is, in one vocabulary: an action's intent by the intent catalogue's label ('Upscale 1',
 * 'Vary (Region)'), any other job by its kind's upstream action ('Imagine', 'Describe'), from the request kind, else
 * the upstream action a task reported.
 */
export function jobLabel(requestKind: string | undefined, action: string | undefined, intent?: string): string {
  const byIntent = intentLabel(intent);
  if (byIntent) return byIntent;
  const kindAction =
    requestKind && requestKind !== 'action' && requestKind in ACTION_OF_KIND
      ? ACTION_OF_KIND[requestKind as keyof typeof ACTION_OF_KIND]
      : undefined;
  const name = kindAction ?? action;
  return name ? capitalised(name) : 'Job';
}

/** '1 prompt', '3 prompts': what a batch without a name is called by. */
export function promptCount(count: number): string {
  return `${count} prompt${count === 1 ? '' : 's'}`;
}

/** A batch's title without its workflow id: its name, else how many prompts it runs. */
export function batchTitle(name: string | undefined, count: number | undefined): string {
  if (name) return `Batch ${name}`;
  return count === undefined ? 'Batch' : `Batch of ${promptCount(count)}`;
}

/** The lineage the search attributes tell (jobs whose memo carries none). */
function factsLineage(f: ExecutionFacts): JobLineage | undefined {
  if (!f.parentJobId && !f.batchId) return undefined;
  return { ...(f.parentJobId ? { parentJobId: f.parentJobId } : {}), ...(f.batchId ? { batchId: f.batchId } : {}) };
}

const PHASE_STATE: Record<JobPhase, ConsoleState> = {
  submitting: 'queued',
  queued: 'queued',
  running: 'running',
  'waiting-input': 'waiting',
  'waiting-modal': 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The console state of a job phase; phases a newer worker adds ('waiting-input', …) map by their name. */
export function phaseState(phase: string): ConsoleState {
  if (phase in PHASE_STATE) return PHASE_STATE[phase as JobPhase];
  if (phase.startsWith('waiting')) return 'waiting';
  return 'running';
}

/** The console state from the Temporal execution status alone (closed workflows, pipelines, batches). */
export function executionState(executionStatus: string): ConsoleState {
  switch (executionStatus) {
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'running';
  }
}

export function kindOf(type: string): ConsoleJobKind {
  if (type === 'pipelineWorkflow') return 'pipeline';
  if (type === 'batchWorkflow') return 'batch';
  return 'job';
}

/** The upstream button with what it does and what a person must give before it is pressed. */
export function consoleButton(b: Pick<MjButton, 'customId' | 'emoji' | 'label'>): ConsoleButton {
  const intent = classifyButton(b.customId);
  return {
    customId: b.customId,
    emoji: b.emoji ?? '',
    label: b.label ?? '',
    intent: intent.kind === 'unknown' ? null : formatIntent(intent),
    needs: intent.kind === 'unknown' ? [] : intentNeeds(intent),
  };
}

function base(f: ExecutionFacts): ConsoleJob {
  const label = jobLabel(undefined, f.action);
  return {
    id: f.id,
    kind: kindOf(f.type),
    state: executionState(f.executionStatus),
    title: label,
    label,
    lineage: factsLineage(f),
    mode: f.mode,
    action: f.action,
    status: f.status,
    taskId: f.taskId,
    progressPct: null,
    submitTime: f.startTime,
    finishTime: f.closeTime,
    images: [],
    buttons: [],
  };
}

/** The percentage a memo shows: 100 once the job succeeded, else the upstream's progress text read as a number. */
export function memoProgressPct(memo: JobMemo): number | null {
  return memo.phase === 'succeeded' ? 100 : parseProgress(memo.progress);
}

/** A job from its memo: everything a page shows, without a worker. */
export function jobFromMemo(f: ExecutionFacts, memo: JobMemo): ConsoleJob {
  const job = base(f);
  const closed = f.executionStatus !== 'RUNNING';
  const prompt = memo.prompt ?? memo.reported?.prompt;
  const label = jobLabel(memo.kind, memo.action, memo.intent);
  return {
    ...job,
    state: closed ? executionState(f.executionStatus) : phaseState(memo.phase),
    title: prompt ?? label,
    label,
    lineage: memo.lineage ?? job.lineage,
    prompt,
    resultText: resultText(memo.action, memo.reported),
    mode: memo.mode,
    action: memo.action,
    intent: memo.intent,
    status: memo.status,
    progressPct: memoProgressPct(memo),
    taskId: memo.taskId,
    parentTaskId: memo.parentTaskId,
    submitTime: memo.submitTime,
    startTime: memo.startTime,
    finishTime: memo.finishTime ?? f.closeTime,
    failure: memo.failReason ?? memo.reported?.failReason ?? (memo.failureType ? memo.failureType : undefined),
    images: (memo.assets ?? []).map((a) => a.index).sort((a, b) => a - b),
    buttons: (memo.buttons ?? []).map(consoleButton),
    waitingFor: memo.waitingFor
      ? { needs: memo.waitingFor.needs, intent: memo.waitingFor.intent, since: memo.waitingFor.since }
      : undefined,
    provenance: memo.provenance,
  };
}

/** A running job from its progress query (jobs without a memo; needs a worker). */
export function jobFromProgress(f: ExecutionFacts, p: JobProgress): ConsoleJob {
  const job = base(f);
  return {
    ...job,
    state: phaseState(p.phase),
    mode: p.mode,
    action: p.action ?? job.action,
    status: p.status ?? job.status,
    taskId: p.taskId ?? job.taskId,
    progressPct: p.progressPct,
    prompt: p.reported?.prompt,
    resultText: resultText(p.action, p.reported),
    startTime: p.timings.firstProgressAt ?? p.timings.submittedAt,
    failure: p.failure?.message ?? p.reported?.failReason,
    provenance: p.provenance,
    waitingFor: p.waitingFor
      ? {
          needs: p.waitingFor.needs,
          intent: p.waitingFor.intent ? formatIntent(p.waitingFor.intent) : undefined,
          since: p.timings.modalSince,
        }
      : undefined,
  };
}

/** A running job: what its memo says (prompt, intent, buttons), with the fresher answer of its progress query. */
export function overlayProgress(job: ConsoleJob, p: JobProgress): ConsoleJob {
  const fresh = jobFromProgress(
    { id: job.id, type: 'mjJobWorkflow', executionStatus: 'RUNNING', startTime: job.submitTime },
    p
  );
  return {
    ...job,
    state: fresh.state,
    status: fresh.status ?? job.status,
    progressPct: fresh.progressPct ?? job.progressPct,
    taskId: fresh.taskId ?? job.taskId,
    prompt: job.prompt ?? fresh.prompt,
    resultText: fresh.resultText ?? job.resultText,
    startTime: fresh.startTime ?? job.startTime,
    failure: fresh.failure ?? job.failure,
    waitingFor: fresh.waitingFor
      ? { ...fresh.waitingFor, intent: fresh.waitingFor.intent ?? job.waitingFor?.intent }
      : undefined,
  };
}

/**
 * A finished job from its result (read from history, no worker needed); the memo, when there is one, adds what the
 * result does not carry (the intent that made it).
 */
export function jobFromResult(f: ExecutionFacts, r: JobResult, memo?: JobMemo): ConsoleJob {
  const job = base(f);
  const t = r.task;
  const reported = memo?.reported ?? reportedTask(t);
  const prompt = memo?.prompt ?? reported?.prompt;
  const label = jobLabel(memo?.kind, t.action, memo?.intent);
  return {
    ...job,
    state: 'succeeded',
    title: prompt ?? label,
    label,
    lineage: memo?.lineage ?? job.lineage,
    prompt,
    resultText: resultText(t.action, reported),
    intent: memo?.intent,
    mode: t.mode ?? job.mode,
    action: t.action,
    status: t.status,
    taskId: r.taskId,
    parentTaskId: t.parentId ?? undefined,
    progressPct: 100,
    // The workflow's own clock: the upstream's times may come from another clock (a simulator's, a proxy's).
    startTime: r.timings.firstProgressAt ?? r.timings.submittedAt ?? t.startTime ?? undefined,
    finishTime: r.timings.finishedAt ?? f.closeTime ?? t.finishTime ?? undefined,
    images: r.images.map((i) => i.index).sort((a, b) => a - b),
    buttons: t.buttons.map(consoleButton),
    provenance: memo?.provenance,
  };
}

/** A job that failed, was cancelled or timed out, without a memo: only what the failure says. */
export function jobFromFailure(f: ExecutionFacts, message: string | undefined, memo?: JobMemo): ConsoleJob {
  const job = base(f);
  const prompt = memo?.prompt ?? memo?.reported?.prompt;
  const label = memo ? jobLabel(memo.kind, memo.action, memo.intent) : job.label;
  const title = prompt ?? label;
  const failure = message ?? memo?.failReason ?? memo?.reported?.failReason;
  return {
    ...job,
    title,
    label,
    lineage: memo?.lineage ?? job.lineage,
    prompt,
    intent: memo?.intent,
    resultText: resultText(memo?.action, memo?.reported),
    failure,
    provenance: memo?.provenance,
  };
}
