/**
 * Where bytes live (masks, reference images, captured results), so workflow history only ever holds references.
 */
import type { AssetRef } from '../shared/types';

export interface PutAssetOptions {
  contentType: string;
  /** Key prefix, e.g. "masks" or "images/<jobId>". */
  prefix: string;
  /** File extension without the dot. @default derived from contentType */
  extension?: string;
}

export interface AssetStore {
  /** Stores bytes under a content-addressed key (same bytes, same key: storing twice is harmless). */
  put(bytes: Uint8Array, opts: PutAssetOptions): Promise<AssetRef>;
  /** Reads an asset back; throws AssetNotFoundError when absent. */
  get(ref: AssetRef | string): Promise<Uint8Array>;
  has(ref: AssetRef | string): Promise<boolean>;
  /** A location a person can open (file path or URL), for CLI output. */
  locate(ref: AssetRef | string): string;
}

/** Thrown by {@link AssetStore.get} when the key is unknown. */
export class AssetNotFoundError extends Error {
  override readonly name = 'AssetNotFoundError';
  readonly code = 'ASSET_NOT_FOUND';
  constructor(readonly key: string) {
    super(`asset not found: ${key}`);
  }
}

/** Thrown for a key that could escape the store (`..`, absolute path, backslash) or has characters a store cannot hold. */
export class InvalidAssetKeyError extends Error {
  override readonly name = 'InvalidAssetKeyError';
  readonly code = 'INVALID_ASSET_KEY';
  constructor(
    readonly key: string,
    reason: string
  ) {
    super(`invalid asset key ${JSON.stringify(key.slice(0, 200))}: ${reason}`);
  }
}

/** Thrown by {@link AssetStore.get} when the stored bytes no longer hash to the sha256 in their key or ref. */
export class AssetIntegrityError extends Error {
  override readonly name = 'AssetIntegrityError';
  readonly code = 'ASSET_INTEGRITY';
  constructor(
    readonly key: string,
    readonly expectedSha256: string,
    readonly actualSha256: string
  ) {
    super(`asset ${key} is corrupt: expected sha256 ${expectedSha256}, got ${actualSha256}`);
  }
}
