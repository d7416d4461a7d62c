import type { JobView } from '../../../src/gateway/tasks/gateway-memo';
import { ViewCache } from '../../../src/gateway/tasks/view-cache';

function view(execution: string, phase = 'running'): JobView {
  return {
    gateway: { v: 1, tenant: 't', taskId: '1', action: 'IMAGINE', submitTime: 1, prompt: 'p', endpoint: 'imagine' },
    job: { v: 1, phase: phase as never, kind: 'imagine', mode: 'FAST', submitTime: 1 },
    execution,
  };
}

describe('view cache', () => {
  let now = 0;
  const cache = () => new ViewCache({ openTtlMs: 1_000, closedTtlMs: 60_000, maxEntries: 2, now: () => now });
  beforeEach(() => (now = 1_000_000));

  test('an open job is reused for openTtlMs only, then described again', async () => {
    const c = cache();
    const load = jest.fn(async () => view('RUNNING'));
    await c.get('a', load);
    now += 999;
    await c.get('a', load);
    expect(load).toHaveBeenCalledTimes(1);
    now += 2;
    await c.get('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('a closed job (final) is kept for closedTtlMs', async () => {
    const c = cache();
    const load = jest.fn(async () => view('COMPLETED', 'succeeded'));
    await c.get('a', load);
    now += 59_000;
    await c.get('a', load);
    expect(load).toHaveBeenCalledTimes(1);
    now += 2_000;
    await c.get('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('not found is never kept: an id started a moment later is seen at once', async () => {
    const c = cache();
    const load = jest.fn().mockResolvedValueOnce(undefined).mockResolvedValueOnce(view('RUNNING'));
    expect(await c.get('a', load)).toBeUndefined();
    expect(await c.get('a', load)).toMatchObject({ execution: 'RUNNING' });
  });

  test('invalidate drops the entry (a write through this process shows on the next read)', async () => {
    const c = cache();
    const load = jest
      .fn()
      .mockResolvedValueOnce(view('RUNNING', 'waiting-modal'))
      .mockResolvedValueOnce(view('RUNNING'));
    await c.get('a', load);
    c.invalidate('a');
    expect((await c.get('a', load))?.job?.phase).toBe('running');
  });

  test('concurrent misses share one load; a failed load is not kept', async () => {
    const c = cache();
    let release!: (v: JobView) => void;
    const load = jest.fn(() => new Promise<JobView>((r) => (release = r)));
    const both = Promise.all([c.get('a', load), c.get('a', load)]);
    release(view('RUNNING'));
    await both;
    expect(load).toHaveBeenCalledTimes(1);
    const failing = jest.fn().mockRejectedValueOnce(new Error('unavailable')).mockResolvedValueOnce(view('RUNNING'));
    now += 5_000;
    await expect(c.get('a', failing)).rejects.toThrow('unavailable');
    await expect(c.get('a', failing)).resolves.toBeDefined();
  });

  test('at most maxEntries views, oldest dropped first', async () => {
    const c = cache();
    for (const k of ['a', 'b', 'c']) await c.get(k, async () => view('COMPLETED', 'succeeded'));
    expect(c.size).toBe(2);
    const load = jest.fn(async () => view('COMPLETED', 'succeeded'));
    await c.get('a', load);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
