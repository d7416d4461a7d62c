/**
 * Server-Sent Events for the job feeds: the per-process caps on open streams, the SSE framing (an `id:` per event,
 * `retry:`, comment-line heartbeats) and what a tenant sees of a {@link JobEvent}.
 */
import type http from 'node:http';
import type { JobEvent } from '../../shared/job-events';
import type { JobMemo } from '../../shared/job-memo';
import { tooMany } from '../errors';

/** The open streams of this process, per tenant and in all; taking one past a cap throws 429 (code 23). */
export class StreamSlots {
  private readonly byTenant = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perTenant: number,
    private readonly max: number
  ) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot for `tenant`; the result gives it back (once). */
  take(tenant: string): () => void {
    const mine = this.byTenant.get(tenant) ?? 0;
    if (mine >= this.perTenant)
      throw tooMany(`at most ${this.perTenant} open event streams per tenant on this gateway`, 5, 'stream-cap');
    if (this.total >= this.max)
      throw tooMany(`at most ${this.max} open event streams on this gateway`, 5, 'stream-cap');
    this.byTenant.set(tenant, mine + 1);
    this.total++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total--;
      const left = (this.byTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.byTenant.set(tenant, left);
      else this.byTenant.delete(tenant);
    };
  }
}

/** One SSE message: `id` is what a reconnect sends back as `Last-Event-ID`. */
export interface SseMessage {
  id?: string;
  event: string;
  data: unknown;
}

/** What a tenant sees of a job event: the gateway's task id as `jobId`, without the internal routing (`owner`). */
export function tenantEvent(taskId: string, e: JobEvent): JobEvent {
  const { owner: _internal, ...memo } = e.memo;
  return { ...e, jobId: taskId, memo: memo as JobMemo };
}

/**
 * Answers `res` as an event stream: writes what `source` yields until it ends (then an `end` event), the client
 * leaves, or `source` throws (an `error` event). A comment line goes out every `heartbeatMs` while nothing else does.
 */
export async function serveEventStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  headers: Record<string, string>,
  heartbeatMs: number,
  source: (signal: AbortSignal) => AsyncIterable<SseMessage>,
  onError: (err: unknown) => void
): Promise<void> {
  const gone = new AbortController();
  const leave = () => gone.abort();
  req.once('close', leave);
  res.once('close', leave);
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let wrote = Date.now();
  const write = async (text: string) => {
    wrote = Date.now();
    if (!res.write(text) && !gone.signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          gone.signal.removeEventListener('abort', done);
          resolve();
        };
        res.on('drain', done);
        gone.signal.addEventListener('abort', done, { once: true });
      });
    }
  };
  const beat = setInterval(
    () => {
      if (Date.now() - wrote >= heartbeatMs && !gone.signal.aborted) void write(': keep-alive\n\n');
    },
    Math.max(10, Math.floor(heartbeatMs / 2))
  );
  beat.unref();
  try {
    await write('retry: 2000\n\n');
    for await (const m of source(gone.signal)) {
      if (gone.signal.aborted) break;
      await write(frame(m));
    }
    if (!gone.signal.aborted) await write(frame({ event: 'end', data: {} }));
  } catch (err) {
    if (!gone.signal.aborted) {
      onError(err);
      await write(frame({ event: 'error', data: { description: 'the event feed failed; reconnect to resume' } }));
    }
  } finally {
    clearInterval(beat);
    req.off('close', leave);
    res.end();
  }
}

function frame(m: SseMessage): string {
  return `${m.id === undefined ? '' : `id: ${m.id}\n`}event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
}
