/**
 * The console as one request handler, `(req, res) => Promise<boolean>` (true = handled), so the gateway's server
 * mounts it at `/console` beside its API, and a test or a dev process can serve it alone.
 *
 * Order per request: static files; a POST from another origin is refused; sign-in; then the session (a sealed cookie
 * whose key is checked again against the backend, so a revoked key ends the session, and which sign-out ends on the
 * server), the session's rate limit, and for a POST the CSRF token, before any route. Live event streams are capped
 * per session.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ConsoleBackend, TenantId } from './backend';
import type { ConsoleSettings, RequestContext, SignedIn } from './context';
import { describeError } from './errors';
import { enc } from './html';
import { readForm, redirect, sendHtml } from './http';
import { handleGet } from './get-routes';
import { errorPage, type PageContext } from './pages/layout';
import { signInPage } from './pages/sign-in';
import { handlePost } from './post-routes';
import { RateLimiter } from '../gateway/guards/rate-limit';
import {
  cookie,
  MemorySessionEnds,
  parseCookies,
  sessionCookies,
  SessionSealer,
  tokensEqual,
  type Session,
  type SessionEnds,
} from './session';
import { serveStatic } from './static-files';

export interface ConsoleOptions {
  backend: ConsoleBackend;
  /** Mount path. @default '/console' */
  basePath?: string;
  /** 32 bytes shared by every process serving the console. @default random per process */
  sessionSecret?: Uint8Array;
  /** Served over HTTPS: `__Host-` cookies (Path=/, Secure). @default false */
  secureCookies?: boolean;
  /** Where signed-out sessions are recorded, so a copied cookie stops working. @default this process's memory */
  sessionEnds?: SessionEnds;
  /** Requests one session may make (token bucket, per process), static files aside. @default { perSecond: 10, burst: 60 } */
  sessionRate?: { perSecond: number; burst: number };
  /** Live event streams (`<base>/events`) one session may hold open at once (per process). @default 4 */
  maxStreamsPerSession?: number;
  /** @default 12 h @unit ms */
  sessionTtlMs?: number;
  /** How long a key, once checked, is trusted before it is checked again. @default 30 s @unit ms */
  keyRecheckMs?: number;
  /** Pipeline examples offered on the Start page. @default <repo>/examples */
  examplesDir?: string;
  /** @default 16 MiB @unit bytes */
  maxBodyBytes?: number;
  /** How often live pages look for changes. @default 1000 @unit ms */
  liveIntervalMs?: number;
  /** Called with unexpected errors (answered 500 without details). */
  onError?: (err: unknown, req: IncomingMessage) => void;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type Settings = ConsoleSettings &
  Required<
    Pick<ConsoleOptions, 'secureCookies' | 'sessionTtlMs' | 'keyRecheckMs' | 'sessionRate' | 'maxStreamsPerSession'>
  >;

