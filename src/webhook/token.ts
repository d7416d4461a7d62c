/**
 * The webhook's only credential is a secret path segment (proxies send no signature, contract §10). Comparing it must
 * not leak, through timing, how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Constant-time token check: both sides are hashed first, so the comparison always runs over 32 equal-length bytes
 * whatever the length of the guess (`timingSafeEqual` itself throws on unequal lengths, which would leak the length).
 */
export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}
