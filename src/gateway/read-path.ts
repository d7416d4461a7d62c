/**
 * The read path (issue §4): `fetch` is one `describe` (strongly consistent, no worker, no replay); lists are one
 * visibility query whose rows carry the memos. Both read the two memos the start wrote and the job upserts.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../shared/job-memo';
import { MJ_TENANT } from '../shared/search-attributes';
import { GATEWAY_MEMO_KEY, type GatewayMemo, type JobView } from './gateway-memo';
import { fillLaggingMemo, memoLags } from './fallback-memo';
import { jobWorkflowId } from './task-id';

function viewOf(memo: Record<string, unknown> | undefined, execution: string, tenant: string): JobView | undefined {
  const gateway = memo?.[GATEWAY_MEMO_KEY] as GatewayMemo | undefined;
  if (!gateway || gateway.tenant !== tenant) return undefined;
  const job = memo?.[JOB_MEMO_KEY] as JobMemo | undefined;
  return { gateway, job: job?.v === JOB_MEMO_VERSION ? job : undefined, execution };
}

/** One task of `tenant`, or undefined when it does not exist (or is another tenant's: the same answer). */
export async function readTask(client: Client, tenant: string, taskId: string): Promise<JobView | undefined> {
  try {
    const id = jobWorkflowId(tenant, taskId);
    const d = await client.workflow.getHandle(id).describe();
    const view = viewOf(d.memo, d.status.name, tenant);
    return view && memoLags(view, d.typedSearchAttributes)
      ? fillLaggingMemo(client, id, view, d.typedSearchAttributes)
      : view;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function collect(client: Client, query: string, tenant: string, limit: number): Promise<JobView[]> {
  const seen = new Set<string>();
  const out: JobView[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    // A continued-as-new job has one row per run; the newest (first, by start time) is current.
    if (seen.has(wf.workflowId)) continue;
    seen.add(wf.workflowId);
    const v = viewOf((wf as WorkflowExecutionInfo).memo, wf.status.name, tenant);
    if (v)
      out.push(
        memoLags(v, wf.typedSearchAttributes)
          ? await fillLaggingMemo(client, wf.workflowId, v, wf.typedSearchAttributes)
          : v
      );
    if (out.length >= limit) break;
  }
  return out;
}

/** The tasks of `tenant` among `taskIds` (unknown ids left out), in the order asked. */
export async function readTasks(client: Client, tenant: string, taskIds: readonly string[]): Promise<JobView[]> {
  if (taskIds.length === 0) return [];
  const ids = taskIds.map((t) => q(jobWorkflowId(tenant, t))).join(', ');
  const query = `WorkflowId IN (${ids}) AND ${MJ_TENANT.name} = ${q(tenant)} AND ExecutionStatus != "ContinuedAsNew"`;
  const views = await collect(client, query, tenant, taskIds.length);
  const byId = new Map(views.map((v) => [v.gateway.taskId, v]));
  return taskIds.map((t) => byId.get(t)).filter((v): v is JobView => v !== undefined);
}

/** The tenant's newest tasks; `running` = only open ones (the queue). */
export async function recentTasks(
  client: Client,
  tenant: string,
  opts: { limit: number; running?: boolean }
): Promise<JobView[]> {
  const clauses = [`${MJ_TENANT.name} = ${q(tenant)}`, 'WorkflowType = "mjJobWorkflow"'];
  clauses.push(opts.running ? 'ExecutionStatus = "Running"' : 'ExecutionStatus != "ContinuedAsNew"');
  return collect(client, clauses.join(' AND '), tenant, opts.limit);
}

/** Jobs of the tenant still open (the concurrency cap counts these across every gateway process). */
export async function countOpenJobs(client: Client, tenant: string): Promise<number> {
  const r = await client.workflow.count(
    `${MJ_TENANT.name} = ${q(tenant)} AND WorkflowType = "mjJobWorkflow" AND ExecutionStatus = "Running"`
  );
  return r.count;
}
