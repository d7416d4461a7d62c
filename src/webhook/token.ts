/**
 * The webhook's only credential is a secret path segment (proxies send no signature, contract §10). Comparing it must
 * not leak, through timing, how much of a guess was right. With several upstreams each one gets its
 * own segment derived from `MJ_WEBHOOK_TOKEN`, so a delivery tells which upstream sent it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Length of a derived token: 128 bits of HMAC output as hex. */
export const UPSTREAM_TOKEN_LENGTH = 32;

/**
 * Constant-time token check: both sides are hashed first, so the comparison always runs over 32 equal-length bytes
 * whatever the length of the guess (`timingSafeEqual` itself throws on unequal lengths, which would leak the length).
 */
export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** The path token of one upstream: HMAC-SHA256(MJ_WEBHOOK_TOKEN, upstreamId) as hex, its first 32 characters. */
export function upstreamToken(secret: string, upstreamId: string): string {
  return createHmac('sha256', secret).update(upstreamId, 'utf8').digest('hex').slice(0, UPSTREAM_TOKEN_LENGTH);
}

/**
 * Which credential a path token is: the legacy token (`{ upstreamId: undefined }`), one upstream's derived token, or
 * none (null). Every candidate is compared, so the time taken does not tell which one matched.
 */
export function matchToken(
  secret: string,
  upstreamIds: readonly string[],
  given: string
): { upstreamId: string | undefined } | null {
  let found: { upstreamId: string | undefined } | null = tokenMatches(secret, given) ? { upstreamId: undefined } : null;
  for (const id of upstreamIds) {
    if (tokenMatches(upstreamToken(secret, id), given) && found === null) found = { upstreamId: id };
  }
  return given.length === 0 ? null : found;
}
