/** The console page of a paged batch: its counts, deadline, the buttons its state allows, and the manifest link. */
import { pagedBatchView } from '../../../src/console/batch-view';
import { batchLive } from '../../../src/console/pages/group';
import type { BatchLiveProgress } from '../../../src/shared/batch-run-types';

function progress(over: Partial<BatchLiveProgress> = {}): BatchLiveProgress {
  return {
    batchId: 'mj-batch-n',
    state: 'running',
    attempt: 1,
    total: 100,
    done: 30,
    succeeded: 28,
    failed: 2,
    cancelled: 0,
    notStarted: 0,
    running: 4,
    waiting: 66,
    ratePerMinute: 12,
    eta: Date.UTC(2026, 11, 6, 5, 0),
    deadline: { at: Date.UTC(2026, 11, 6, 4, 0), reachable: false, eta: Date.UTC(2026, 11, 6, 5, 0) },
    spent: 0,
    budgetStopped: false,
    pages: [],
    runs: 1,
    maxRunEvents: 10,
    inputKey: 'batches/inputs/x.jsonl',
    settings: {},
    ...over,
  };
}

const ctx = { base: '/console', csrf: 'tok' };
const buttons = (html: string) => [...html.matchAll(/data-batch-control="([a-z-]+)"/g)].map((m) => m[1]);

describe('paged batch page', () => {
  it('shows a running batch with pause and cancel, an unreachable deadline, and the manifest link', () => {
    const out = batchLive(ctx, pagedBatchView('mj-batch-n', 'running', progress())).value;
    expect(buttons(out)).toEqual(['pause', 'cancel']);
    expect(out).toContain('action="/console/batches/mj-batch-n/pause"');
    expect(out).toContain('name="_csrf" value="tok"');
    expect(out).toMatch(/data-deadline="false"[^>]*>\s*Deadline 2026-12-06 04:00 UTC:\s*not reachable at this rate/);
    expect(out).toContain('href="/console/batches/mj-batch-n/manifest.jsonl"');
    expect(out).toContain('28 done · 4 running · 66 waiting · 2 failed');
  });

  it('offers resume on a paused batch, and retry once a batch with failures has ended', () => {
    expect(buttons(batchLive(ctx, pagedBatchView('b', 'running', progress({ state: 'paused' }))).value)).toEqual([
      'resume',
      'cancel',
    ]);
    const ended = pagedBatchView('b', 'succeeded', progress({ state: 'done', running: 0, waiting: 0 }));
    expect(buttons(batchLive(ctx, ended).value)).toEqual(['retry-failed']);
    const clean = pagedBatchView('b', 'succeeded', progress({ state: 'done', failed: 0 }));
    expect(buttons(batchLive(ctx, clean).value)).toEqual([]);
  });
});
