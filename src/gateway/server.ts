/**
 * The gateway's HTTP server: a midjourney-proxy API (`/mj/...`, also under `/mj-fast|/mj-turbo|/mj-relax`) in front
 * of the durable jobs. Stateless: everything it answers comes from Temporal (memos, visibility, the tenants
 * registry), so any number of processes can serve the same tenants. Extra route handlers (the console) are
 * tried before the API routes.
 *
 * Order per request: CORS preflight → health → extra handlers → images (token or key) → key → route → read
 * limit → content type (POST: application/json) → body (capped) → handler. Every answer is compact JSON with
 * `code`, `description` and `result`, and carries `X-Content-Type-Options: nosniff`; business refusals of submits
 * are HTTP 200 with code 4/24 (as novicezk and trueai answer, which clients are written for), unknown tasks on task
 * endpoints HTTP 404 with code 4, and protocol errors 400/401/405/413/415/429 with JSON bodies. Absolute URLs in
 * answers come from configuration (public-url.ts), never from the request's Host header.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InFlight } from '../in-flight';
import { MjInputError, MjPromptParamError } from '../mj/errors';
import { PROMPT_WARNINGS_HEADER } from './routes/submit-common';
import type { SpeedMode } from '../mj/types';
import { admitRead, type GatewayApp, type RequestCtx } from './app';
import { keyCandidates } from './guards/auth';
import { badInput, GatewayError, unauthorized } from './errors';
import { checkJsonContentType, errorBody, parseJsonObject, readBody, sendJson } from './http-io';
import { serveImage, serveUpload } from './routes/image-routes';
import { configuredBaseUrl, listenUrl, requestBaseUrl } from './public-url';
import { ROUTES, type Route } from './routes/routes';

/** An extra handler (e.g. the console at `/console`): resolves true when it answered the request. */
export type ExtraHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export interface GatewayServer {
  /** The listen address, `http://<host>:<port>`. */
  readonly url: string;
  /** Base of the absolute URLs handed out: `publicBaseUrl`, else {@link url} (public-url.ts). */
  readonly publicUrl: string;
  readonly port: number;
  /** Adds a handler tried before the API routes. */
  addHandler(h: ExtraHandler): void;
  close(): Promise<void>;
}

const ALLOW_HEADERS =
  'mj-api-secret, authorization, content-type, x-ptoken, idempotency-key, mj-version, last-event-id';
const PREFIX_RE = /^\/mj-(fast|relax|turbo)(?=\/mj(\/|$))/;

function corsHeaders(app: GatewayApp): Record<string, string> {
  return {
    'access-control-allow-origin': app.options.corsOrigin,
    'access-control-expose-headers': `retry-after, ${PROMPT_WARNINGS_HEADER}`,
    vary: 'origin',
  };
}

async function authenticate(app: GatewayApp, req: http.IncomingMessage): Promise<string | undefined> {
  for (const key of keyCandidates(req.headers)) {
    const tenant = await app.tenants.authenticate(key);
    if (tenant) return tenant;
  }
  return undefined;
}

function idempotencyKey(req: http.IncomingMessage): string | undefined {
  const raw = req.headers['idempotency-key'];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!v) return undefined;
  if (v.length > 255) throw badInput('Idempotency-Key', 'must be at most 255 characters');
  return v;
}

