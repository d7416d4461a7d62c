/**
 * `GET /mj/task/{id}/fetch`, `POST /mj/task/list-by-condition` (alias `list-by-ids`), `GET /mj/task/list`,
 * `GET /mj/task/queue`, `GET /mj/task/{id}/image-seed`, `POST /mj/task/{id}/cancel`. Reads answer from memos
 * (read-path.ts): no worker and no replay on this path.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Answer, GatewayApp, RequestCtx } from '../app';
import { badInput, GatewayError, taskNotFound } from '../errors';
import { imageUrls } from '../tasks/image-urls';
import { memoWithStoredProgress } from '../../webhook/progress-overlay';
import { readTask, readTasks, recentTasks } from '../tasks/read-path';
import { jobWorkflowId, normaliseTaskId } from '../../tenancy/task-id';
import { taskCosts } from '../tasks/task-cost';
import { toProxyTask, viewStatus } from '../tasks/task-view';
import type { JobView } from '../tasks/gateway-memo';

const MAX_IDS = 500;

async function present(app: GatewayApp, ctx: RequestCtx, views: JobView[]) {
  const gen = await app.tenants.keyGeneration(ctx.tenant);
  const urls = imageUrls(ctx.baseUrl, app.urls, ctx.tenant, gen);
  // Webhook progress kept beside running jobs (the job is not woken for it): newer than the memo, so it wins.
  const store = app.mj.progressStore;
  const fresh = await Promise.all(
    views.map(async (v) => (v.job && store ? { ...v, job: await memoWithStoredProgress(v.job, store) } : v))
  );
  const costs = await taskCosts(app.mj.cost, fresh, (err) =>
    app.log.warn({ err: String(err) }, 'task cost not read from the ledger')
  );
  return fresh.map((v) => toProxyTask(v, urls, costs.get(v.gateway.taskId)));
}

/** The task named in the path; `cached` for plain reads, fresh for writers. */
async function one(app: GatewayApp, ctx: RequestCtx, cached = false): Promise<JobView> {
  const id = normaliseTaskId(ctx.params[0]);
  const view = id ? await readTask(app.client, ctx.tenant, id, cached ? app.views : undefined) : undefined;
  if (!view) throw taskNotFound('id');
  return view;
}

export async function fetchTask(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  return { body: (await present(app, ctx, [await one(app, ctx, true)]))[0] };
}

export async function listByCondition(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const ids = ctx.body.ids;
  if (ids === undefined || ids === null) return { body: [] };
  if (!Array.isArray(ids)) throw badInput('ids', 'must be an array of task ids');
  if (ids.length > MAX_IDS) throw badInput('ids', `must hold at most ${MAX_IDS} ids`);
  // Unknown ids (and anything that is not one of our ids) are left out, as the proxies do.
  const wanted = [...new Set(ids.map((x) => normaliseTaskId(x)).filter((x): x is string => x !== undefined))];
  return { body: await present(app, ctx, await readTasks(app.client, ctx.tenant, wanted, app.views)) };
}

export async function listTasks(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  return { body: await present(app, ctx, await recentTasks(app.client, ctx.tenant, { limit: 100 })) };
}

/** Open tasks that have not started running upstream yet. */
export async function queue(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const views = await recentTasks(app.client, ctx.tenant, { limit: 100, running: true });
  return {
    body: await present(
      app,
      ctx,
      views.filter((v) => viewStatus(v).status === 'SUBMITTED')
    ),
  };
}

export async function imageSeed(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const view = await one(app, ctx);
  if (viewStatus(view).status !== 'SUCCESS' || !view.job?.taskId)
    throw new GatewayError(200, 4, 'id must name a task that succeeded', { field: 'id', rule: 'parent-succeeded' });
  if (!app.upstream)
    throw new GatewayError(200, 4, 'image-seed needs the upstream proxy (MJ_BASE_URL) configured on the gateway', {
      rule: 'upstream-configured',
    });
  const seed = await app.upstream.getImageSeed(view.job.taskId);
  return { body: { code: 1, description: 'success', result: String(seed) } };
}

export async function cancel(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const view = await one(app, ctx);
  if (view.execution !== 'RUNNING')
    throw new GatewayError(200, 4, `id must name an unfinished task (it is ${viewStatus(view).status})`, {
      field: 'id',
      rule: 'unfinished',
    });
  try {
    await app.client.workflow.getHandle(jobWorkflowId(ctx.tenant, view.gateway.taskId)).cancel();
    app.views?.invalidate(jobWorkflowId(ctx.tenant, view.gateway.taskId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw taskNotFound('id');
    throw err;
  }
  return { body: { code: 1, description: 'success', result: view.gateway.taskId } };
}
