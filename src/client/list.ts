/** `list()`: jobs through visibility search attributes, newest first. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { MjInputError } from '../mj/errors';
import { JOB_MEMO_KEY, type JobMemo } from '../shared/job-memo';
import { MJ_ACTION, MJ_MODE, MJ_PARENT_JOB, MJ_STATUS, MJ_TASK_ID } from '../shared/search-attributes';
import type { JobChildRow, JobSummaryRow, ListFilter } from './options';
import { checkMode } from './validation';

const MAX_LIMIT = 1000;

export async function listJobs(client: Client, filter: ListFilter): Promise<JobSummaryRow[]> {
  checkMode(filter.mode);
  return listRows(client, visibilityQuery(filter), filter.limit, summaryRow);
}

/**
 * The jobs whose `MjParentJob` is `parentJobId` (the buttons pressed on it), newest first. Visibility is eventually
 * consistent: a child started a moment ago may be missing for a second.
 */
export async function listChildren(client: Client, parentJobId: string, limit?: number): Promise<JobChildRow[]> {
  const query = `WorkflowType = ${quote('mjJobWorkflow')} AND ${MJ_PARENT_JOB.name} = ${quote(parentJobId)}`;
  return listRows(client, query, limit, (wf) => {
    const intent = (wf.memo?.[JOB_MEMO_KEY] as JobMemo | undefined)?.intent;
    return { ...summaryRow(wf), ...(intent ? { intent } : {}) };
  });
}

async function listRows<R>(
  client: Client,
  query: string,
  limit: number | undefined = 50,
  row: (wf: WorkflowExecutionInfo) => R
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new MjInputError('limit', `must be an integer 1-${MAX_LIMIT}`);
  }
  const rows: R[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    rows.push(row(wf));
    if (rows.length >= limit) break;
  }
  return rows;
}

/** The visibility query of a filter; every value quoted, so a filter cannot widen the query. */
export function visibilityQuery(filter: ListFilter): string {
  const clauses = [`WorkflowType = ${quote(filter.type ?? 'mjJobWorkflow')}`];
  if (filter.status) clauses.push(`${MJ_STATUS.name} = ${quote(filter.status)}`);
  if (filter.action) clauses.push(`${MJ_ACTION.name} = ${quote(filter.action)}`);
  if (filter.mode) clauses.push(`${MJ_MODE.name} = ${quote(filter.mode)}`);
  if (filter.taskId) clauses.push(`${MJ_TASK_ID.name} = ${quote(filter.taskId)}`);
  if (filter.executionStatus) clauses.push(`ExecutionStatus = ${quote(filter.executionStatus)}`);
  return clauses.join(' AND ');
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function summaryRow(wf: WorkflowExecutionInfo): JobSummaryRow {
  const sa = wf.typedSearchAttributes;
  return {
    jobId: wf.workflowId,
    runId: wf.runId,
    type: wf.type,
    executionStatus: wf.status.name,
    startTime: wf.startTime.toISOString(),
    closeTime: wf.closeTime?.toISOString(),
    taskId: sa.get(MJ_TASK_ID),
    status: sa.get(MJ_STATUS),
    action: sa.get(MJ_ACTION),
    mode: sa.get(MJ_MODE),
  };
}
