/**
 * The parent of an `action`: the upstream task a button is pressed on. A job id (or the key the caller chose)
 * resolves to its job's result task; anything else is refused before anything starts, because a typo
 * taken for an upstream task id would start a job that fails a minute later. A bare upstream task id is accepted
 * only when the caller says so (`parentOrigin: 'external'`).
 */
import type { Client } from '@temporalio/client';
import { formatIntent, intentEquals } from '../mj/buttons';
import { MjInputError } from '../mj/errors';
import type { IntentSpec, SpeedMode } from '../mj/types';
import { parentOwner } from '../job-start/follow-up';
import { JOB_MEMO_KEY, type JobMemo } from '../shared/job-memo';
import type { JobLineage } from '../shared/job-read-model';
import type { JobResult } from '../shared/types';
import { getProgressQuery } from '../workflows/job/messages';
import { jobError } from './errors';
import { resolveJob } from './job-ids';

export interface ParentTask {
  taskId: string;
  /** The parent job's workflow id; absent for a task created outside this service. */
  jobId?: string;
  /** The parent job's own lineage (from its memo), so a press knows the root of the chain. */
  lineage?: JobLineage;
  /** The parent job's mode, the default of the new job. */
  mode?: SpeedMode;
  /** Several upstreams: the parent's owner, where the action must go. */
  upstreamId?: string;
}

/** The upstream task of the job `id` names, checked to offer `intent`; throws `JobNotFoundError` for no job. */
export async function resolveParentJob(client: Client, id: string, intent: IntentSpec): Promise<ParentTask> {
  const { workflowId, info } = await resolveJob(client, id);
  if (info.type !== 'mjJobWorkflow') {
    throw new MjInputError('jobId', `must name a job, not a ${info.type} (use its child job ids)`);
  }
  const handle = client.workflow.getHandle(workflowId);
  const lineage = (info.memo?.[JOB_MEMO_KEY] as JobMemo | undefined)?.lineage;
  const job = { jobId: workflowId, ...(lineage ? { lineage } : {}) };
  if (info.status.name === 'COMPLETED') {
    const result = (await handle
      .result()
      .catch((err: unknown) => Promise.reject(jobError(workflowId, err)))) as JobResult;
    checkOffered(result, intent);
    const upstreamId = parentOwner(result.owner, info.memo);
    return {
      ...job,
      taskId: result.taskId,
      mode: result.task.mode ?? undefined,
      ...(upstreamId ? { upstreamId } : {}),
    };
  }
  if (info.status.name !== 'RUNNING') {
    throw new MjInputError('jobId', `must name a job that succeeded (it is ${info.status.name})`);
  }
  const progress = await handle.query(getProgressQuery);
  if (progress.phase === 'succeeded' && progress.taskId) {
    const upstreamId = parentOwner(progress.owner, info.memo);
    return { ...job, taskId: progress.taskId, mode: progress.mode, ...(upstreamId ? { upstreamId } : {}) };
  }
  throw new MjInputError('jobId', `must name a job that succeeded (it is ${progress.phase})`);
}

/** A button the parent's task does not have is bad input we can name before starting (novicezk lists none). */
function checkOffered(result: JobResult, intent: IntentSpec): void {
  const buttons = result.task.buttons ?? [];
  if (buttons.length === 0 || buttons.some((b) => intentEquals(b.intent, intent))) return;
  const offered = [...new Set(buttons.filter((b) => b.intent.kind !== 'unknown').map((b) => formatIntent(b.intent)))];
  throw new MjInputError('intent', `must be one of the task's buttons: ${offered.join(', ') || 'none'}`);
}
