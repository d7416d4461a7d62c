/** The console page of a paged batch: its counts, deadline, the buttons its state allows, and the manifest link. */
import { describeLiveBatch } from '../../../src/cli/batch-output';
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
    startedAt: Date.UTC(2026, 11, 6, 0, 27, 30),
    idleMs: 0,
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
/** 30 items in 2.5 minutes: 12 a minute; 70 left take 5m 50s. */
const NOW = Date.UTC(2026, 11, 6, 0, 30);
const buttons = (html: string) => [...html.matchAll(/data-batch-control="([a-z-]+)"/g)].map((m) => m[1]);

describe('paged batch page', () => {
  it('shows a running batch with pause and cancel, an unreachable deadline, and the manifest link', () => {
    const out = batchLive(ctx, pagedBatchView('mj-batch-n', 'running', progress(), NOW)).value;
    expect(buttons(out)).toEqual(['pause', 'cancel']);
    expect(out).toContain('action="/console/batches/mj-batch-n/pause"');
    expect(out).toContain('name="_csrf" value="tok"');
    expect(out).toMatch(/data-deadline="false"[^>]*>\s*Deadline 2026-12-06 04:00 UTC:\s*not reachable at this rate/);
    expect(out).toContain('href="/console/batches/mj-batch-n/manifest.jsonl"');
    // The CLI's line: the same formatter over the same summary.
    expect(out).toContain('28/100 done · 2 failed · 4 running · 66 waiting · 12/min · ETA 5m 50s');
    expect(out).toContain(describeLiveBatch(progress(), NOW).split(' · ').slice(1, 7).join(' · '));
  });

  it('offers resume on a paused batch, and retry once a batch with failures has ended', () => {
    expect(buttons(batchLive(ctx, pagedBatchView('b', 'running', progress({ state: 'paused' }), NOW)).value)).toEqual([
      'resume',
      'cancel',
    ]);
    const ended = pagedBatchView('b', 'succeeded', progress({ state: 'done', running: 0, waiting: 0 }), NOW);
    expect(buttons(batchLive(ctx, ended).value)).toEqual(['retry-failed']);
    const clean = pagedBatchView('b', 'succeeded', progress({ state: 'done', failed: 0 }), NOW);
    expect(buttons(batchLive(ctx, clean).value)).toEqual([]);
  });
});
