/**
 * The console as one request handler, `(req, res) => Promise<boolean>` (true = handled), so the gateway's server
 * mounts it at `/console` beside its API (contract C9), and a test or a dev process can serve it alone.
 *
 * Order per request: static files; sign-in and sign-out; then the session (an encrypted cookie whose key is checked
 * again against the backend, so a revoked key ends the session), and for a POST the CSRF token, before any route.
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
import {
  cookie,
  newToken,
  parseCookies,
  PRE_SESSION_COOKIE,
  SESSION_COOKIE,
  SessionSealer,
  tokensEqual,
  type Session,
} from './session';
import { serveStatic } from './static-files';

export interface ConsoleOptions {
  backend: ConsoleBackend;
  /** Mount path. @default '/console' */
  basePath?: string;
  /** 32 bytes shared by every process serving the console. @default random per process */
  sessionSecret?: Uint8Array;
  /** Mark cookies `Secure` (serve over HTTPS). @default false */
  secureCookies?: boolean;
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

function addDefaults(
  o: ConsoleOptions
): ConsoleSettings & Required<Pick<ConsoleOptions, 'secureCookies' | 'sessionTtlMs' | 'keyRecheckMs'>> {
  return {
    backend: o.backend,
    base: (o.basePath ?? '/console').replace(/\/+$/, ''),
    examplesDir: o.examplesDir ?? path.resolve(__dirname, '../../examples'),
    maxBodyBytes: o.maxBodyBytes ?? 16 * 1024 * 1024,
    liveIntervalMs: o.liveIntervalMs ?? 1000,
    secureCookies: o.secureCookies ?? false,
    sessionTtlMs: o.sessionTtlMs ?? 12 * 3600_000,
    keyRecheckMs: o.keyRecheckMs ?? 30_000,
  };
}

export function createConsoleHandler(opts: ConsoleOptions): ConsoleHandler {
  const s = addDefaults(opts);
  const sealer = new SessionSealer(opts.sessionSecret);
  const checked = new Map<string, { tenant: TenantId; at: number }>();
  const cookieOpts = (maxAgeS: number) => ({ path: s.base, maxAgeS, secure: s.secureCookies });

  /** The session, if its key still names its tenant. */
  async function sessionOf(req: IncomingMessage): Promise<Session | null> {
    const session = sealer.open(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!session) return null;
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
    const pre = parseCookies(c.req.headers.cookie)[PRE_SESSION_COOKIE];
    if (c.req.method !== 'POST') {
      const token = pre ?? newToken();
      sendHtml(c.res, 200, signInPage(c.page, token), {
        'set-cookie': cookie(PRE_SESSION_COOKIE, token, cookieOpts(3600)),
      });
      return;
    }
    const form = await readForm(c.req, 64 * 1024);
    if (!tokensEqual(form.get('_csrf'), pre)) return refuseCsrf(c);
    const apiKey = form.get('apiKey')?.trim() ?? '';
    const tenant = apiKey ? await s.backend.authenticate(apiKey) : null;
    if (!tenant) {
      sendHtml(c.res, 401, signInPage(c.page, pre!, 'That API key is not valid.'));
      return;
    }
    const session: Session = { tenant, apiKey, csrf: newToken(), exp: Date.now() + s.sessionTtlMs };
    redirect(c.res, `${s.base}/jobs`, [
      cookie(SESSION_COOKIE, sealer.seal(session), cookieOpts(Math.floor(s.sessionTtlMs / 1000))),
      cookie(PRE_SESSION_COOKIE, '', cookieOpts(0)),
    ]);
  }

  function refuseCsrf(c: RequestContext): void {
    sendHtml(
      c.res,
      403,
      errorPage(c.page, 403, 'Form refused', 'The form carried no valid CSRF token. Reload the page and try again.')
    );
  }

  async function route(c: RequestContext): Promise<boolean> {
    const [first, second] = c.segments;
    if (first === 'static' && second && c.req.method === 'GET') return serveStatic(c.res, second);
    if (first === 'sign-in' && c.segments.length === 1) return (await signIn(c), true);
    const session = await sessionOf(c.req);
    if (!session) {
      if (c.req.method === 'GET' && first !== 'events') {
        redirect(c.res, `${s.base}/sign-in?next=${enc(c.url.pathname)}`);
      } else sendHtml(c.res, first === 'events' ? 401 : 403, errorPage(c.page, 403, 'Signed out', 'Sign in again.'));
      return true;
    }
    const signed: SignedIn = { ...c, session, page: { base: s.base, tenant: session.tenant, csrf: session.csrf } };
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return handleGet(signed);
    if (c.req.method !== 'POST') return false;
    const form = await readForm(c.req, s.maxBodyBytes);
    if (!tokensEqual(form.get('_csrf'), session.csrf)) return (refuseCsrf(signed), true);
    if (first === 'sign-out' && c.segments.length === 1) {
      redirect(c.res, `${s.base}/sign-in`, [cookie(SESSION_COOKIE, '', cookieOpts(0))]);
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