function addDefaults(o: ConsoleOptions): Settings {
  return {
    backend: o.backend,
    base: (o.basePath ?? '/console').replace(/\/+$/, ''),
    examplesDir: o.examplesDir ?? path.resolve(__dirname, '../../examples'),
    maxBodyBytes: o.maxBodyBytes ?? 16 * 1024 * 1024,
    liveIntervalMs: o.liveIntervalMs ?? 1000,
    secureCookies: o.secureCookies ?? false,
    sessionTtlMs: o.sessionTtlMs ?? 12 * 3600_000,
    keyRecheckMs: o.keyRecheckMs ?? 30_000,
    sessionRate: o.sessionRate ?? { perSecond: 10, burst: 60 },
    maxStreamsPerSession: o.maxStreamsPerSession ?? 4,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * False for a browser's post from another origin (a forged form, a sibling host): `Sec-Fetch-Site` other than
 * `same-origin`, else an `Origin` that is not this host. A client that sends neither is no browser (nothing to
 * forge a post with); the CSRF token still applies to it.
 */
export function fromOwnOrigin(req: IncomingMessage): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = header(req, 'origin');
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === req.headers.host;
}

/**
 * Where sign-in may send a person afterwards: a path of this console (under `base`, not the sign-in page itself), as
 * path and query only. Anything else (another origin, `//host`, a backslash, a scheme, a control character) is
 * undefined, so a link cannot turn sign-in into an open redirect.
 */
export function safeNext(base: string, next: string | null | undefined): string | undefined {
  if (!next || next.length > 2000 || !next.startsWith(`${base}/`) || /[\\\s]/.test(next)) return undefined;
  if ([...next].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return undefined;
  if (next.startsWith('//')) return undefined;
  const origin = 'http://console.local';
  if (!URL.canParse(next, origin)) return undefined;
  const url = new URL(next, origin);
  if (url.origin !== origin || !url.pathname.startsWith(`${base}/`) || url.pathname === `${base}/sign-in`) {
    return undefined;
  }
  return url.pathname + url.search;
}

export function createConsoleHandler(opts: ConsoleOptions): ConsoleHandler {
  const s = addDefaults(opts);
  const sealer = new SessionSealer(opts.sessionSecret);
  const ends = opts.sessionEnds ?? new MemorySessionEnds();
  const names = sessionCookies(s.base, s.secureCookies);
  const limiter = new RateLimiter();
  const streams = new Map<string, number>();
  const checked = new Map<string, { tenant: TenantId; at: number }>();
  const cookieOpts = (maxAgeS: number) => ({ path: names.path, maxAgeS, secure: names.secure });

  /** The session, if it was not signed out and its key still names its tenant. */
  async function sessionOf(req: IncomingMessage): Promise<Session | null> {
    const session = sealer.open(parseCookies(req.headers.cookie)[names.session]);
    if (!session || (await ends.isEnded(session))) return null;
    const digest = createHash('sha256').update(session.apiKey).digest('hex');
    const hit = checked.get(digest);
    if (hit && Date.now() - hit.at < s.keyRecheckMs) return hit.tenant === session.tenant ? session : null;
    const tenant = await s.backend.authenticate(session.apiKey);
    if (tenant === null) {
      checked.delete(digest);
      return null;
    }
    checked.set(digest, { tenant, at: Date.now() });
    return tenant === session.tenant ? session : null;
  }

  async function signIn(c: RequestContext): Promise<void> {
    const preCookie = parseCookies(c.req.headers.cookie)[names.pre];
    if (c.req.method !== 'POST') {
      const next = safeNext(s.base, c.url.searchParams.get('next'));
      // A second sign-in tab keeps the first one's form valid: a live form cookie is reused.
      const live = sealer.signInToken(preCookie);
      if (live) return sendHtml(c.res, 200, signInPage(c.page, live, undefined, next));
      const pre = sealer.createSignIn(Date.now() + 3600_000);
      sendHtml(c.res, 200, signInPage(c.page, pre.token, undefined, next), {
        'set-cookie': cookie(names.pre, pre.value, cookieOpts(3600)),
      });
      return;
    }
    const form = await readForm(c.req, 64 * 1024);
    const expected = sealer.signInToken(preCookie);
    if (!tokensEqual(form.get('_csrf'), expected)) return refuseCsrf(c);
    const apiKey = form.get('apiKey')?.trim() ?? '';
    const next = safeNext(s.base, form.get('next'));
    const tenant = apiKey ? await s.backend.authenticate(apiKey) : null;
    if (!tenant) {
      sendHtml(c.res, 401, signInPage(c.page, expected!, 'That API key is not valid.', next));
      return;
    }
    const { value } = sealer.create(tenant, apiKey, Date.now() + s.sessionTtlMs);
    redirect(c.res, next ?? `${s.base}/jobs`, [
      cookie(names.session, value, cookieOpts(Math.floor(s.sessionTtlMs / 1000))),
      cookie(names.pre, '', cookieOpts(0)),
    ]);
  }

  function refuseCsrf(c: RequestContext): void {
    sendHtml(
      c.res,
      403,
      errorPage(c.page, 403, 'Form refused', 'The form carried no valid CSRF token. Reload the page and try again.')
    );
  }

  function tooMany(c: RequestContext, waitS: number, what: string): true {
    sendHtml(c.res, 429, errorPage(c.page, 429, 'Slow down', `${what}; try again in ${waitS} s.`), {
      'retry-after': String(waitS),
    });
    return true;
  }

  /** The event stream, counted against the session's cap while it is open. */
  async function stream(c: SignedIn): Promise<boolean> {
    const sid = c.session.sid;
    const open = streams.get(sid) ?? 0;
    if (open >= s.maxStreamsPerSession)
      return tooMany(c, 5, `At most ${s.maxStreamsPerSession} live pages per session are open`);
    streams.set(sid, open + 1);
    try {
      return await handleGet(c);
    } finally {
      const left = (streams.get(sid) ?? 1) - 1;
      if (left > 0) streams.set(sid, left);
      else streams.delete(sid);
    }
  }

  async function route(c: RequestContext): Promise<boolean> {
    const [first, second] = c.segments;
    if (first === 'static' && second && c.req.method === 'GET') return serveStatic(c.res, second);
    if (c.req.method === 'POST' && !fromOwnOrigin(c.req)) return (refuseCsrf(c), true);
    if (first === 'sign-in' && c.segments.length === 1) return (await signIn(c), true);
    const session = await sessionOf(c.req);
    if (!session) {
      if (c.req.method === 'GET' && first !== 'events') {
        redirect(c.res, `${s.base}/sign-in?next=${enc(c.url.pathname + c.url.search)}`);
      } else sendHtml(c.res, first === 'events' ? 401 : 403, errorPage(c.page, 403, 'Signed out', 'Sign in again.'));
      return true;
    }
    const signed: SignedIn = { ...c, session, page: { base: s.base, tenant: session.tenant, csrf: session.csrf } };
    const wait = limiter.take(session.sid, s.sessionRate.perSecond, s.sessionRate.burst);
    if (wait > 0) return tooMany(signed, wait, 'Too many requests from this session');
    if (first === 'events' && c.req.method === 'GET') return stream(signed);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return handleGet(signed);
    if (c.req.method !== 'POST') return false;
    const form = await readForm(c.req, s.maxBodyBytes);
    if (!tokensEqual(form.get('_csrf'), session.csrf)) return (refuseCsrf(signed), true);
    if (first === 'sign-out' && c.segments.length === 1) {
      await ends.end(session);
      redirect(c.res, `${s.base}/sign-in`, [cookie(names.session, '', cookieOpts(0))]);
      return true;
    }
    return handlePost(signed, form);
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    if (url.pathname !== s.base && !url.pathname.startsWith(`${s.base}/`)) return false;
    let segments: string[];
    try {
      segments = url.pathname.slice(s.base.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return false;
    }
    const page: PageContext = { base: s.base };
    const c: RequestContext = { req, res, url, segments, session: null, page, settings: s };
    try {
      const handled = await route(c);
      if (!handled && !res.headersSent) sendHtml(res, 404, errorPage(page, 404, 'Not found', 'There is no such page.'));
      return true;
    } catch (err) {
      const e = describeError(err);
      if (e.status >= 500) opts.onError?.(err, req);
      if (!res.headersSent)
        sendHtml(res, e.status, errorPage(c.page, e.status, e.status >= 500 ? 'Error' : 'Refused', e.message));
      else res.end();
      return true;
    }
  };
}
