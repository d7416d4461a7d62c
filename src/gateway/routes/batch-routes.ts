/**
 * A tenant's paged batches through the gateway (`/mj/batch/{id}…`), for an operator's tooling: progress, pause,
 * resume, cancel, retry of the failed items, and the manifest. A batch is the tenant's when it was started for it
 * (`--tenant`, `tenant` option: its cost tags name the tenant); any other id is answered as unknown.
 */
import { BatchNothingToRetryError, BatchNotFoundError, BatchStillRunningError } from '../../client/batch-errors';
import type { BatchLiveProgress } from '../../shared/batch-run-types';
import type { Answer, GatewayApp, RequestCtx } from '../app';
import { GatewayError } from '../errors';

const ok = (result: unknown): Answer => ({ body: { code: 1, description: 'success', result } });

function unknownBatch(): GatewayError {
  return new GatewayError(404, 4, 'id must name a batch of this tenant', { field: 'id', rule: 'batch-of-tenant' });
}

/** The batch's progress, if the tenant owns it. */
async function owned(app: GatewayApp, ctx: RequestCtx): Promise<BatchLiveProgress> {
  const id = decodeURIComponent(ctx.params[0] ?? '');
  let p: BatchLiveProgress;
  try {
    p = await app.mj.batches.progress(id);
  } catch (err) {
    if (err instanceof BatchNotFoundError) throw unknownBatch();
    throw err;
  }
  if (p.settings.costTags?.tenant !== ctx.tenant) throw unknownBatch();
  return p;
}

export async function batchProgress(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  return ok(await owned(app, ctx));
}

export async function batchResults(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const p = await owned(app, ctx);
  return ok({ batchId: p.batchId, state: p.state, lines: await app.mj.batches.manifest(p.batchId) });
}

/** `pause`, `resume`, `cancel` or `retry-failed` (the last answers the new attempt's id). */
export async function batchControl(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const p = await owned(app, ctx);
  const what = ctx.params[1];
  const batches = app.mj.batches;
  if (what === 'pause') await batches.pause(p.batchId);
  else if (what === 'resume') await batches.resume(p.batchId);
  else if (what === 'cancel') await batches.cancel(p.batchId);
  else {
    try {
      const s = await batches.retryFailed(p.batchId);
      return ok({ batchId: s.batchId, items: s.estimate.items, alreadyStarted: s.alreadyStarted });
    } catch (err) {
      if (err instanceof BatchStillRunningError || err instanceof BatchNothingToRetryError) {
        throw new GatewayError(400, 4, err.message, { field: 'id', rule: err.code });
      }
      throw err;
    }
  }
  return ok(p.batchId);
}
