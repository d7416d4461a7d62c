/**
 * {@link AssetStore} on a local directory. Good for one worker host or a shared volume; content addressing plus
 * atomic renames make concurrent and repeated writes of the same bytes safe without locks.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeKey, buildAssetKey, keyOf, sha256FromKey, sha256Hex } from './asset-keys';
import {
  AssetIntegrityError,
  AssetNotFoundError,
  InvalidAssetKeyError,
  type AssetStore,
  type PutAssetOptions,
} from './asset-store';
import type { AssetRef } from '../shared/types';

/** Where {@link LocalAssetStore} keeps files unless told otherwise (relative to the working directory). */
export const DEFAULT_ASSET_DIR = './data/assets';

export interface LocalAssetStoreOptions {
  /** Root directory; created on first write. @default './data/assets' */
  dir?: string;
  /** Re-hash on every `get` and throw {@link AssetIntegrityError} on mismatch. @default true */
  verifyOnRead?: boolean;
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Stores each asset at `<dir>/<prefix>/<sha256>.<ext>`. */
export class LocalAssetStore implements AssetStore {
  readonly root: string;
  private readonly verifyOnRead: boolean;

  constructor(opts: LocalAssetStoreOptions = {}) {
    this.root = path.resolve(opts.dir ?? DEFAULT_ASSET_DIR);
    this.verifyOnRead = opts.verifyOnRead ?? true;
  }

  async put(bytes: Uint8Array, opts: PutAssetOptions): Promise<AssetRef> {
    const sha256 = sha256Hex(bytes);
    const key = buildAssetKey(sha256, opts);
    const file = this.pathFor(key);
    const ref: AssetRef = { key, sha256, size: bytes.byteLength, contentType: opts.contentType };
    // Files only appear by rename of a complete, synced temp file, so an existing one of the right size holds these bytes.
    const existing = await stat(file).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
    if (existing?.isFile() && existing.size === bytes.byteLength) return ref;

    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    // Same directory as the target: rename is atomic only within one file system.
    const tmp = path.join(dir, `.${sha256}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        // Without fsync a crash after rename can leave a named but empty file that later puts would trust.
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return ref;
  }

  async get(ref: AssetRef | string): Promise<Uint8Array> {
    const key = keyOf(ref);
    const file = this.pathFor(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') throw new AssetNotFoundError(key);
      throw err;
    }
    if (this.verifyOnRead) {
      const expected = typeof ref === 'string' ? sha256FromKey(key) : ref.sha256;
      if (expected) {
        const actual = sha256Hex(bytes);
        if (actual !== expected) throw new AssetIntegrityError(key, expected, actual);
      }
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(ref: AssetRef | string): Promise<boolean> {
    const file = this.pathFor(keyOf(ref));
    try {
      return (await stat(file)).isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  locate(ref: AssetRef | string): string {
    return this.pathFor(keyOf(ref));
  }

  /** Absolute path of a key; throws InvalidAssetKeyError for any key that is not plainly inside the root. */
  private pathFor(key: string): string {
    assertSafeKey(key);
    const file = path.resolve(this.root, ...key.split('/'));
    // assertSafeKey already excludes escapes; this second check keeps it true if the key rules ever loosen.
    if (!file.startsWith(this.root + path.sep)) throw new InvalidAssetKeyError(key, 'resolves outside the store');
    return file;
  }
}
