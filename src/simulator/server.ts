/**
 * The HTTP layer: routing per flavour, auth, body parsing, injected transport faults (5xx, 429, slow,
 * drop-response), the request log, the `/__sim/*` control API and the simulated CDN.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpeedMode } from '../mj/types';
import { serveAsset } from './assets';
import { ManualClock } from './clock';
import type { SimCore } from './core';
import { parseFaultRule } from './faults';
import { acceptsSpeedPrefix, methodOf, supports, type EndpointKey } from './flavour';
import * as query from './query';
import { gatewayFront } from './gateway';
import { gatewayError, jsonReply, notFound, springError, type Reply } from './responses';
import * as submit from './submit';
import type { MjCall } from './submit';

const PREFIX_MODES: Record<string, SpeedMode> = { 'mj-fast': 'FAST', 'mj-turbo': 'TURBO', 'mj-relax': 'RELAX' };

type Handler = (core: SimCore, call: MjCall) => Reply;

const HANDLERS: Record<EndpointKey, Handler> = {
  'submit/imagine': submit.imagine,
  'submit/change': submit.change,
  'submit/simple-change': submit.simpleChange,
  'submit/action': submit.action,
  'submit/modal': submit.modal,
  'submit/describe': submit.describe,
  'submit/blend': submit.blend,
  'submit/shorten': submit.shorten,
  'submit/edits': submit.edit,
  'submit/edit': submit.edit,
  'submit/retexture': submit.edit,
  'submit/video': submit.video,
  'submit/upload-discord-images': submit.uploadImages,
  'task/fetch': query.fetchTask,
  'task/list-by-condition': query.listByCondition,
  'task/list-by-ids': query.listByCondition,
  'task/list': query.listTasks,
  'task/queue': query.queueTasks,
  'task/cancel': query.cancelTask,
  'task/image-seed': query.imageSeed,
  image: query.gatewayImage,
};

type Route = { key: EndpointKey; id?: string; prefixMode?: SpeedMode } | 'not-found';

/** Maps a path to an endpoint key; undefined when it is not under `/mj`. */
function routeMj(flavour: SimCore['flavour'], path: string): Route | undefined {
  let m = /^\/(mj-fast|mj-turbo|mj-relax)\/mj(\/.*)$/.exec(path);
  let prefixMode: SpeedMode | undefined;
  let rest: string;
  if (m) {
    if (!acceptsSpeedPrefix(flavour)) return 'not-found';
    prefixMode = PREFIX_MODES[m[1]];
    rest = m[2];
  } else {
    m = /^\/mj(\/.*)$/.exec(path);
    if (!m) return undefined;
    rest = m[1];
  }
  let key: string;
  let id: string | undefined;
  if ((m = /^\/task\/([^/]+)\/(fetch|cancel|image-seed)$/.exec(rest)) && !['list', 'queue'].includes(m[1])) {
    id = decodeURIComponent(m[1]);
    key = `task/${m[2]}`;
  } else if ((m = /^\/image\/([^/]+)$/.exec(rest))) {
    id = decodeURIComponent(m[1]);
    key = 'image';
  } else {
    key = rest.replace(/^\//, '').replace(/\/$/, '');
  }
  if (!(key in HANDLERS) || !supports(flavour, key as EndpointKey)) return 'not-found';
  return { key: key as EndpointKey, id, prefixMode };
}

/** new-api's key reading: drop "Bearer ", fall back to mj-api-secret, drop "sk-" and any "-channel" suffix. */
function gatewayKey(req: IncomingMessage): string {
  const bearer = (v: string) => (/^bearer /i.test(v) ? v.slice(7).trim() : v);
  let key = bearer(String(req.headers.authorization ?? ''));
  if (key === '' || key === 'midjourney-proxy') key = bearer(String(req.headers['mj-api-secret'] ?? ''));
  return key.replace(/^sk-/, '').split('-')[0];
}

/** The flavour's auth check; a Reply when it fails (contract §1). */
function checkAuth(core: SimCore, req: IncomingMessage, key: EndpointKey): Reply | undefined {
  const secret = core.opts.apiKey;
  if (!secret) return undefined;
  switch (core.flavour) {
    case 'novicezk':
    case 'plus':
      return req.headers['mj-api-secret'] === secret ? undefined : { status: 401 };
    case 'trueai': {
      const token = req.headers.authorization ?? req.headers['mj-api-secret'];
      if (token === secret) return undefined;
      return { status: 401, text: 'Authorization header missing.', contentType: 'text/plain; charset=utf-8' };
    }
    case 'gateway': {
      // new-api serves /mj/image/{id} before its token middleware.
      if (key === 'image') return undefined;
      if (gatewayKey(req) === secret.replace(/^sk-/, '').split('-')[0]) return undefined;
      return jsonReply(401, { error: { message: '无效的令牌', type: 'new_api_error', code: '' } });
    }
  }
}

function badBody(core: SimCore, path: string): Reply {
  switch (core.flavour) {
    case 'trueai':
      return jsonReply(400, {
        title: 'One or more validation errors occurred.',
        status: 400,
        errors: { $: ['The JSON value could not be converted.'] },
      });
    case 'gateway':
      return gatewayError(4, 'bind_request_body_failed');
    default:
      return springError(400, 'Bad Request', path, core.now());
  }
}

function methodNotAllowed(core: SimCore, path: string): Reply {
  if (core.flavour === 'gateway') return notFound('gateway', path, core.now());
  if (core.flavour === 'trueai') return { status: 405 };
  return springError(405, 'Method Not Allowed', path, core.now());
}

function transportFault(
  core: SimCore,
  kind: '5xx' | '429',
  status: number | undefined,
  retryAfter: number | undefined,
  path: string
): Reply {
  if (kind === '429') {
    const headers = { 'retry-after': String(Math.ceil(retryAfter ?? 1)) };
    if (core.flavour === 'gateway') return { ...gatewayError(30, '当前分组负载已饱和，请稍后再试'), headers };
    if (core.flavour === 'trueai')
      return { status: 429, text: 'Too Many Requests', contentType: 'text/plain; charset=utf-8', headers };
    return { status: 429, headers };
  }
  const code = status ?? 500;
  if (core.flavour === 'trueai') return jsonReply(code, { success: false, message: '操作失败' });
  if (core.flavour === 'gateway') return { ...gatewayError(5, 'do_request_failed'), status: code };
  return springError(code, 'Internal Server Error', path, core.now());
}

/** A submit answer that created, parked or advanced a task (codes 1, 21, 22 on HTTP 200). */
function isAccepted(reply: Reply): boolean {
  const code = (reply.json as { code?: unknown } | undefined)?.code;
  return reply.status === 200 && (code === 1 || code === 21 || code === 22);
}

/** Abbreviates data URLs and long strings so the log stays small and free of payloads. */
export function summarizeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  const text = JSON.stringify(body, (_k, v: unknown) => {
    if (typeof v !== 'string') return v;
    if (v.startsWith('data:')) return `<data-url ${v.length} chars>`;
    return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  });
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes a {@link Reply}; a no-op on a socket that is already gone. */
export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  let payload: Buffer | undefined;
  let contentType = reply.contentType;
  if (reply.json !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.json));
    contentType ??= 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    payload = Buffer.from(reply.text);
  } else if (reply.bytes) {
    payload = reply.bytes;
  }
  const headers: Record<string, string | number> = { ...reply.headers };
  if (contentType && payload) headers['content-type'] = contentType;
  if (reply.status !== 204) headers['content-length'] = payload?.length ?? 0;
  res.writeHead(reply.status, headers);
  res.end(reply.status === 204 ? undefined : payload);
}

