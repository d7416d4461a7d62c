/**
 * Console sessions in an AES-256-GCM sealed cookie: a random session id, the tenant, its API key (so every request
 * re-checks it and a revoked key ends the session) and the expiry. The key lives only inside the sealed cookie,
 * which is `HttpOnly` and `SameSite=Strict`; no page ever contains it. The CSRF token of a form is an HMAC of the
 * session id (of the sign-in form's own nonce before a session exists), so a token fits one session only. Over
 * HTTPS the cookies are `__Host-` cookies (Path=/, Secure, no Domain: a sibling host cannot set them). With several
 * gateway processes, give them the same secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Sealer } from '../gateway/sealed';
import type { TenantId } from './backend';

export interface Session {
  /** Random id: what sign-out records as ended, and what the CSRF token and rate limits are bound to. */
  sid: string;
  tenant: TenantId;
  apiKey: string;
  /** The CSRF token forms of this session carry (derived from `sid`, not stored). */
  csrf: string;
  /** Epoch ms after which the cookie is refused. */
  exp: number;
}

/** Cookie names and path: `__Host-` names at `/` over HTTPS, plain names at the mount path otherwise. */
export interface SessionCookies {
  session: string;
  /** The sign-in form's sealed nonce, before a session exists. */
  pre: string;
  path: string;
  secure: boolean;
}

export function sessionCookies(base: string, secure: boolean): SessionCookies {
  return secure
    ? { session: '__Host-mjc_session', pre: '__Host-mjc_pre', path: '/', secure }
    : { session: 'mjc_session', pre: 'mjc_pre', path: base || '/', secure };
}

type Stored = Pick<Session, 'sid' | 'tenant' | 'apiKey' | 'exp'>;

export class SessionSealer {
  private readonly sealer: Sealer;
  private readonly macKey: Buffer;

  /** @param secret 32 bytes; a random one (sessions end when the process does) when absent. */
  constructor(secret?: Uint8Array) {
    if (secret !== undefined && secret.byteLength !== 32) throw new TypeError('session secret must be 32 bytes');
    const key = secret ? Buffer.from(secret) : randomBytes(32);
    this.sealer = new Sealer(key);
    this.macKey = createHmac('sha256', key).update('csrf').digest();
  }

  private token(purpose: string, id: string): string {
    return createHmac('sha256', this.macKey).update(`${purpose}\n${id}`).digest('base64url');
  }

  /** A new session's cookie value and the session. */
  create(tenant: TenantId, apiKey: string, exp: number): { value: string; session: Session } {
    const stored: Stored = { sid: newToken(), tenant, apiKey, exp };
    return { value: this.sealer.seal(stored), session: { ...stored, csrf: this.token('session', stored.sid) } };
  }

  /** The session in a cookie value, or null when it is forged, damaged or expired. */
  open(value: string | undefined, now = Date.now()): Session | null {
    const s = this.sealer.open(value) as Partial<Stored> | null;
    if (!s || typeof s !== 'object') return null;
    if (typeof s.sid !== 'string' || typeof s.tenant !== 'string' || typeof s.apiKey !== 'string') return null;
    if (typeof s.exp !== 'number' || s.exp <= now) return null;
    return { sid: s.sid, tenant: s.tenant, apiKey: s.apiKey, exp: s.exp, csrf: this.token('session', s.sid) };
  }

  /** The sign-in form's cookie value (a sealed nonce) and the token its form carries. */
  createSignIn(exp: number): { value: string; token: string } {
    const nonce = newToken();
    return { value: this.sealer.seal({ nonce, exp }), token: this.token('sign-in', nonce) };
  }

  /** The token a sign-in form must carry with this cookie, or null when the cookie is forged or expired. */
  signInToken(value: string | undefined, now = Date.now()): string | null {
    const v = this.sealer.open(value) as { nonce?: unknown; exp?: unknown } | null;
    if (!v || typeof v.nonce !== 'string' || typeof v.exp !== 'number' || v.exp <= now) return null;
    return this.token('sign-in', v.nonce);
  }
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of two tokens. */
export function tokensEqual(a: string | null | undefined, b: string | null | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

export function cookie(name: string, value: string, opts: { path: string; maxAgeS: number; secure: boolean }): string {
  const parts = [`${name}=${value}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${opts.maxAgeS}`];
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** What {@link SessionEnds} needs of a session. */
export type SessionRef = Pick<Session, 'sid' | 'exp'>;

/**
 * Sessions ended before their expiry (signed out), so a copied cookie stops working on the server, not only in the
 * browser that signed out. `end` is called once per sign-out; `isEnded` on every signed-in request.
 */
export interface SessionEnds {
  end(session: SessionRef): Promise<void>;
  isEnded(session: SessionRef): Promise<boolean>;
}

/** {@link SessionEnds} in this process only (a console served alone); an ended session is forgotten at its expiry. */
export class MemorySessionEnds implements SessionEnds {
  private readonly ended = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async end(session: SessionRef): Promise<void> {
    const t = this.now();
    for (const [sid, exp] of this.ended) if (exp <= t) this.ended.delete(sid);
    this.ended.set(session.sid, session.exp);
  }

  async isEnded(session: SessionRef): Promise<boolean> {
    return this.ended.has(session.sid);
  }
}
