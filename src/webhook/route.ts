/**
 * Finds the workflow that owns an upstream task and wakes it with the `taskChanged` signal. The signal is a hint:
 * the workflow confirms with a fetch, so duplicates, reordering and stale deliveries are harmless, and a lost one only
 * means the workflow wakes at its next poll.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MjTask } from '../mj/types';
import { MJ_TASK_ID } from '../shared/search-attributes';
import { parseStateKey } from '../shared/state-key';
import type { TaskChangedHint } from '../shared/types';
import { taskChangedSignal } from '../workflows';

/** What happened to one delivery. */
export type RouteOutcome =
  | { result: 'signaled'; workflowIds: string[]; via: 'state' | 'search' }
  | { result: 'not_found'; via: 'state' | 'search' }
  | { result: 'closed'; workflowId: string };

/** Most owners are found by `state`; a visibility search for one task id should match one job, a few at worst. */
const MAX_SEARCH_MATCHES = 10;

/** Visibility query for the owner of a task id; quotes and backslashes are escaped so an id cannot widen the query. */
export function taskIdQuery(taskId: string): string {
  const escaped = taskId.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `${MJ_TASK_ID.name} = "${escaped}" AND ExecutionStatus = "Running"`;
}

/** The hint of a delivery; `upstreamId` when it came through that upstream's own token. */
export function hintOf(task: Pick<MjTask, 'id' | 'status' | 'progress'>, upstreamId?: string): TaskChangedHint {
  return {
    taskId: task.id,
    status: task.status,
    progress: task.progress,
    ...(upstreamId !== undefined ? { upstreamId } : {}),
  };
}

async function signalById(client: Client, workflowId: string, hint: TaskChangedHint): Promise<'signaled' | 'gone'> {
  try {
    // No runId: the latest run, so a job that continued-as-new still gets the hint.
    await client.workflow.getHandle(workflowId).signal(taskChangedSignal, hint);
    return 'signaled';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'gone';
    throw err;
  }
}

async function findOwners(client: Client, taskId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: taskIdQuery(taskId), pageSize: MAX_SEARCH_MATCHES })) {
    ids.push(wf.workflowId);
    if (ids.length >= MAX_SEARCH_MATCHES) break;
  }
  return ids;
}

/**
 * Routes one task: by the `state` key our workflows send (`parseStateKey`), else by the `MjTaskId` search attribute
 * (gateways drop or replace `state`). `upstreamId` names the upstream the delivery came from (its token), so a job
 * can ignore a hint about another upstream's task of the same id. Throws only on Temporal errors.
 */
export async function routeTask(
  client: Client,
  task: Pick<MjTask, 'id' | 'status' | 'progress' | 'state'>,
  upstreamId?: string
): Promise<RouteOutcome> {
  const hint = hintOf(task, upstreamId);
  const key = parseStateKey(task.state);
  if (key?.workflowId) {
    const r = await signalById(client, key.workflowId, hint);
    if (r === 'signaled') return { result: 'signaled', workflowIds: [key.workflowId], via: 'state' };
    // A state key we wrote whose workflow is gone: closed (finished, cancelled) or deleted after retention.
    return { result: 'closed', workflowId: key.workflowId };
  }
  // Visibility is eventually consistent: a SUBMITTED hint racing the search-attribute upsert finds nobody, which is
  // fine because the job polls anyway.
  const owners = await findOwners(client, task.id);
  const signaled: string[] = [];
  for (const id of owners) {
    if ((await signalById(client, id, hint)) === 'signaled') signaled.push(id);
  }
  return signaled.length > 0
    ? { result: 'signaled', workflowIds: signaled, via: 'search' }
    : { result: 'not_found', via: 'search' };
}