/** Routes one request. Resolves once the response is written (or deliberately dropped). */
export class RequestRouter {
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(private readonly core: SimCore) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const core = this.core;
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/__sim/')) return this.control(req, res, path, url.searchParams);

    const at = core.now();
    const route = routeMj(core.flavour, path);
    let raw: Buffer;
    try {
      raw = await readBody(req, core.opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return this.finish(res, { method, path, at }, { status: 413 });
      throw err;
    }
    if (route === undefined || route === 'not-found')
      return this.finish(res, { method, path, at }, notFound(core.flavour, path, core.now()));
    const log = { method, path, at };
    const denied = checkAuth(core, req, route.key);
    if (denied) return this.finish(res, log, denied);
    if (method !== methodOf(route.key)) return this.finish(res, log, methodNotAllowed(core, path));

    let body: Record<string, unknown> = {};
    if (method === 'POST' && route.key !== 'task/cancel') {
      try {
        const parsed: unknown = JSON.parse(raw.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new SyntaxError('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return this.finish(
          res,
          { ...log, bodySummary: `<${raw.length} bytes, not a JSON object>` },
          badBody(core, path)
        );
      }
    }
    const record = { ...log, bodySummary: method === 'POST' ? summarizeBody(body) : undefined };
    if (route.key.startsWith('submit/')) core.countSubmit(route.key);

    const state =
      typeof body.state === 'string'
        ? body.state
        : route.id
          ? (core.engine.get(route.id)?.state ?? undefined)
          : undefined;
    const site = {
      endpoint: route.key,
      state,
      taskIds: [route.id, typeof body.taskId === 'string' ? body.taskId : undefined],
    };
    if (core.gateway && route.key.startsWith('submit/')) {
      const noChannel = core.faults.take(['gateway-no-channel'], site) !== undefined;
      const badKey = !noChannel && core.faults.take(['gateway-bad-upstream-key'], site) !== undefined;
      const refused = gatewayFront(core, route.key, body, noChannel, badKey);
      if (refused)
        return this.finish(
          res,
          { ...record, fault: noChannel ? 'gateway-no-channel' : badKey ? 'gateway-bad-upstream-key' : undefined },
          refused
        );
    }
    const early = core.faults.take(['5xx', '429'], site);
    if (early) {
      const reply = transportFault(core, early.kind as '5xx' | '429', early.status, early.retryAfterSeconds, path);
      return this.finish(res, { ...record, fault: early.kind }, reply);
    }

    const reply = this.dispatch(route.key, route.id, body, route.prefixMode);
    if (route.key.startsWith('submit/')) {
      if (isAccepted(reply)) core.countAccepted(route.key);
      // On disk before the answer leaves: a restart must never forget a task whose id a client holds.
      core.persistNow();
    } else core.touch();
    const late = core.faults.take(['drop-response', 'slow'], site);
    if (late?.kind === 'drop-response') {
      // The work is done and stored; only the answer is lost, as when a proxy dies mid-response.
      core.logRequest({ ...record, status: 0, fault: late.kind });
      req.socket.destroy();
      return;
    }
    if (late?.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          resolve();
        }, late.delayMs ?? 5_000);
        this.delayed.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          this.delayed.delete(timer);
          resolve();
        });
      });
      return this.finish(res, { ...record, fault: late.kind }, reply);
    }
    return this.finish(res, record, reply);
  }

  /** Runs the endpoint; behind the gateway a submit reaches the upstream stripped, and leaves a row. */
  private dispatch(
    key: EndpointKey,
    id: string | undefined,
    body: Record<string, unknown>,
    prefixMode: SpeedMode | undefined
  ): Reply {
    const gateway = this.core.gateway;
    if (!gateway || !key.startsWith('submit/')) return HANDLERS[key](this.core, { key, id, body, prefixMode });
    const upstream = gateway.upstreamCall(body, prefixMode);
    const reply = HANDLERS[key](this.core, { key, id, ...upstream });
    gateway.recordSubmit(key, body, reply);
    return reply;
  }

  /** Stops pending slow responses (on close). */
  close(): void {
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
  }

  private finish(
    res: ServerResponse,
    log: { method: string; path: string; at: number; bodySummary?: string; fault?: string },
    reply: Reply
  ): void {
    this.core.logRequest({ ...log, status: res.destroyed ? 0 : reply.status });
    send(res, reply);
  }

  private async control(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    params: URLSearchParams
  ): Promise<void> {
    const core = this.core;
    const method = req.method ?? 'GET';
    const asset = method === 'GET' ? serveAsset(core, path, params) : undefined;
    if (asset) {
      core.logRequest({ method, path, at: core.now(), status: asset.status });
      return send(res, asset);
    }
    core.touch();
    let body: unknown;
    try {
      const raw = await readBody(req, core.opts.maxBodyBytes);
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return send(res, jsonReply(400, { error: 'body must be JSON' }));
    }
    send(res, this.controlReply(method, path, body));
  }

  private controlReply(method: string, path: string, body: unknown): Reply {
    const core = this.core;
    let m: RegExpExecArray | null;
    if (path === '/__sim/health' && method === 'GET')
      return jsonReply(200, { ok: true, flavour: core.flavour, now: core.now() });
    if (path === '/__sim/stats' && method === 'GET') return jsonReply(200, core.stats());
    if (path === '/__sim/reset' && method === 'POST') {
      core.reset();
      return jsonReply(200, { ok: true });
    }
    if (path === '/__sim/faults') {
      if (method === 'GET') return jsonReply(200, core.faults.list());
      if (method === 'DELETE') {
        core.faults.clear();
        return jsonReply(200, { ok: true });
      }
      if (method === 'POST') {
        const list = Array.isArray(body) ? body : [body];
        try {
          // Validate all first so a bad rule in a batch adds nothing.
          const rules = list.map(parseFaultRule);
          return jsonReply(200, { ids: rules.map((r) => core.faults.add(r)) });
        } catch (err) {
          return jsonReply(400, { error: (err as Error).message });
        }
      }
    }
    if ((m = /^\/__sim\/faults\/([\w-]+)$/.exec(path)) && method === 'DELETE') {
      return core.faults.remove(m[1]) ? jsonReply(200, { ok: true }) : jsonReply(404, { error: 'no such fault' });
    }
    if (path === '/__sim/tasks' && method === 'GET') return jsonReply(200, core.views());
    if ((m = /^\/__sim\/tasks\/(\d+)$/.exec(path)) && method === 'GET') {
      const view = core.view(m[1]);
      return view ? jsonReply(200, view) : jsonReply(404, { error: 'no such task' });
    }
    if ((m = /^\/__sim\/tasks\/(\d+)\/complete$/.exec(path)) && method === 'POST') {
      if (!core.engine.get(m[1])) return jsonReply(404, { error: 'no such task' });
      core.engine.completeNow(m[1]);
      return jsonReply(200, core.view(m[1]));
    }
    if (path === '/__sim/clock/advance' && method === 'POST') {
      const ms = Number((body as { ms?: unknown } | undefined)?.ms);
      if (!(core.opts.clock instanceof ManualClock))
        return jsonReply(409, { error: 'the simulator runs on a real clock' });
      if (!(ms >= 0)) return jsonReply(400, { error: 'body must be {"ms": <non-negative number>}' });
      core.opts.clock.advance(ms);
      return jsonReply(200, { now: core.now() });
    }
    return jsonReply(404, { error: `no control endpoint ${method} ${path}` });
  }
}
