/**
 * API keys: `mjk_<id>_<43 chars of 256 random bits>`. The id finds the record; the registry stores only the
 * SHA-256 of the whole key (a key with 256 random bits needs no slow hash), compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_RE = /^mjk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newApiKey(): { key: string; keyId: string; hash: string } {
  const idBytes = randomBytes(12);
  const keyId = [...idBytes].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const key = `mjk_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { key, keyId, hash: hashKey(key) };
}

/** The key id of a well-formed key, else undefined (the caller still spends a compare, see `matchKey`). */
export function keyIdOf(key: string): string | undefined {
  return KEY_RE.exec(key)?.[1];
}

/** The secret (random) part of a well-formed key, else undefined; its 43 characters may include `_` and `-`. */
export function keySecretOf(key: string): string | undefined {
  return KEY_RE.exec(key)?.[2];
}

const DUMMY = hashKey('mjk_000000000000_none');

/** Constant-time comparison of a presented key with a stored hash (a missing hash still costs one compare). */
export function matchKey(key: string, storedHash: string | undefined): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(storedHash ?? DUMMY, 'hex');
  return a.length === b.length && timingSafeEqual(a, b) && storedHash !== undefined;
}
