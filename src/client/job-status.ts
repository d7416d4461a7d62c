/**
 * `status()`: what a workflow is doing. A running workflow answers its own progress query; a closed job is read
 * without a worker (a query on a closed workflow needs one to replay it), from `describe`, its memo and its
 * result or failure, which the server keeps in history.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo, reportedTask } from '../shared/job-memo';
import type { JobPhase, JobProgress, JobResult } from '../shared/types';
import { getBatchProgressQuery } from '../workflows/batch/messages';
import { getProgressQuery } from '../workflows/job/messages';
import { getPipelineProgressQuery } from '../workflows/pipeline/messages';
import { failureType, jobError } from './errors';
import { resolveJob } from './job-ids';
import type { JobStatus } from './options';

export async function readStatus(client: Client, id: string): Promise<JobStatus> {
  const { workflowId: jobId, info } = await resolveJob(client, id);
  const handle = client.workflow.getHandle(jobId);
  const executionStatus = info.status.name;
  const running = executionStatus === 'RUNNING';
  try {
    switch (info.type) {
      case 'mjJobWorkflow':
        return running
          ? { kind: 'job', jobId, executionStatus, progress: await handle.query(getProgressQuery), source: 'query' }
          : { kind: 'job', jobId, executionStatus, progress: await closedJobProgress(handle, info), source: 'closed' };
      case 'pipelineWorkflow':
        return { kind: 'pipeline', jobId, executionStatus, progress: await handle.query(getPipelineProgressQuery) };
      case 'batchWorkflow':
        return {
          kind: 'batch',
          jobId,
          executionStatus,
          progress: await handle.query(getBatchProgressQuery),
          startedAt: info.startTime.getTime(),
          ...(info.closeTime ? { closedAt: info.closeTime.getTime() } : {}),
        };
      default:
        return { kind: 'other', jobId, executionStatus, type: info.type };
    }
  } catch (err) {
    throw jobError(jobId, err);
  }
}

/** The memo the job keeps for readers, when it has one of a version this client knows. */
export function jobMemoOf(memo: Record<string, unknown> | undefined): JobMemo | undefined {
  const m = memo?.[JOB_MEMO_KEY] as Partial<JobMemo> | undefined;
  return m && typeof m === 'object' && m.v === JOB_MEMO_VERSION ? (m as JobMemo) : undefined;
}

const CLOSED_PHASE: Record<string, JobPhase> = { COMPLETED: 'succeeded', CANCELLED: 'cancelled' };

/** The progress of a closed job from what the server keeps: its result or failure, and its memo. */
export async function closedJobProgress(
  handle: WorkflowHandle,
  info: { status: { name: string }; startTime: Date; closeTime?: Date; memo?: Record<string, unknown> }
): Promise<JobProgress> {
  const memo = jobMemoOf(info.memo);
  const phase = CLOSED_PHASE[info.status.name] ?? 'failed';
  let result: JobResult | undefined;
  let failure: { type: string; message: string } | undefined;
  try {
    result = (await handle.result()) as JobResult;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    failure = { type: failureType(err.cause), message: err.cause?.message ?? err.message };
  }
  const task = result?.task;
  // A memo of a worker older than `reported` has none; the result's task says the same.
  const reported = memo?.reported ?? (task && reportedTask(task));
  return {
    phase,
    taskId: result?.taskId ?? memo?.taskId,
    status: task?.status ?? memo?.status,
    progressPct: phase === 'succeeded' ? 100 : null,
    previewUrl: task?.imageUrl ?? memo?.imageUrl ?? null,
    action: task?.action ?? memo?.action,
    mode: task?.mode ?? memo?.mode ?? 'FAST',
    buttons: task?.buttons.map((b) => b.intent) ?? [],
    timings: result?.timings ?? {
      startedAt: memo?.submitTime ?? info.startTime.getTime(),
      submittedAt: memo?.startTime,
      finishedAt: memo?.finishTime ?? info.closeTime?.getTime(),
    },
    failure,
    submits: result?.submits ?? 0,
    fetches: result?.fetches ?? 0,
    wakeups: 0,
    ...(reported ? { reported } : {}),
    ...(memo?.provenance ? { provenance: memo.provenance } : {}),
    ...(memo?.lineage ? { lineage: memo.lineage } : {}),
  };
}
