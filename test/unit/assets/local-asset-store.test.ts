import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AssetIntegrityError,
  AssetNotFoundError,
  InvalidAssetKeyError,
  LocalAssetStore,
  createAssetStore,
  DEFAULT_ASSET_DIR,
} from '../../../src/assets';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('LocalAssetStore', () => {
  let dir: string;
  let store: LocalAssetStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'assets-'));
    store = new LocalAssetStore({ dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores bytes under <prefix>/<sha256>.<ext> and reads them back', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const ref = await store.put(bytes, { contentType: 'image/png', prefix: 'masks' });
    expect(ref).toEqual({ key: `masks/${sha(bytes)}.png`, sha256: sha(bytes), size: 5, contentType: 'image/png' });
    expect(Array.from(await store.get(ref))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(await store.get(ref.key))).toEqual([1, 2, 3, 4, 5]);
    expect(await store.has(ref)).toBe(true);
    expect(store.locate(ref)).toBe(path.join(dir, 'masks', `${sha(bytes)}.png`));
    expect(await readFile(store.locate(ref))).toEqual(Buffer.from(bytes));
  });

  it('derives the extension from the content type unless one is given', async () => {
    const b = new Uint8Array([9]);
    expect((await store.put(b, { contentType: 'image/jpeg', prefix: 'a' })).key).toMatch(/\.jpg$/);
    expect((await store.put(b, { contentType: 'video/mp4', prefix: 'a' })).key).toMatch(/\.mp4$/);
    expect((await store.put(b, { contentType: 'application/x-weird', prefix: 'a' })).key).toMatch(/\.bin$/);
    expect((await store.put(b, { contentType: 'image/png', prefix: 'a', extension: '.PNG' })).key).toMatch(/\.png$/);
  });

  it('is idempotent: the same bytes twice give the same ref and one file, no temp files left', async () => {
    const bytes = new Uint8Array(Buffer.from('same bytes'));
    const [a, b] = await Promise.all([
      store.put(bytes, { contentType: 'image/png', prefix: 'images/job-1' }),
      store.put(bytes, { contentType: 'image/png', prefix: 'images/job-1' }),
    ]);
    const c = await store.put(bytes, { contentType: 'image/png', prefix: 'images/job-1' });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await readdir(path.join(dir, 'images', 'job-1'))).toEqual([`${sha(bytes)}.png`]);
  });

  it('different bytes give different keys', async () => {
    const a = await store.put(new Uint8Array([1]), { contentType: 'image/png', prefix: 'p' });
    const b = await store.put(new Uint8Array([2]), { contentType: 'image/png', prefix: 'p' });
    expect(a.key).not.toBe(b.key);
  });

  it('throws AssetNotFoundError for an unknown key and has() says false', async () => {
    const key = `masks/${'0'.repeat(64)}.png`;
    await expect(store.get(key)).rejects.toBeInstanceOf(AssetNotFoundError);
    await expect(store.get(key)).rejects.toMatchObject({ code: 'ASSET_NOT_FOUND', key });
    expect(await store.has(key)).toBe(false);
  });

  it('detects corrupted bytes on read', async () => {
    const ref = await store.put(new Uint8Array([7, 7, 7]), { contentType: 'image/png', prefix: 'p' });
    await writeFile(store.locate(ref), Buffer.from([6, 6, 6]));
    await expect(store.get(ref)).rejects.toBeInstanceOf(AssetIntegrityError);
    await expect(store.get(ref.key)).rejects.toBeInstanceOf(AssetIntegrityError);
  });

  it('rewrites a file whose size does not match (a leftover from a crash)', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const key = `p/${sha(bytes)}.png`;
    await mkdir(path.join(dir, 'p'), { recursive: true });
    await writeFile(path.join(dir, key), Buffer.alloc(0));
    await store.put(bytes, { contentType: 'image/png', prefix: 'p' });
    expect(Array.from(await store.get(key))).toEqual([1, 2, 3]);
  });

  describe('path traversal', () => {
    const evil = [
      '../outside.png',
      'masks/../../outside.png',
      'masks/./x.png',
      '/etc/passwd',
      'C:\\Windows\\x.png',
      'masks\\..\\x.png',
      'masks//x.png',
      'masks/x.png\u0000.txt',
      '',
      '..',
      'masks/%2e%2e/x.png',
    ];
    it.each(evil)('rejects key %j in get, has and locate', async (key) => {
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      await expect(store.has(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      expect(() => store.locate(key)).toThrow(InvalidAssetKeyError);
    });

    it.each(['..', '../x', '/abs', 'a/../b', 'a\\b', ''])('rejects prefix %j in put', async (prefix) => {
      await expect(store.put(new Uint8Array([1]), { contentType: 'image/png', prefix })).rejects.toBeInstanceOf(
        InvalidAssetKeyError
      );
    });

    it('rejects a hostile extension', async () => {
      await expect(
        store.put(new Uint8Array([1]), { contentType: 'image/png', prefix: 'p', extension: 'png/../../x' })
      ).rejects.toBeInstanceOf(InvalidAssetKeyError);
    });

    it('wrote nothing outside the root', async () => {
      const parent = await readdir(path.dirname(dir));
      await expect(store.get('../' + path.basename(dir) + '/x')).rejects.toBeInstanceOf(InvalidAssetKeyError);
      expect(await readdir(path.dirname(dir))).toEqual(parent);
    });
  });

  it('createAssetStore builds a local store on the configured directory', async () => {
    const s = createAssetStore({ kind: 'local', dir });
    const ref = await s.put(new Uint8Array([4, 2]), { contentType: 'image/gif', prefix: 'x' });
    expect(s.locate(ref)).toBe(path.join(dir, 'x', `${ref.sha256}.gif`));
    expect(new LocalAssetStore().root).toBe(path.resolve(DEFAULT_ASSET_DIR));
  });
});
