/**
 * What readers see of a job without a worker: the memo (`JobMemo`) and the Markdown details the
 * Temporal Web UI shows (`setCurrentDetails`). Pure functions of the job's state, unit-tested without a server.
 */
import { intentText } from '../../shared/intent-text';
import { JOB_MEMO_VERSION, type JobMemo } from '../../shared/job-memo';
import type { JobLineage, JobProvenance, JobReported } from '../../shared/job-read-model';
import { jobProvenance, withObserved } from '../../shared/prompt-provenance';
import type { JobInput, JobPhase, JobTimings, JobWaitingFor, TaskButton } from '../../shared/types';
import type { SpeedMode, TaskStatus } from '../../mj/types';
import type { TaskOwner } from '../../shared/upstreams/types';

/**
 * The part of a job's state a reader sees, as `ReadModel` gathers it for {@link buildJobMemo} (the job's own state;
 * the gateway's `JobView` is its view of a task).
 */
export interface JobReadState {
  phase: JobPhase;
  mode: SpeedMode;
  taskId?: string;
  status?: TaskStatus;
  progress?: string;
  action?: string;
  imageUrl: string | null;
  buttons: TaskButton[];
  timings: JobTimings;
  waitingFor?: JobWaitingFor;
  failure?: { type: string; message: string };
  failReason?: string;
  modalPrompt?: string;
  assets?: JobMemo['assets'];
  owner?: TaskOwner;
  reported?: JobReported;
  provenance?: JobProvenance;
  /** The job's parent job, pipeline and batch, as its input gave them (constant for the job's life). */
  lineage?: JobLineage;
}

function memoWaitingFor(w: JobWaitingFor | undefined): JobMemo['waitingFor'] {
  if (!w) return undefined;
  if (w.kind === 'upstream') {
    return { kind: 'upstream', needs: [], upstreamId: w.upstreamId, reason: w.reason, since: w.since, until: w.until };
  }
  return {
    kind: 'modal',
    needs: w.needs,
    intent: w.intent && intentText(w.intent),
    since: w.since,
    expiresAt: w.expiresAt,
  };
}

function promptOf(request: JobInput['request']): string | undefined {
  return 'prompt' in request && typeof request.prompt === 'string' ? request.prompt : undefined;
}

/** The memo for this state; keys without a value are left out, so equal states give equal JSON. */
export function buildJobMemo(request: JobInput['request'], v: JobReadState): JobMemo {
  const intent = request.kind === 'action' ? intentText(request.intent) : undefined;
  const memo: JobMemo = {
    v: JOB_MEMO_VERSION,
    phase: v.phase,
    kind: request.kind,
    intent,
    mode: v.mode,
    prompt: v.modalPrompt ?? promptOf(request),
    taskId: v.taskId,
    parentTaskId: request.kind === 'action' ? request.parentTaskId : undefined,
    status: v.status,
    progress: v.progress,
    action: v.action || undefined,
    imageUrl: v.imageUrl ?? undefined,
    assets: v.assets,
    buttons:
      v.buttons.length > 0
        ? v.buttons.map((b) => ({ customId: b.customId, emoji: b.emoji, label: b.label, intent: intentText(b.intent) }))
        : undefined,
    submitTime: v.timings.startedAt,
    startTime: v.timings.firstProgressAt,
    finishTime: v.timings.finishedAt,
    failReason: v.failure?.message ?? v.failReason,
    failureType: v.failure?.type,
    waitingFor: memoWaitingFor(v.waitingFor),
    owner: v.owner,
    reported: v.reported,
    provenance: withObserved(jobProvenance(request, v.modalPrompt), v.provenance),
    lineage: v.lineage,
  };
  return JSON.parse(JSON.stringify(memo)) as JobMemo;
}

const md = (text: string): string => text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).slice(0, 300);

/** A few lines of Markdown for the Web UI: what the job is, where it is, what it waits for. */
export function jobDetailsMarkdown(memo: JobMemo): string {
  const what = memo.intent ? `${memo.kind} ${memo.intent}` : memo.kind;
  const lines = [`**${md(what)}** · ${memo.mode} · **${memo.phase}**`];
  if (memo.prompt) lines.push(`Prompt: ${md(memo.prompt)}`);
  if (memo.parentTaskId) lines.push(`Parent task: \`${md(memo.parentTaskId)}\``);
  if (memo.taskId) lines.push(`Task: \`${md(memo.taskId)}\` ${memo.status ?? ''} ${memo.progress ?? ''}`.trimEnd());
  if (memo.owner) lines.push(`Upstream: \`${md(memo.owner.upstreamId)}\` (${memo.owner.mode})`);
  if (memo.waitingFor?.kind === 'upstream') {
    const on = memo.waitingFor.upstreamId ? ` \`${md(memo.waitingFor.upstreamId)}\`` : 's';
    const until = memo.waitingFor.until ? ` until ${new Date(memo.waitingFor.until).toISOString()}` : '';
    lines.push(`Waiting for upstream${on}: ${md(memo.waitingFor.reason)}${until}`);
  } else if (memo.waitingFor) {
    const until = memo.waitingFor.expiresAt ? ` until ${new Date(memo.waitingFor.expiresAt).toISOString()}` : '';
    lines.push(`Waiting for: ${memo.waitingFor.needs.join(' and ')} (provideModalInput)${until}`);
  }
  if (memo.failureType) lines.push(`Failed: ${memo.failureType}: ${md(memo.failReason ?? '')}`);
  return lines.join('\n\n');
}

/** One line for the Web UI's summary column (a start option: the client and the pipeline's child starts use it). */
export function jobStaticSummary(request: JobInput['request']): string {
  const what = request.kind === 'action' ? `${request.kind} ${intentText(request.intent)}` : request.kind;
  const prompt = promptOf(request);
  return md(prompt ? `${what}: ${prompt}` : what).slice(0, 120);
}
