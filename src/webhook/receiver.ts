/**
 * The notifyHook receiver: `POST /webhook/mj/<token>` with a task object as body (contract §10). Proxies make one
 * attempt, sign nothing and may repeat, reorder or lose deliveries, so this endpoint only turns a delivery into a
 * "task changed" hint for the owning workflow, which confirms with its own fetch.
 *
 * Responses: 202 a workflow was signalled; 200 nothing to do (unknown task, closed job, repeated hint); 400 not a
 * task, 405 wrong method, 415 not JSON (each with `issues` naming the field and the rule); 404 unknown path or wrong
 * token (identical answers, so the token cannot be probed; a body over the cap closes the connection); 413 body over
 * the cap; 503 Temporal unreachable. `GET /healthz` is liveness, `GET /readyz` checks Temporal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Secret } from '../config';
import type { Logger } from '../logger';
import type { Metrics, WebhookResult } from '../metrics';
import { tryParseTask } from '../mj/task';
import { hintNeedsFetch } from '../workflows/job/poll';
import { progressEntry, type ProgressStore } from './progress-store';
import { routeTask } from './route';
import { matchToken } from './token';

export const WEBHOOK_PATH_PREFIX = '/webhook/mj/';

export interface WebhookReceiverOptions {
  /** A connected Temporal client (its namespace is the one searched and signalled). */
  client: Client;
  /** The secret path segment; a {@link Secret} or a plain string. */
  token: string | Secret;
  /**
   * Several upstreams: their ids. Each one's derived token (`upstreamToken(token, id)`) is accepted
   * too, and its deliveries carry `upstreamId` in the hint; the plain token keeps working without one.
   * @default [] (only the plain token)
   */
  upstreamIds?: readonly string[];
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Larger bodies get 413 and are not read further. Task objects are a few KB. @default 262144 @unit bytes */
  maxBodyBytes?: number;
  /** @default a silent logger */
  log?: Logger;
  /** Counts deliveries by outcome in `mj_webhook_wakeups_total`. */
  metrics?: Pick<Metrics, 'webhookWakeups'>;
  /**
   * An identical hint (same task, status and progress) already signalled within this window is acknowledged without a
   * second signal: T re-sends every 3 s while a task runs, and each signal costs the job history events.
   * 0 disables. @default 2000 @unit milliseconds
   */
  dedupeWindowMs?: number;
  /**
   * Where progress-only deliveries go (SUBMITTED, IN_PROGRESS with a percentage). Given, only a task's first delivery
   * and those the job acts on (SUCCESS, FAILURE, CANCEL, MODAL, none) signal the workflow; the rest are stored for
   * readers and wake nobody. Unset: every delivery signals, as before.
   */
  progressStore?: ProgressStore;
}

type Optional = 'log' | 'metrics' | 'progressStore' | 'upstreamIds';
type WebhookReceiverOptionsWithDefaults = Required<Omit<WebhookReceiverOptions, Optional>> &
  Pick<WebhookReceiverOptions, Optional>;

function addDefaults(opts: WebhookReceiverOptions): WebhookReceiverOptionsWithDefaults {
  return { port: 8080, host: '127.0.0.1', maxBodyBytes: 256 * 1024, dedupeWindowMs: 2_000, ...opts };
}