function headerText(req: http.IncomingMessage, name: string): string | undefined {
  const raw = req.headers[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

function toAnswer(
  err: unknown,
  route: Route | undefined
): { status: number; body: unknown; headers: Record<string, string> } {
  if (err instanceof MjInputError)
    return {
      status: route?.kind === 'submit' ? 200 : 400,
      body: errorBody(
        4,
        err.message,
        err instanceof MjPromptParamError
          ? { field: err.field, rule: err.paramRule, properties: { param: err.param, source: err.source } }
          : { field: err.field }
      ),
      headers: {},
    };
  if (!(err instanceof GatewayError)) throw err;
  const businessOk = route?.kind === 'submit' && err.code !== 23 && (err.status === 400 || err.status === 404);
  return {
    status: businessOk ? 200 : err.status,
    body: errorBody(err.code, err.message, err.extra),
    headers: err.extra.retryAfterSec ? { 'retry-after': String(err.extra.retryAfterSec) } : {},
  };
}

async function handleApi(
  app: GatewayApp,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  mode: SpeedMode | undefined,
  listen: string
) {
  const url = new URL(req.url ?? '/', 'http://x');
  const notFound = () =>
    sendJson(res, 404, errorBody(4, 'task not found', { field: 'id', rule: 'exists' }), corsHeaders(app));
  const image = /^\/image\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (image && req.method === 'GET') {
    const tenant = await authenticate(app, req);
    return serveImage(
      app,
      res,
      [image[1]!, ...(image[2] ? [image[2]] : [])],
      { tenant, token: url.searchParams.get('t') ?? undefined },
      notFound
    );
  }
  const upload = /^\/upload\/(.+)$/.exec(path);
  if (upload && req.method === 'GET') return serveUpload(app, res, upload[1]!, notFound);

  let route: Route | undefined;
  let params: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (m && r.method === req.method) {
      route = r;
      params = m.slice(1);
      break;
    }
  }
  const cors = corsHeaders(app);
  try {
    const tenant = await authenticate(app, req);
    if (!tenant) throw unauthorized();
    if (!route) {
      const other = ROUTES.some((r) => r.pattern.test(path));
      throw other
        ? new GatewayError(405, 4, `method ${req.method} is not allowed here`, { field: 'method', rule: 'allowed' })
        : new GatewayError(404, 4, `unknown endpoint /mj${path}`, { field: 'path', rule: 'known-endpoint' });
    }
    if (route.kind === 'read') await admitRead(app, tenant);
    if (route.method === 'POST') checkJsonContentType(req.headers);
    // GET with a body is served (new-api sends `null` with GET image-seed); the body is read and ignored.
    const raw = await readBody(req, route.images ? app.options.maxImageBodyBytes : app.options.maxJsonBytes);
    if (route.method === 'POST' && raw.length > 0) checkJsonContentType(req.headers, true);
    const ctx: RequestCtx = {
      tenant,
      body: route.method === 'POST' ? parseJsonObject(raw) : {},
      params,
      modeFromPath: mode,
      baseUrl: requestBaseUrl(app.options, listen, req),
      idempotencyKey: idempotencyKey(req),
      lastEventId: headerText(req, 'last-event-id'),
      after: url.searchParams.get('after') ?? undefined,
    };
    const answer = await route.handler(app, ctx);
    if (answer.stream) return await answer.stream(req, res, cors);
    sendJson(res, answer.status ?? 200, answer.body, { ...cors, ...answer.headers });
  } catch (err) {
    let a;
    try {
      a = toAnswer(err, route);
    } catch {
      app.log.error({ err: (err as Error)?.message, path }, 'gateway request failed');
      const unavailable = /UNAVAILABLE|ECONNREFUSED|deadline/i.test(String((err as Error)?.message));
      a = unavailable
        ? { status: 503, body: errorBody(9, 'Temporal is unreachable; try again'), headers: { 'retry-after': '5' } }
        : { status: 500, body: errorBody(9, 'internal error'), headers: {} };
    }
    // The unread rest of a refused body is not drained on a kept-alive connection.
    if (a.status === 413 || a.status === 415) {
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
    }
    sendJson(res, a.status, a.body, { ...cors, ...a.headers });
  }
}

/** How long `close()` waits for requests still at work once their connections are closed. @unit ms */
const DRAIN_MS = 5_000;

export async function startGatewayServer(app: GatewayApp, extra: ExtraHandler[] = []): Promise<GatewayServer> {
  const handlers = [...extra];
  const inFlight = new InFlight();
  let listen = '';
  const server = http.createServer((req, res) => {
    // Every answer (JSON, images, errors, 404s, the console's pages) is only what its content-type says.
    res.setHeader('x-content-type-options', 'nosniff');
    const work = (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          ...corsHeaders(app),
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
      if (url.pathname === '/readyz') {
        const ok = await app.client.workflowService.getSystemInfo({}).then(
          () => true,
          () => false
        );
        return sendJson(res, ok ? 200 : 503, { ok });
      }
      for (const h of handlers) if (await h(req, res)) return;
      const prefix = PREFIX_RE.exec(url.pathname);
      const path = prefix ? url.pathname.slice(prefix[0].length) : url.pathname;
      if (path === '/mj' || path.startsWith('/mj/'))
        return handleApi(
          app,
          req,
          res,
          path.slice(3),
          prefix ? (prefix[1]!.toUpperCase() as SpeedMode) : undefined,
          listen
        );
      sendJson(
        res,
        404,
        errorBody(4, `unknown endpoint ${url.pathname}`, { field: 'path', rule: 'known-endpoint' }),
        corsHeaders(app)
      );
    })().catch((err: unknown) => {
      app.log.error({ err: (err as Error)?.message }, 'gateway handler crashed');
      // After the headers went out (an event stream) only the end is left to send.
      if (res.headersSent) res.end();
      else sendJson(res, 500, errorBody(9, 'internal error'));
    });
    inFlight.track(work);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(app.options.port, app.options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  listen = listenUrl(app.options.host, port);
  return {
    url: listen,
    publicUrl: configuredBaseUrl(app.options, listen),
    port,
    addHandler: (h) => void handlers.push(h),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // A handler can still be between two Temporal calls (a console page's event stream, an answer awaiting its
      // update). Let it end before the caller closes the client's connection: a call retried after that throws from
      // a timer of @temporalio/client's retry interceptor and ends the process. Bounded, so a stop never hangs.
      await inFlight.settled(DRAIN_MS);
    },
  };
}
