/**
 * `GET /mj/task/{id}/events` (one task's events) and `GET /mj/events` (every task of the caller's tenant) as
 * Server-Sent Events; the feed is the jobs' own (`src/client/job-feed-hub.ts`), served from their histories and the
 * webhook progress kept beside them, so a stream costs no upstream request and needs no worker for past events.
 * Resumable: a reconnect sends `Last-Event-ID` (or `?after=`) and gets every later event once.
 */
import type { Answer, GatewayApp, RequestCtx } from '../app';
import { badInput, taskNotFound } from '../errors';
import { checkAfter } from '../../client/job-events';
import { readTask } from '../tasks/read-path';
import { jobWorkflowId, normaliseTaskId } from '../../tenancy/task-id';
import { serveEventStream, tenantEvent, type SseMessage } from '../tasks/event-streams';
import { parseTenantCursor, tenantEvents } from '../tasks/tenant-feed';
import type { JobEventsOptions } from '../../client/job-feed-hub';

/** Where a reconnect resumes: `Last-Event-ID`, else `?after=`; undefined for a fresh stream. */
function resumeFrom(ctx: RequestCtx): { text: string; field: string } | undefined {
  if (ctx.lastEventId) return { text: ctx.lastEventId, field: 'Last-Event-ID' };
  return ctx.after === undefined ? undefined : { text: ctx.after, field: 'after' };
}

function streamAnswer(
  app: GatewayApp,
  ctx: RequestCtx,
  source: (signal: AbortSignal) => AsyncIterable<SseMessage>
): Answer {
  const release = app.streams.take(ctx.tenant);
  return {
    body: undefined,
    stream: async (req, res, headers) => {
      try {
        await serveEventStream(req, res, headers, app.options.streamHeartbeatMs, source, (err) =>
          app.log.warn({ err: String(err), tenant: ctx.tenant }, 'event stream failed')
        );
      } finally {
        release();
      }
    },
  };
}

export async function taskEvents(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const id = normaliseTaskId(ctx.params[0]);
  // Another tenant's task is unknown here, as on fetch.
  if (!id || !(await readTask(app.client, ctx.tenant, id, app.views))) throw taskNotFound('id');
  const from = resumeFrom(ctx);
  const text = from?.text.trim();
  const after = from && text !== undefined ? checkAfter(text === '' ? undefined : Number(text), from.field) : 0;
  const workflowId = jobWorkflowId(ctx.tenant, id);
  return streamAnswer(app, ctx, async function* (signal) {
    const opts: JobEventsOptions = { after, signal };
    for await (const e of app.mj.feed.events(workflowId, opts)) {
      yield { id: String(e.seq), event: 'job', data: tenantEvent(id, e) };
    }
  });
}

export async function allEvents(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const from = resumeFrom(ctx);
  if (from && from.text.length > 16_384) throw badInput(from.field, 'must be at most 16384 characters');
  const cursor = from ? parseTenantCursor(from.text.trim(), from.field) : undefined;
  return streamAnswer(app, ctx, (signal) => tenantEvents(app.mj.feed, app.tenantJobs, ctx.tenant, cursor, signal));
}
