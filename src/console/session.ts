/**
 * Console sessions in an AES-256-GCM encrypted cookie: the tenant, its API key (so every request re-checks it and a
 * revoked key ends the session) and the CSRF token. The key lives only inside the sealed cookie, which is `HttpOnly`
 * and `SameSite=Strict`; no page ever contains it. With several gateway processes, give them the same secret.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TenantId } from './backend';

export interface Session {
  tenant: TenantId;
  apiKey: string;
  csrf: string;
  /** Epoch ms after which the cookie is refused. */
  exp: number;
}

export const SESSION_COOKIE = 'mjc_session';
/** The sign-in form's CSRF token, before a session exists (double submit: cookie and form field must match). */
export const PRE_SESSION_COOKIE = 'mjc_pre';

export class SessionSealer {
  private readonly key: Buffer;

  /** @param secret 32 bytes; a random one (sessions end when the process does) when absent. */
  constructor(secret?: Uint8Array) {
    if (secret !== undefined && secret.byteLength !== 32) throw new TypeError('session secret must be 32 bytes');
    this.key = secret ? Buffer.from(secret) : randomBytes(32);
  }

  seal(session: Session): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The session in a cookie value, or null when it is forged, damaged or expired. */
  open(value: string | undefined, now = Date.now()): Session | null {
    if (!value) return null;
    try {
      const raw = Buffer.from(value, 'base64url');
      if (raw.length < 29) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const s = JSON.parse(text) as Session;
      if (typeof s.tenant !== 'string' || typeof s.csrf !== 'string' || typeof s.apiKey !== 'string') return null;
      return s.exp > now ? s : null;
    } catch {
      return null;
    }
  }
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of two tokens. */
export function tokensEqual(a: string | undefined, b: string | undefined): boolean {
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
