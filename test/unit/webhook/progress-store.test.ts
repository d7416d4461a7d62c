import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { memoWithStoredProgress, withStoredProgress } from '../../../src/webhook/progress-overlay';
import {
  DirProgressStore,
  InvalidProgressKeyError,
  MemoryProgressStore,
  newerProgress,
  progressEntry,
  type ProgressStore,
} from '../../../src/webhook/progress-store';
import type { JobProgress } from '../../../src/shared/types';
import type { JobMemo } from '../../../src/shared/job-memo';

const stores: [string, () => ProgressStore][] = [
  ['memory', () => new MemoryProgressStore()],
  ['directory', () => new DirProgressStore(path.join(mkdtempSync(path.join(tmpdir(), 'mj-progress-')), 'p'))],
];

describe.each(stores)('%s progress store', (_name, make) => {
  it('says which delivery is a task’s first and never lets an older one replace a newer one', async () => {
    const store = make();
    expect(await store.put(progressEntry({ id: 'T1', status: 'SUBMITTED', progress: '0%' }, 1))).toEqual({
      first: true,
    });
    expect(await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '40%' }, 2))).toEqual({
      first: false,
    });
    await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '15%' }, 3));
    expect(await store.get('T1')).toMatchObject({ status: 'IN_PROGRESS', progress: '40%', progressPct: 40, at: 2 });
    expect(await store.get('T2')).toBeUndefined();
  });
});

describe('DirProgressStore', () => {
  it('refuses a task id that could leave the directory, and reads it as absent', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-progress-'));
    const store = new DirProgressStore(dir);
    await expect(store.put(progressEntry({ id: '../x', status: 'IN_PROGRESS', progress: '1%' }, 1))).rejects.toThrow(
      InvalidProgressKeyError
    );
    await expect(store.put(progressEntry({ id: '..', status: 'IN_PROGRESS' }, 1))).rejects.toMatchObject({
      code: 'INVALID_PROGRESS_KEY',
      field: 'taskId',
    });
    expect(await store.get('../x')).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is shared by two instances on one directory (two receivers, a reader)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-progress-'));
    await new DirProgressStore(dir).put(progressEntry({ id: 'T9', status: 'IN_PROGRESS', progress: '70%' }, 1));
    expect((await new DirProgressStore(dir).put(progressEntry({ id: 'T9', status: 'SUBMITTED' }, 2))).first).toBe(
      false
    );
    expect((await new DirProgressStore(dir).get('T9'))?.progressPct).toBe(70);
  });
});

describe('reader overlay', () => {
  const entry = progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '55%' }, 1);

  it('wins only for the same task, further along, and never with terminal news', () => {
    expect(newerProgress({ taskId: 'T1', status: 'IN_PROGRESS', progress: '30%' }, entry)).toBe(entry);
    expect(newerProgress({ taskId: 'T1', status: 'IN_PROGRESS', progress: '60%' }, entry)).toBeUndefined();
    expect(newerProgress({ taskId: 'T2', status: 'SUBMITTED' }, entry)).toBeUndefined();
    const success = progressEntry({ id: 'T1', status: 'SUCCESS', progress: '100%' }, 2);
    expect(newerProgress({ taskId: 'T1', status: 'IN_PROGRESS', progress: '30%' }, success)).toBeUndefined();
  });

  it('lays a newer percentage over the progress query and the memo while the job is open', async () => {
    const store = new MemoryProgressStore();
    await store.put(entry);
    const p = { phase: 'queued', taskId: 'T1', status: 'SUBMITTED', progressPct: 0 } as JobProgress;
    expect(await withStoredProgress(p, store)).toMatchObject({
      phase: 'running',
      status: 'IN_PROGRESS',
      progressPct: 55,
    });
    expect(await withStoredProgress({ ...p, phase: 'succeeded' }, store)).toMatchObject({ phase: 'succeeded' });
    expect(await withStoredProgress(p, undefined)).toBe(p);
    const m = { phase: 'running', taskId: 'T1', status: 'IN_PROGRESS', progress: '20%' } as JobMemo;
    expect(await memoWithStoredProgress(m, store)).toMatchObject({ progress: '55%', status: 'IN_PROGRESS' });
  });
});

describe('watch: readers hear of writes without polling', () => {
  test('a memory store calls its listeners with the task id; an unsubscribed one is not called', async () => {
    const store = new MemoryProgressStore();
    const heard: string[] = [];
    const stop = store.watch((id) => heard.push(id));
    await store.put(progressEntry({ id: 'T1', status: 'IN_PROGRESS', progress: '10%' }, 1));
    stop();
    await store.put(progressEntry({ id: 'T2', status: 'IN_PROGRESS', progress: '10%' }, 2));
    expect(heard).toEqual(['T1']);
  });

  test("a directory store hears another instance's write to the same directory", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'mj-progress-')), 'p');
    const reader = new DirProgressStore(dir);
    const writer = new DirProgressStore(dir);
    let stop = () => undefined as void;
    const heard = new Promise<string>((resolve) => {
      stop = reader.watch((id) => resolve(id));
    });
    // The watch starts once the directory exists; writes until it is heard (each one is a new rename event).
    let n = 0;
    const write = setInterval(
      () => void writer.put(progressEntry({ id: 'T7', status: 'IN_PROGRESS', progress: `${++n}%` }, n)),
      50
    );
    try {
      expect(await heard).toBe('T7');
    } finally {
      clearInterval(write);
      stop();
    }
  });
});
