/**
 * Signatures for OUTGOING caller webhooks (our service notifying a backend that a job finished), unlike the proxies'
 * unsigned notifyHook. Header: `X-MJ-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The
 * timestamp inside the MAC lets receivers refuse replays older than a tolerance.
 *
 * Only the helpers live here; delivering (an activity with Temporal's retry policy) belongs to the activities.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-MJ-Signature';

/** Header value for `body` signed at `timestampSec`. */
export function signWebhook(secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

export type VerifyResult =
  { ok: true; timestampSec: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a header against the raw body (verify before parsing). Several `v1=` entries are accepted so a sender can
 * sign with an old and a new secret during rotation.
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  opts: { toleranceSec?: number; nowSec?: number } = {}
): VerifyResult {
  const parts = (header ?? '').split(',').map((p) => p.trim().split('=') as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const macs = parts
    .filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/.test(v))
    .map(([, v]) => Buffer.from(v!, 'hex'));
  if (!Number.isInteger(t) || macs.length === 0) return { ok: false, reason: 'malformed' };
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSec ?? 300)) return { ok: false, reason: 'stale' };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest();
  return macs.some((m) => timingSafeEqual(m, expected))
    ? { ok: true, timestampSec: t }
    : { ok: false, reason: 'mismatch' };
}
