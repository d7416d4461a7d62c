/**
 * The read path (issue §4): `fetch` is one `describe` (strongly consistent, no worker, no replay), through a short
 * cache (view-cache.ts) on the hot paths; `list-by-condition` is the same describes, batched, because a visibility
 * query of 100 ids is both eventually consistent and, measured (bench/README.md), far slower under load; the recent
 * lists (`list`, `queue`) are one visibility query whose rows carry the memos. All read the two memos the start
 * wrote and the job upserts.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../shared/job-memo';
import { MJ_TENANT } from '../../shared/search-attributes';
import { GATEWAY_MEMO_KEY, type GatewayMemo, type JobView } from './gateway-memo';
import { fillLaggingMemo, memoLags } from './fallback-memo';
import { jobWorkflowId, parseJobWorkflowId } from '../../tenancy/task-id';
import type { ViewCache } from './view-cache';

function viewOf(memo: Record<string, unknown> | undefined, execution: string, tenant: string): JobView | undefined {
  const gateway = memo?.[GATEWAY_MEMO_KEY] as GatewayMemo | undefined;
  if (!gateway || gateway.tenant !== tenant) return undefined;
  const job = memo?.[JOB_MEMO_KEY] as JobMemo | undefined;
  return { gateway, job: job?.v === JOB_MEMO_VERSION ? job : undefined, execution };
}

/**
 * One task of `tenant`, or undefined when it does not exist (or is another tenant's: the same answer). With `cache`,
 * a view read a moment ago may answer (its rules: view-cache.ts); writers read without it.
 */
export async function readTask(
  client: Client,
  tenant: string,
  taskId: string,
  cache?: ViewCache
): Promise<JobView | undefined> {
  const id = jobWorkflowId(tenant, taskId);
  return cache ? cache.get(id, () => describeTask(client, tenant, id)) : describeTask(client, tenant, id);
}

async function describeTask(client: Client, tenant: string, id: string): Promise<JobView | undefined> {
  try {
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

/** Describes in flight at once for one `list-by-condition`: enough to overlap round trips, few enough to share. */
const LIST_PARALLELISM = 16;

/** The tasks of `tenant` among `taskIds` (unknown ids left out), in the order asked. */
export async function readTasks(
  client: Client,
  tenant: string,
  taskIds: readonly string[],
  cache?: ViewCache
): Promise<JobView[]> {
  const out: (JobView | undefined)[] = new Array(taskIds.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < taskIds.length; i = next++) out[i] = await readTask(client, tenant, taskIds[i], cache);
  };
  await Promise.all(Array.from({ length: Math.min(LIST_PARALLELISM, taskIds.length) }, lane));
  return out.filter((v): v is JobView => v !== undefined);
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
/**
 * The task ids of `tenant`'s jobs that run, or closed at or after `since` (epoch ms), with their close time, from
 * visibility (eventually consistent: a job is found a moment after it starts).
 */
export async function tenantTaskIdsSince(
  client: Client,
  tenant: string,
  since: number
): Promise<{ taskId: string; closedAt?: number }[]> {
  const query =
    `${MJ_TENANT.name} = ${q(tenant)} AND WorkflowType = "mjJobWorkflow" AND ` +
    `(ExecutionStatus = "Running" OR CloseTime >= ${q(new Date(since).toISOString())})`;
  const jobs = new Map<string, { taskId: string; closedAt?: number }>();
  for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
    const parsed = parseJobWorkflowId(wf.workflowId);
    // A continued-as-new job has one row per run; the newest (first) is current.
    if (parsed?.tenant !== tenant || jobs.has(parsed.taskId)) continue;
    jobs.set(parsed.taskId, { taskId: parsed.taskId, ...(wf.closeTime ? { closedAt: wf.closeTime.getTime() } : {}) });
  }
  return [...jobs.values()];
}

export async function countOpenJobs(client: Client, tenant: string): Promise<number> {
  const r = await client.workflow.count(
    `${MJ_TENANT.name} = ${q(tenant)} AND WorkflowType = "mjJobWorkflow" AND ExecutionStatus = "Running"`
  );
  return r.count;
}
