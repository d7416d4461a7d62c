/**
 * A job memo for jobs whose workflow does not (yet) keep one: jobs started by a worker without the memo upserts
 * (jobs v1), read during the rollout. Still no worker and no replay: a running job is read from the search
 * attributes it upserts (`MjTaskId`, `MjStatus`), a closed one from its close event (its result or failure), which
 * Temporal serves without running any workflow code. Jobs whose memo the workflow writes never take this path
 * except for a moment after start.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { classifyButton, formatIntent } from '../../mj/buttons';
import { reportedTask, type JobMemo } from '../../shared/job-memo';
import { MJ_STATUS, MJ_TASK_ID } from '../../shared/search-attributes';
import type { JobResult } from '../../shared/types';
import type { JobView } from './gateway-memo';
import { isTerminalPhase } from '../../shared/job-phases';

const PHASE_BY_STATUS: Record<string, JobMemo['phase']> = {
  NOT_START: 'queued',
  SUBMITTED: 'queued',
  IN_PROGRESS: 'running',
  MODAL: 'waiting-modal',
  SUCCESS: 'running',
};

/** True when the memo still is the one the gateway wrote at start while the workflow moved on. */
export function memoLags(view: JobView, sa: TypedSearchAttributes | undefined): boolean {
  const phase: string = view.job?.phase ?? 'submitting';
  if (view.execution !== 'RUNNING') return !isTerminalPhase(phase);
  return (phase === 'submitting' || phase === 'waiting-input') && !view.job?.taskId && sa?.get(MJ_STATUS) !== undefined;
}

function fromResult(base: JobMemo, r: JobResult): JobMemo {
  const t = r.task;
  return {
    ...base,
    phase: 'succeeded',
    taskId: r.taskId,
    status: t.status,
    progress: '100%',
    action: t.action,
    imageUrl: t.imageUrl ?? undefined,
    assets: r.images.map((i) => ({ index: i.index, key: i.asset.key, contentType: i.asset.contentType })),
    buttons: t.buttons.map((b) => ({
      customId: b.customId,
      emoji: b.emoji,
      label: b.label,
      intent: formatIntent(classifyButton(b.customId)),
    })),
    startTime: t.startTime ?? undefined,
    finishTime: t.finishTime ?? r.timings.finishedAt,
    reported: reportedTask(t),
  };
}

export async function fillLaggingMemo(
  client: Client,
  workflowId: string,
  view: JobView,
  sa: TypedSearchAttributes | undefined
): Promise<JobView> {
  const base: JobMemo = view.job ?? {
    v: 1,
    phase: 'submitting',
    kind: 'imagine',
    mode: 'FAST',
    submitTime: view.gateway.submitTime,
  };
  if (view.execution === 'RUNNING') {
    const status = sa?.get(MJ_STATUS);
    const phase = (status ? PHASE_BY_STATUS[status] : undefined) ?? base.phase;
    return { ...view, job: { ...base, phase, status, taskId: sa?.get(MJ_TASK_ID) } };
  }
  try {
    const r = (await client.workflow.getHandle(workflowId).result()) as JobResult;
    return { ...view, job: fromResult(base, r) };
  } catch (err) {
    const cancelled = view.execution === 'CANCELLED';
    const message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : (err as Error).message;
    return {
      ...view,
      job: { ...base, phase: cancelled ? 'cancelled' : 'failed', failReason: message, taskId: sa?.get(MJ_TASK_ID) },
    };
  }
}
