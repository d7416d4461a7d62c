/**
 * The paged batch engine's state without a server: quiet hours, a chunk's scheduling (concurrency, pause, budget,
 * pages), the batch's counts, rate, deadline and continue-as-new carry, and the chunk history bound.
 */
import {
  DEFAULT_BATCH_CHUNK_SIZE,
  MANIFEST_PAGE_ITEMS,
  type BatchChunkInput,
  type StoredBatchItem,
} from '../../../src/shared/batch-run-types';
import { CONTINUE_AS_NEW_EVENTS } from '../../../src/shared/defaults';
import { chunkHistoryBound } from '../../../src/workflows/batch/batch-chunk-workflow';
import { ChunkRun } from '../../../src/workflows/batch/chunk-run';
import { PagedBatchRun } from '../../../src/workflows/batch/paged-batch-run';
import { branchLineage } from '../../../src/workflows/pipeline/branch-links';
import { finishTime, quietUntil } from '../../../src/shared/quiet-hours';
import { result } from '../pipeline/job-results';

const H = 3_600_000;
const DAY = 24 * H;
const at = (hhmm: string) => Date.UTC(2026, 11, 5, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3)));

describe('quiet hours', () => {
  const night = [{ from: '22:00', to: '06:00' }];
  it('says when the window holding now ends, across midnight', () => {
    expect(quietUntil(night, at('23:30'))).toBe(at('06:00') + DAY);
    expect(quietUntil(night, at('05:59'))).toBe(at('06:00'));
    expect(quietUntil(night, at('06:00'))).toBeUndefined();
    expect(quietUntil(night, at('12:00'))).toBeUndefined();
  });

  it('finishes work later by the quiet windows it crosses', () => {
    expect(finishTime(at('20:00'), 4 * H, night)).toBe(at('08:00') + DAY);
    expect(finishTime(at('20:00'), 1 * H, night)).toBe(at('21:00'));
    expect(finishTime(at('23:00'), 1 * H, night)).toBe(at('07:00') + DAY);
    expect(finishTime(at('23:00'), 1 * H, [])).toBe(at('23:00') + H);
  });
});

const items = (n: number, estimate = 1): StoredBatchItem[] =>
  Array.from({ length: n }, (_, i) => ({ id: `i${i + 1}`, prompt: `p${i + 1}`, estimate }));

function chunk(over: Partial<BatchChunkInput> = {}): BatchChunkInput {
  return {
    batchId: 'mj-batch-b',
    chunk: 0,
    inputKey: 'batches/inputs/x.jsonl',
    offset: 0,
    count: 30,
    attempt: 1,
    settings: { concurrency: 2 },
    paused: false,
    ...over,
  };
}

