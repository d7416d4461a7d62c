/**
 * The gateway's event streams read over HTTP: `new MjGatewayClient({ baseUrl, apiKey }).events(taskId)` is the same
 * iterator as `MjJobsClient.events()` for a process that talks to the gateway (`GET /mj/task/{id}/events`) rather
 * than to Temporal. A dropped connection is resumed by itself with `Last-Event-ID` (the last seq seen), so the loop
 * sees every event once and in order; it ends at the job's final event.
 */
import { MjInputError } from '../mj/errors';
import type { JobEvent } from '../shared/job-events';
import { GatewayTaskNotFoundError } from './errors';
import { checkAfter } from './job-events';
import { isFinalEvent } from './job-event-builder';
import type { JobEventsOptions } from './job-feed-hub';
import { abortableDelay } from './job-history-feed';

export interface MjGatewayClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8090` (the `/mj` paths are added). */
  baseUrl: string;
  /** A tenant's API key (sent as `mj-api-secret`). */
  apiKey: string;
  /** Wait before reconnecting when the gateway named none (`retry:`). @default 1000 @unit ms */
  reconnectMs?: number;
}

/** Thrown when the gateway refuses the stream for good (bad key, bad input); the body's description is the message. */
export class GatewayStreamError extends Error {
  override readonly name = 'GatewayStreamError';
  readonly code = 'GATEWAY_STREAM_REFUSED';
  constructor(
    readonly status: number,
    message: string
  ) {
    super(`gateway refused the event stream (HTTP ${status}): ${message}`);
  }
}

/** One parsed SSE message. */
interface SseFrame {
  id?: string;
  event: string;
  data: string;
  retry?: number;
}

/** Splits an SSE body into messages (comment lines, the heartbeats, are dropped). */
async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buf = '';
  let cur: SseFrame = { event: 'message', data: '' };
  let hasData = false;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.search(/\r?\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (hasData || cur.retry !== undefined) yield cur;
        cur = { event: 'message', data: '' };
        hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') cur.id = value;
      else if (field === 'event') cur.event = value;
      else if (field === 'data') {
        cur.data = hasData ? `${cur.data}\n${value}` : value;
        hasData = true;
      } else if (field === 'retry' && /^\d+$/.test(value)) cur.retry = Number(value);
    }
  }
}

/** A client of the gateway's HTTP API; for now its event streams. */
export class MjGatewayClient {
  private readonly baseUrl: string;

  constructor(private readonly opts: MjGatewayClientOptions) {
    if (typeof opts.baseUrl !== 'string' || !/^https?:\/\//.test(opts.baseUrl))
      throw new MjInputError('baseUrl', 'must be an http(s) URL');
    if (typeof opts.apiKey !== 'string' || opts.apiKey.length === 0)
      throw new MjInputError('apiKey', 'must be an API key');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  /**
   * The task's events after `after`, each once and in order, resuming by itself after a dropped connection, until
   * the job's final event or `signal` aborts. Throws `GatewayTaskNotFoundError` for a task the key's tenant lacks.
   * @example for await (const e of gw.events(taskId)) console.log(e.seq, e.types, e.memo.phase);
   */
  async *events(taskId: string, opts: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
    if (typeof taskId !== 'string' || !/^\d{16}$/.test(taskId))
      throw new MjInputError('taskId', 'must be a gateway task id (16 digits)');
    let after = checkAfter(opts.after);
    const signal = opts.signal ?? new AbortController().signal;
    let retryMs = this.opts.reconnectMs ?? 1_000;
    while (!signal.aborted) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}/mj/task/${taskId}/events`, {
          headers: { 'mj-api-secret': this.opts.apiKey, accept: 'text/event-stream', 'last-event-id': String(after) },
          signal,
        });
      } catch {
        await abortableDelay(retryMs, signal);
        continue;
      }
      if (res.status === 404) throw new GatewayTaskNotFoundError(taskId, 'exists');
      if (res.status === 429 || res.status >= 500 || !res.body) {
        await res.body?.cancel();
        await abortableDelay(Number(res.headers.get('retry-after') ?? 0) * 1000 || retryMs, signal);
        continue;
      }
      if (res.status !== 200) {
        const text = await res.text().catch(() => '');
        throw new GatewayStreamError(res.status, describe(text));
      }
      try {
        for await (const f of sseFrames(res.body)) {
          if (f.retry !== undefined) retryMs = f.retry;
          if (f.event === 'end') return;
          if (f.event !== 'job') continue;
          const e = JSON.parse(f.data) as JobEvent;
          if (e.seq <= after) continue;
          after = e.seq;
          yield e;
          if (isFinalEvent(e)) return;
        }
      } catch {
        // The connection dropped mid-stream: reconnect below and resume after the last seq.
      }
      await abortableDelay(retryMs, signal);
    }
  }
}

function describe(text: string): string {
  try {
    const body = JSON.parse(text) as { description?: unknown };
    if (typeof body.description === 'string') return body.description;
  } catch {
    // Not JSON: the text itself.
  }
  return text.slice(0, 200);
}
