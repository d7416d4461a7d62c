/**
 * A polling job's deadlines, from its state: which one comes next (queued, running, total; see `nextDeadline` in
 * poll.ts) and the failure once it passed.
 */
import { JOB_FAILURE } from '../../shared/failure-types';
import type { JobHost } from './host';
import { pol, type JobStateView } from './job-state';
import { jobFailure } from './failures';
import { JOB_PATCH } from './patches';
import { deadlinesFor, nextDeadline, type ResolvedPolicy } from './poll';

/** The nearest deadline of the job: its kind and when it passes. */
export function jobDeadline(s: JobStateView, host: JobHost): ReturnType<typeof nextDeadline> {
  return nextDeadline(deadlineClock(s, host), deadlinePolicy(s, host));
}

/** Throws `DeadlineExceeded` once the nearest deadline passed (the fetch before this was the final reconciliation). */
export function checkDeadline(s: JobStateView, host: JobHost, lastError: string): void {
  const deadline = jobDeadline(s, host);
  // The fetch before this ran at or after the deadline, so it was the final reconciliation.
  if (host.now() < deadline.at) return;
  const c = s.carry;
  throw jobFailure(
    JOB_FAILURE.deadlineExceeded,
    `${deadline.kind} deadline passed with task ${c.taskId} ${c.lastStatus ?? lastError}`,
    {
      deadline: deadline.kind,
      taskId: c.taskId,
      status: c.lastStatus,
      progress: c.lastProgress,
    }
  );
}

function deadlineClock(s: JobStateView, host: JobHost) {
  const c = s.carry;
  const started = c.timings.submittedAt ?? c.timings.startedAt;
  return {
    submittedAt: started,
    queuedSince: c.queuedSince ?? started,
    lastChangeAt: c.timings.lastChangeAt ?? started,
    running: c.lastStatus === 'IN_PROGRESS',
    modalWaitedMs: c.modalWaitedMs,
    modeUnconfirmed: followsProgress(s, host) && !s.reportedMode,
  };
}

/** The deadline rule that follows the reported progress and mode (see `nextDeadline`), off for older histories. */
function followsProgress(s: JobStateView, host: JobHost): boolean {
  s.deadlineRule ??= s.current || host.patched(JOB_PATCH.deadlineFromProgress);
  return s.deadlineRule;
}

/**
 * The deadlines of the mode the task reports when that differs from the requested one (a proxy that ran the job
 * in another mode), with the caller's overrides on top; else the requested mode's.
 */
function deadlinePolicy(s: JobStateView, host: JobHost): ResolvedPolicy {
  const reported = s.reportedMode;
  if (!reported || reported === s.mode || !followsProgress(s, host)) return pol(s);
  return { ...pol(s), ...deadlinesFor(reported, s.input.policy) };
}
