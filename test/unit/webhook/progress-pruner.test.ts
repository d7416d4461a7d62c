/**
 * Pruning the progress directory: entries no delivery touched within the retention go, fresh ones and files that are
 * not entries stay, temp files a dead writer left go after an hour; the receiver's pruner sweeps at once on start.
 */
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { startProgressPruning } from '../../../src/webhook/progress-pruner';
import { DirProgressStore, progressEntry } from '../../../src/webhook/progress-store';

const HOUR = 3_600_000;

function age(dir: string, name: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  utimesSync(path.join(dir, name), t, t);
}

async function storeWith(): Promise<{ store: DirProgressStore; dir: string }> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'mj-prune-')), 'p');
  const store = new DirProgressStore(dir);
  for (const id of ['OLD1', 'OLD2', 'NEW1']) {
    await store.put(progressEntry({ id, status: 'IN_PROGRESS', progress: '15%' }, Date.now()));
  }
  age(dir, 'OLD1.json', 25 * HOUR);
  age(dir, 'OLD2.json', 48 * HOUR);
  age(dir, 'NEW1.json', 23 * HOUR);
  writeFileSync(path.join(dir, 'NEW2.json.123.abc.tmp'), '{');
  writeFileSync(path.join(dir, 'DEAD.json.99.x.tmp'), '{');
  age(dir, 'DEAD.json.99.x.tmp', 2 * HOUR);
  writeFileSync(path.join(dir, 'README'), 'not ours');
  age(dir, 'README', 100 * HOUR);
  return { store, dir };
}

describe('DirProgressStore.prune', () => {
  it('removes entries older than the retention and stale temp files, keeping the rest', async () => {
    const { store, dir } = await storeWith();
    expect(await store.prune(24 * HOUR)).toEqual({ removed: 3, kept: 2 });
    expect(readdirSync(dir).sort()).toEqual(['NEW1.json', 'NEW2.json.123.abc.tmp', 'README']);
    expect(await store.get('NEW1')).toMatchObject({ taskId: 'NEW1', progress: '15%' });
    expect(await store.get('OLD1')).toBeUndefined();
  });

  it('answers nothing removed for a directory that does not exist yet', async () => {
    const store = new DirProgressStore(path.join(mkdtempSync(path.join(tmpdir(), 'mj-prune-')), 'never'));
    expect(await store.prune(HOUR)).toEqual({ removed: 0, kept: 0 });
  });
});

describe('startProgressPruning', () => {
  it('sweeps once at start and logs what it removed', async () => {
    const { store, dir } = await storeWith();
    const info = jest.fn();
    const pruner = startProgressPruning(store, { retentionMs: 24 * HOUR, log: { info, warn: jest.fn() } });
    await pruner.lastSweep;
    pruner.stop();
    expect(readdirSync(dir)).not.toContain('OLD1.json');
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ removed: 3, kept: 2, dir }), 'progress entries pruned');
  });
});

describe('MJ_PROGRESS_RETENTION', () => {
  const base = { MJ_BASE_URL: 'http://proxy.test', MJ_API_KEY: 'k' };
  it('defaults to 24h and refuses less than an hour, naming the field', () => {
    expect(loadConfig(base).progress.retention).toBe('24h');
    expect(loadConfig({ ...base, MJ_PROGRESS_RETENTION: '3d' }).progress.retention).toBe('3d');
    expect(() => loadConfig({ ...base, MJ_PROGRESS_RETENTION: '10m' })).toThrow(/MJ_PROGRESS_RETENTION.*at least 1h/);
  });
});