export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:8080` (without the webhook path and token). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly result: WebhookResult,
    /** What was wrong with the body: field paths and rules, never its values. */
    readonly issues?: string
  ) {
    super(result);
  }
}

const DEDUPE_MAX_ENTRIES = 10_000;

function isJson(contentType: string | undefined): boolean {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mime);
}

function send(res: http.ServerResponse, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

/**
 * Drops a body we will not read (wrong token, wrong method or type) without letting the sender stream more than `max`
 * bytes into us: past that, the connection is closed. Unauthenticated senders get no more than authenticated ones.
 */
function discardBody(req: http.IncomingMessage, res: http.ServerResponse, max: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    // Not read at all: answer, then close.
    res.setHeader('connection', 'close');
    res.once('finish', () => req.socket.destroySoon());
    return;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > max) req.socket.destroy();
  });
  req.resume();
}

/** Reads at most `max` bytes; past that it rejects with 413 and stops reading (the socket is closed after replying). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new HttpFailure(413, 'too_large'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        reject(new HttpFailure(413, 'too_large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * True when the delivery only reports progress and is kept for readers instead of signalled. A task's first
 * delivery still signals: it tells the job that webhooks reach it, so it stretches its polling to the safety net.
 * A store that fails falls back to the signal (the old path), so a full disk costs events, never news.
 */
async function storedOnly(
  store: ProgressStore | undefined,
  task: { id: string; status: string; progress?: string },
  log: Logger | undefined
): Promise<boolean> {
  if (!store || hintNeedsFetch(task.status)) return false;
  try {
    const { first } = await store.put(progressEntry(task, Date.now()));
    return !first;
  } catch (err) {
    log?.warn({ taskId: task.id, err: { type: (err as Error)?.name } }, 'progress store failed; signalling instead');
    return false;
  }
}

/** Hints signalled within the dedupe window (bounded: the oldest are forgotten first). */
class RecentHints {
  readonly #at = new Map<string, number>();
  constructor(private readonly windowMs: number) {}

  isRepeat(key: string): boolean {
    if (this.windowMs <= 0) return false;
    const at = this.#at.get(key);
    return at !== undefined && Date.now() - at < this.windowMs;
  }

  remember(key: string): void {
    if (this.windowMs <= 0) return;
    this.#at.delete(key);
    this.#at.set(key, Date.now());
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.#at.size > DEDUPE_MAX_ENTRIES) this.#at.delete(this.#at.keys().next().value!);
  }
}

/** Starts the receiver; resolves once it listens. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const opts = addDefaults(options);
  const token = typeof opts.token === 'string' ? opts.token : opts.token.reveal();
  if (token.length < 24) throw new TypeError('webhook token must be at least 24 characters');
  const log = opts.log;
  const recent = new RecentHints(opts.dedupeWindowMs);

  const count = (result: WebhookResult) => opts.metrics?.webhookWakeups.inc({ result });

  async function handleWebhook(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    upstreamId: string | undefined
  ): Promise<void> {
    const started = Date.now();
    if (req.method !== 'POST') throw new HttpFailure(405, 'bad_request', 'method: must be POST');
    if (!isJson(req.headers['content-type'])) {
      throw new HttpFailure(415, 'unsupported_media_type', 'content-type: must be application/json');
    }
    const raw = await readBody(req, opts.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpFailure(400, 'bad_request', 'body: must be valid JSON');
    }
    const parsed = tryParseTask(body);
    if (!parsed.ok) {
      log?.warn({ issues: parsed.issues }, 'webhook body is not a task');
      throw new HttpFailure(
        400,
        'bad_request',
        /^[\w.[\]]+: /.test(parsed.issues) ? parsed.issues : `body: ${parsed.issues}`
      );
    }
    const task = parsed.task;
    const dedupeKey = `${upstreamId ?? ''}|${task.id}|${task.status}|${task.progress}`;
    if (recent.isRepeat(dedupeKey)) {
      count('duplicate');
      log?.debug({ taskId: task.id, status: task.status }, 'webhook repeat within dedupe window, not re-signalled');
      send(res, 200, { result: 'duplicate' });
      return;
    }
    if (await storedOnly(opts.progressStore, task, log)) {
      count('stored');
      log?.debug({ taskId: task.id, status: task.status, progress: task.progress }, 'webhook progress stored');
      send(res, 200, { result: 'stored' });
      return;
    }
    const outcome = await routeTask(opts.client, task, upstreamId);
    count(outcome.result);
    const fields = {
      ...(upstreamId !== undefined ? { upstreamId } : {}),
      taskId: task.id,
      status: task.status,
      progress: task.progress,
      ...outcome,
      ms: Date.now() - started,
    };
    if (outcome.result === 'signaled') {
      recent.remember(dedupeKey);
      log?.info(fields, 'webhook woke workflow');
      send(res, 202, { result: outcome.result });
    } else {
      log?.info(fields, 'webhook for a task no running job owns, ignored');
      send(res, 200, { result: outcome.result });
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      try {
        await opts.client.workflowService.getSystemInfo({});
        send(res, 200, { status: 'ready' });
      } catch {
        send(res, 503, { status: 'temporal unreachable' });
      }
      return;
    }
    // Every path outside the webhook gets the same 404 as a wrong token.
    const given = path.startsWith(WEBHOOK_PATH_PREFIX) ? path.slice(WEBHOOK_PATH_PREFIX.length) : '';
    const credential = matchToken(token, opts.upstreamIds ?? [], given);
    if (credential === null) {
      count('unauthorized');
      discardBody(req, res, opts.maxBodyBytes);
      send(res, 404, 'not found\n');
      return;
    }
    try {
      await handleWebhook(req, res, credential.upstreamId);
    } catch (err) {
      if (err instanceof HttpFailure) {
        count(err.result);
        if (err.status === 413) {
          // Stop reading: answer and close instead of draining an oversized body.
          send(res, 413, { error: 'body too large', maxBytes: opts.maxBodyBytes }, { connection: 'close' });
          res.once('finish', () => req.socket.destroySoon());
        } else {
          discardBody(req, res, opts.maxBodyBytes);
          const body = err.issues ? { error: err.result, issues: err.issues } : { error: err.result };
          send(res, err.status, body, err.status === 405 ? { allow: 'POST' } : {});
        }
        return;
      }
      count('error');
      log?.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'webhook routing failed');
      send(res, 503, { error: 'temporarily unavailable' });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal' }));
  });
  // A slow or stalled sender must not hold a socket for long; task bodies are small.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  log?.info({ port, host: opts.host, path: `${WEBHOOK_PATH_PREFIX}[redacted]` }, 'webhook receiver listening');
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