describe('ChunkRun', () => {
  it('starts at most `concurrency` items, none while paused, and gives each job its lineage', () => {
    const run = new ChunkRun(chunk(), items(5));
    const first = run.takeStartable();
    expect(first.map((s) => s.item.id)).toEqual(['i1', 'i2']);
    expect(run.takeStartable()).toEqual([]);
    expect(run.jobInput(first[0]!)).toMatchObject({
      request: { kind: 'imagine', prompt: 'p1' },
      costTags: { batchId: 'mj-batch-b' },
      lineage: { batchId: 'mj-batch-b', batchItemId: 'i1' },
    });
    run.recordJob(first[0]!, { status: 'succeeded', result: result('t1') });
    run.paused = true;
    expect(run.takeStartable()).toEqual([]);
    run.paused = false;
    expect(run.takeStartable().map((s) => s.item.id)).toEqual(['i3']);
  });

  it('stops at the budget and lists every item not started', () => {
    const run = new ChunkRun(chunk({ budgetLeft: 2.5 }), items(5));
    expect(run.takeStartable().map((s) => s.item.id)).toEqual(['i1', 'i2']);
    expect(run.spent).toBe(2);
    for (const s of run.items.filter((i) => i.status === 'running')) {
      run.recordJob(s, { status: 'succeeded', result: result(s.item.id) });
    }
    expect(run.takeStartable()).toEqual([]);
    expect(run.budgetStopped).toBe(true);
    expect(run.isFinished()).toBe(true);
    const page = run.takePage();
    expect(page.counts).toEqual({ succeeded: 2, failed: 0, cancelled: 0, notStarted: 3 });
    expect(page.lines.filter((l) => l.status === 'not-started').map((l) => l.itemId)).toEqual(['i3', 'i4', 'i5']);
  });

  it('stops when the ledger refuses an item for the budget', () => {
    const run = new ChunkRun(chunk(), items(4));
    const [a] = run.takeStartable();
    run.recordJob(a!, { status: 'failed', failure: { type: 'BudgetExceeded', message: 'no' } });
    expect(run.budgetStopped).toBe(true);
    expect(run.items.map((i) => i.status)).toEqual(['failed', 'running', 'not-started', 'not-started']);
  });

  it('makes a page every MANIFEST_PAGE_ITEMS finished items, and the rest at the end', () => {
    const run = new ChunkRun(chunk({ settings: { concurrency: 100 } }), items(MANIFEST_PAGE_ITEMS + 3));
    const started = run.takeStartable();
    started
      .slice(0, MANIFEST_PAGE_ITEMS - 1)
      .forEach((s) => run.recordJob(s, { status: 'succeeded', result: result('t') }));
    expect(run.pageDue()).toBe(false);
    run.recordJob(started[MANIFEST_PAGE_ITEMS - 1]!, { status: 'succeeded', result: result('t') });
    expect(run.pageDue()).toBe(true);
    expect(run.takePage().lines).toHaveLength(MANIFEST_PAGE_ITEMS);
    run.recordJob(started[MANIFEST_PAGE_ITEMS]!, { status: 'succeeded', result: result('t') });
    expect([run.pageDue(), run.pageDue(true)]).toEqual([false, true]);
    expect(run.pendingCounts().succeeded).toBe(1);
  });

  it('writes one line per captured image under its readable name, the price on the first', () => {
    const run = new ChunkRun(chunk(), items(1, 0.04));
    const [s] = run.takeStartable();
    const asset = (n: number) => ({
      key: `images/j/${'a'.repeat(63)}${n}.png`,
      sha256: `${'a'.repeat(63)}${n}`,
      size: 1,
      contentType: 'image/png',
    });
    const images = [0, 1].map((index) => ({ asset: asset(index), index, sourceUrl: 'https://cdn/x.png' }));
    // The job's read model had the seed (its result carries the provenance): each of its lines has it.
    const seeded = { ...result('t9', { images }), provenance: { version: '7', seed: '4242' } };
    run.recordJob(s!, { status: 'succeeded', result: seeded });
    const { lines } = run.takePage();
    expect(lines.map((l) => [l.name, l.asset, l.cost, l.taskId, l.seed])).toEqual([
      ['mj-batch-b/i1/imagine-main-0.png', asset(0).key, 0.04, 't9', '4242'],
      ['mj-batch-b/i1/imagine-main-1.png', asset(1).key, 0, 't9', '4242'],
    ]);
  });

  it("gives a template item's pipeline the item's lineage, and its jobs carry it", () => {
    const template = {
      steps: [{ id: 'grid', kind: 'entry' as const, request: { kind: 'imagine' as const, prompt: '{prompt} --v 7' } }],
    };
    const run = new ChunkRun(chunk({ settings: { template } }), items(1));
    const [s] = run.takeStartable();
    const input = run.pipelineInput(s!);
    expect(input).toMatchObject({ name: 'i1', lineage: { batchId: 'mj-batch-b', batchItemId: 'i1' } });
    const grid = { step: input.steps[0]!, jobId: 'mj-batch-b/i1/grid/main', status: 'ready' };
    const up = { ...grid, parentKey: 'grid/main', jobId: 'mj-batch-b/i1/ups/U1' };
    const branches = new Map([['grid/main', grid]]);
    expect(branchLineage(branches, grid, 'mj-batch-b/i1', input.lineage)).toEqual({
      batchId: 'mj-batch-b',
      batchItemId: 'i1',
      pipelineId: 'mj-batch-b/i1',
    });
    expect(branchLineage(branches, up, 'mj-batch-b/i1', input.lineage)).toMatchObject({
      batchId: 'mj-batch-b',
      batchItemId: 'i1',
      parentJobId: 'mj-batch-b/i1/grid/main',
    });
  });
});

