/**
 * The one place a job's feed entries ({@link JobEvent}) are built: from two successive read models (memo upserts in
 * the job's history), from a progress entry the webhook receiver keeps beside the workflow, or from a close the job
 * did not publish itself (terminated, timed out). Pure functions: the history reader, the gateway's streams, the
 * console and the typed client's `events()` all go through them.
 *
 * Sequence numbers: the n-th memo the job publishes is event `n` (the `JobChanged.seq` observers get, carried across
 * continue-as-new). A progress step kept beside the workflow between memo n and n+1 is `n + f`, with `f` in (0, 1)
 * growing with the step's progress rank ({@link progressSeq}), so seqs only grow and a reader resumes after any of
 * them. A close the job did not publish is `n + 1`: nothing follows it.
 */
import { JOB_EVENT_TYPES, type JobEvent, type JobEventType } from '../shared/job-events';
import type { JobMemo } from '../shared/job-memo';
import { isTerminalPhase } from '../shared/job-phases';
import type { TaskStatus } from '../mj/types';
import { progressRank } from '../workflows/job/poll';
import { newerProgress, type ProgressEntry } from '../webhook/progress-store';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a reader sees as the result: images, stored copies, the upstream's media and result text. */
function resultOf(m: JobMemo | undefined): unknown {
  return m && [m.imageUrl, m.assets, m.reported?.imageUrls, m.reported?.videoUrl, m.reported?.videoUrls];
}

/** Each event type and the rule saying it changed between two read models (`prev` undefined: the first one). */
const CHANGED: Record<JobEventType, (prev: JobMemo | undefined, next: JobMemo) => boolean> = {
  phase: (p, n) => p?.phase !== n.phase,
  progress: (p, n) => p?.progress !== n.progress || p?.status !== n.status,
  buttons: (p, n) => !same(p?.buttons ?? [], n.buttons ?? []),
  result: (p, n) => n.phase === 'succeeded' && (p?.phase !== 'succeeded' || !same(resultOf(p), resultOf(n))),
  waiting: (p, n) => !same(p?.waitingFor, n.waitingFor),
  failure: (p, n) =>
    (n.phase === 'failed' || n.phase === 'cancelled') && (p?.phase !== n.phase || p?.failReason !== n.failReason),
};

/** The event types that changed from `prev` to `next`, in {@link JOB_EVENT_TYPES} order (may be none). */
export function changedTypes(prev: JobMemo | undefined, next: JobMemo): JobEventType[] {
  return JOB_EVENT_TYPES.filter((t) => CHANGED[t](prev, next));
}

/** The event of the job's `seq`-th published memo. */
export function memoEvent(jobId: string, seq: number, at: number, prev: JobMemo | undefined, memo: JobMemo): JobEvent {
  return { jobId, seq, at, types: changedTypes(prev, memo), memo };
}

/** True when nothing follows this event: its phase is final. */
export function isFinalEvent(e: JobEvent): boolean {
  return isTerminalPhase(e.memo.phase);
}

/** The seq of a progress step laid over memo event `base`: between `base` and `base + 1`, growing with the rank. */
export function progressSeq(base: number, entry: Pick<ProgressEntry, 'status' | 'progress'>): number {
  // Ranks of open tasks are 0..4 (NOT_START..IN_PROGRESS 100 %): (rank + 1) / 10 stays in (0, 1).
  const rank = progressRank(entry.status as TaskStatus | undefined, entry.progress);
  return base + Math.round((rank + 1) * 1000) / 10_000;
}

/**
 * The event a progress entry makes over `last` (the newest event sent): undefined when the entry is about another
 * task, not further along than what `last` shows, or the job is no longer queued or running.
 */
export function progressEvent(last: JobEvent, entry: ProgressEntry | undefined): JobEvent | undefined {
  const m = last.memo;
  if (m.phase !== 'queued' && m.phase !== 'running') return undefined;
  const e = newerProgress(m, entry);
  if (!e) return undefined;
  const seq = progressSeq(Math.floor(last.seq), e);
  if (seq <= last.seq) return undefined;
  const memo: JobMemo = {
    ...m,
    status: e.status as TaskStatus,
    progress: e.progress,
    phase: e.status === 'IN_PROGRESS' ? 'running' : m.phase,
  };
  return { jobId: last.jobId, seq, at: e.at, types: changedTypes(m, memo), memo };
}

/** How a run closed, as the history's close event names it. */
export type RunClose = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out';

/**
 * The event for a close the job did not publish (an operator terminated it, a timeout, a worker-less failure):
 * undefined when the last memo already is final.
 */
export function closeEvent(
  jobId: string,
  last: { seq: number; memo: JobMemo | undefined },
  at: number,
  close: RunClose
): JobEvent | undefined {
  if (last.memo && isTerminalPhase(last.memo.phase)) return undefined;
  if (!last.memo) return undefined;
  const phase =
    close === 'completed' ? 'succeeded' : close === 'failed' || close === 'timed-out' ? 'failed' : 'cancelled';
  const memo: JobMemo = {
    ...last.memo,
    phase,
    finishTime: at,
    ...(phase === 'succeeded' ? {} : { failReason: last.memo.failReason ?? `workflow ${close}` }),
    waitingFor: undefined,
  };
  return { jobId, seq: Math.floor(last.seq) + 1, at, types: changedTypes(last.memo, memo), memo };
}
