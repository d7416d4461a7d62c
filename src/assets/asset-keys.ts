/**
 * Key rules shared by every {@link AssetStore}: content-addressed `<prefix>/<sha256>.<ext>`, and a character set
 * narrow enough that a key is safe as a file path and as an S3 object name without escaping.
 */
import { createHash } from 'node:crypto';
import { InvalidAssetKeyError, type PutAssetOptions } from './asset-store';
import type { AssetRef } from '../shared/types';

const EXTENSION_BY_TYPE: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'application/json': 'json',
  'text/plain': 'txt',
};
const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(EXTENSION_BY_TYPE).map(([t, e]) => [e, t])),
  jpeg: 'image/jpeg',
};

/** Longest key accepted; S3 allows 1,024 bytes, file systems 255 per segment. */
export const MAX_ASSET_KEY_LENGTH = 512;
const SEGMENT_RE = /^[A-Za-z0-9._-]{1,128}$/;
const EXTENSION_RE = /^[a-z0-9]{1,10}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Hex sha256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** File extension for a content type (parameters ignored); `bin` when unknown. */
export function extensionForContentType(contentType: string): string {
  return EXTENSION_BY_TYPE[contentType.split(';')[0].trim().toLowerCase()] ?? 'bin';
}

/** Content type for a key's extension; `application/octet-stream` when unknown. */
export function contentTypeForKey(key: string): string {
  const dot = key.lastIndexOf('.');
  return (dot >= 0 && TYPE_BY_EXTENSION[key.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}

/** The key of a ref or a key string. */
export function keyOf(ref: AssetRef | string): string {
  return typeof ref === 'string' ? ref : ref.key;
}

/**
 * Throws {@link InvalidAssetKeyError} unless every `/`-separated segment is 1–128 of `[A-Za-z0-9._-]` and none is
 * `.` or `..`. Rejecting instead of normalising means no spelling of a key can reach outside the store.
 */
export function assertSafeKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidAssetKeyError(String(key), `empty ${what}`);
  if (key.length > MAX_ASSET_KEY_LENGTH)
    throw new InvalidAssetKeyError(key, `${what} longer than ${MAX_ASSET_KEY_LENGTH}`);
  if (key.startsWith('/') || key.includes('\\'))
    throw new InvalidAssetKeyError(key, `${what} must be relative, with / separators`);
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..')
      throw new InvalidAssetKeyError(key, `${what} must not contain "." or ".." segments`);
    if (!SEGMENT_RE.test(segment))
      throw new InvalidAssetKeyError(key, `${what} segments must be 1-128 of [A-Za-z0-9._-]`);
  }
}

/** Turns free text (a workflow id) into one valid key segment; distinct inputs may collide, which content addressing makes harmless. */
export function safeKeySegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
  return /^\.*$/.test(cleaned) ? `_${cleaned}`.slice(0, 128) : cleaned;
}

/** `<prefix>/<sha256>.<ext>`, validated. */
export function buildAssetKey(sha256: string, opts: PutAssetOptions): string {
  if (!SHA256_RE.test(sha256)) throw new InvalidAssetKeyError(sha256, 'not a lower-case hex sha256');
  const prefix = opts.prefix.replace(/\/+$/, '');
  assertSafeKey(prefix, 'prefix');
  const ext = (opts.extension ?? extensionForContentType(opts.contentType)).replace(/^\./, '').toLowerCase();
  if (!EXTENSION_RE.test(ext))
    throw new InvalidAssetKeyError(`${prefix}/${sha256}.${ext}`, 'extension must be 1-10 of [a-z0-9]');
  const key = `${prefix}/${sha256}.${ext}`;
  assertSafeKey(key);
  return key;
}

/** The sha256 named by a content-addressed key, or null for a key that names none. */
export function sha256FromKey(key: string): string | null {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const name = base.includes('.') ? base.slice(0, base.indexOf('.')) : base;
  return SHA256_RE.test(name) ? name : null;
}