describe('PagedBatchRun', () => {
  const input = { settings: { deadline: 10 * 60_000 }, inputKey: 'k', total: 250, chunkSize: 100 };

  it('hands out chunks, counts pages once, and carries only counts and page keys', () => {
    const run = new PagedBatchRun(input, 'mj-batch-b', 0);
    const c0 = run.nextChunk();
    expect(c0).toMatchObject({ chunk: 0, offset: 0, count: 100 });
    const page = { chunk: 0, page: 'p0', counts: { succeeded: 20, failed: 5, cancelled: 0, notStarted: 0 }, spent: 25 };
    run.onPage(page);
    run.onPage(page);
    expect(run.progress(60_000, 10)).toMatchObject({ done: 25, succeeded: 20, failed: 5, waiting: 225, spent: 25 });
    run.onChunkDone({
      chunk: 0,
      counts: page.counts,
      spent: 100,
      pages: ['p0'],
      budgetStopped: false,
      historyLength: 900,
    });
    const next = run.continueInput(300);
    expect(next.carry).toMatchObject({ nextChunk: 1, pages: ['p0'], spent: 100, maxRunEvents: 900 });
    expect(JSON.stringify(next)).not.toMatch(/prompt/);
    const resumed = new PagedBatchRun(next, 'mj-batch-b', 0);
    expect(resumed.nextChunk()).toMatchObject({ chunk: 1, offset: 100, count: 100 });
  });

  it('leaves pause time out of the rate and says whether the deadline is reachable', () => {
    const run = new PagedBatchRun(input, 'mj-batch-b', 0);
    expect(run.pace(0).deadline).toEqual({ at: 10 * 60_000, reachable: 'unknown' });
    run.nextChunk();
    run.setPaused(true, 60_000);
    run.setPaused(false, 2 * 60_000);
    run.onPage({ chunk: 0, page: 'p', counts: { succeeded: 50, failed: 0, cancelled: 0, notStarted: 0 }, spent: 0 });
    // 50 items in 2 running minutes: 25 per minute; 200 left take 8 more minutes, at 11 > 10.
    expect(run.pace(3 * 60_000).perMinute).toBe(25);
    expect(run.pace(3 * 60_000).deadline).toEqual({ at: 10 * 60_000, reachable: false, eta: 11 * 60_000 });
    // The live summary carries the same pace, and its clock, so any reader measures it again the same way.
    expect(run.progress(3 * 60_000, 1)).toMatchObject({
      ratePerMinute: 25,
      eta: 11 * 60_000,
      startedAt: 0,
      idleMs: 60_000,
      deadline: { reachable: false },
    });
    // Paused again: the pause so far is left out too.
    run.setPaused(true, 3 * 60_000);
    expect(run.pace(5 * 60_000).perMinute).toBe(25);
    run.end('done', 6 * 60_000);
    expect(run.progress(9 * 60_000, 1)).not.toHaveProperty('eta');
  });

  it('stops giving out chunks once a chunk stopped for the budget', () => {
    const run = new PagedBatchRun({ ...input, settings: { budget: 10 } }, 'mj-batch-b', 0);
    expect(run.nextChunk().budgetLeft).toBe(10);
    run.onChunkDone({
      chunk: 0,
      counts: { succeeded: 10, failed: 0, cancelled: 0, notStarted: 90 },
      spent: 10,
      pages: [],
      budgetStopped: true,
      historyLength: 1,
    });
    expect(run.hasNextChunk()).toBe(false);
    expect(run.nextOffset()).toBe(100);
  });
});

describe('history bound', () => {
  it('keeps a default chunk far below the continue-as-new suggestion (4,096) and every run below 10,240', () => {
    const bound = chunkHistoryBound(DEFAULT_BATCH_CHUNK_SIZE, MANIFEST_PAGE_ITEMS);
    expect(bound).toBeLessThan(4_096);
    // The batch run continues as new past CONTINUE_AS_NEW_EVENTS, between chunks: one chunk's events at most more.
    const perChunk = 10 + Math.ceil(DEFAULT_BATCH_CHUNK_SIZE / MANIFEST_PAGE_ITEMS + 1) * 8;
    expect(CONTINUE_AS_NEW_EVENTS + perChunk).toBeLessThan(10_240);
  });
});
