/**
 * A follow-up (a button pressed on a parent task) as every door starts it: with several upstreams the parent's task
 * exists only on its owner, so the press carries the owner (`upstreamId`) and routing pins it there, waiting for a
 * down or disabled owner rather than asking an upstream that never saw the parent. The owner is read from the
 * parent job's result or, for a parent whose result does not say, from its memo (`JobMemo.owner`).
 */
import type { IntentSpec } from '../mj/types';
import { JOB_MEMO_KEY, type JobMemo } from '../shared/job-memo';
import type { JobRequest } from '../shared/types';
import type { TaskOwner } from '../shared/upstreams/types';

/** The parent of a follow-up: its upstream task and, with several upstreams, the upstream that owns it. */
export interface FollowUpParent {
  taskId: string;
  upstreamId?: string;
}

/** The owner recorded in a job's memo: the job memo itself, or a workflow's memo map holding it. */
export function memoOwner(memo: JobMemo | Record<string, unknown> | undefined): string | undefined {
  const job = (memo && JOB_MEMO_KEY in memo ? memo[JOB_MEMO_KEY] : memo) as JobMemo | undefined;
  const id = job?.owner?.upstreamId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The parent's owner: the one the job reported with its task, else the one in its memo. */
export function parentOwner(
  reported: Pick<TaskOwner, 'upstreamId'> | undefined,
  memo: JobMemo | Record<string, unknown> | undefined
): string | undefined {
  return reported?.upstreamId ?? memoOwner(memo);
}

/** The request of a button press on `parent`, pinned to its owner when it has one. */
export function followUpRequest(
  parent: FollowUpParent,
  intent: IntentSpec,
  opts: { enableRemix?: boolean; parentOrigin?: 'job' | 'external' } = {}
): Extract<JobRequest, { kind: 'action' }> {
  return {
    kind: 'action',
    parentTaskId: parent.taskId,
    intent,
    ...(opts.enableRemix !== undefined ? { enableRemix: opts.enableRemix } : {}),
    ...(opts.parentOrigin ? { parentOrigin: opts.parentOrigin } : {}),
    ...(parent.upstreamId ? { upstreamId: parent.upstreamId } : {}),
  };
}
