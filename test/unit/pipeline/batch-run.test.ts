/**
 * BatchRun without a server: which items start when, what each child job gets, and what outcomes do to the
 * progress query and the report. The workflow itself runs in batch-workflow.test.ts (time-skipping server).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_ITEMS } from '../../../src/shared/defaults';
import { PIPELINE_FAILURE } from '../../../src/shared/failure-types';
import type { BatchInput, BatchItem } from '../../../src/shared/pipeline-types';
import type { AssetRef } from '../../../src/shared/types';
import { childWorkflowId, MAX_WORKFLOW_ID_LENGTH } from '../../../src/workflows/common/child-ids';
import { checkBatchInput } from '../../../src/workflows/batch/batch-input';
import { BatchRun, type BatchItemState } from '../../../src/workflows/batch/batch-run';
import { failed, result, succeeded } from './job-results';

const BATCH = 'mj-batch-test';

function item(id: string, extra: Partial<BatchItem> = {}): BatchItem {
  return { id, request: { kind: 'imagine', prompt: `a ${id}` }, ...extra };
}

const ids = (states: BatchItemState[]): string[] => states.map((s) => s.item.id);

function byId(run: BatchRun, started: BatchItemState[], id: string): BatchItemState {
  const s = started.find((x) => x.item.id === id);
  if (!s) throw new Error(`${id} not started (started: ${ids(started).join(', ')}; ${JSON.stringify(run.progress())})`);
  return s;
}

describe('BatchRun scheduling', () => {
  it('starts at most `concurrency` items of a group, in list order, and the next as one ends', () => {
    const run = new BatchRun({ concurrency: 2, items: ['a', 'b', 'c', 'd'].map((id) => item(id)) }, BATCH);
    const first = run.takeStartable();
    expect(ids(first)).toEqual(['a', 'b']);
    expect(run.takeStartable()).toEqual([]);
    expect(run.progress()).toMatchObject({ pending: 2, running: 2, maxRunningPerGroup: 2 });

    run.recordOutcome(byId(run, first, 'b'), succeeded(result('t-b')));
    expect(ids(run.takeStartable())).toEqual(['c']);
    expect(run.takeStartable()).toEqual([]);
    expect(run.progress().groups).toEqual([{ key: 'default/FAST', running: 2, limit: 2 }]);
  });

  it('uses the default concurrency without one, and at least 1 for zero or less', () => {
    const many = Array.from({ length: DEFAULT_BATCH_CONCURRENCY + 2 }, (_, i) => item(`i${i}`));
    expect(new BatchRun({ items: many }, BATCH).takeStartable()).toHaveLength(DEFAULT_BATCH_CONCURRENCY);
    expect(new BatchRun({ concurrency: 0, items: many }, BATCH).takeStartable()).toHaveLength(1);
    expect(new BatchRun({ concurrency: -3, items: many }, BATCH).progress().groups[0]!.limit).toBe(1);
  });

  it('bounds each account × mode group on its own: a busy group holds back only its own items', () => {
    const input: BatchInput = {
      concurrency: 1,
      account: 'a',
      items: [
        item('a1'),
        item('a2'),
        item('b1', { account: 'b' }),
        item('a3-relax', { mode: 'RELAX' }),
        item('b2', { account: 'b' }),
      ],
    };
    const run = new BatchRun(input, BATCH);
    const first = run.takeStartable();
    expect(ids(first)).toEqual(['a1', 'b1', 'a3-relax']);
    expect(run.progress().groups).toEqual([
      { key: 'a/FAST', running: 1, limit: 1 },
      { key: 'b/FAST', running: 1, limit: 1 },
      { key: 'a/RELAX', running: 1, limit: 1 },
    ]);
    // b1 ends: b2 starts although a/FAST (listed before it) is still full.
    run.recordOutcome(byId(run, first, 'b1'), succeeded(result('t-b1')));
    expect(ids(run.takeStartable())).toEqual(['b2']);
    run.recordOutcome(byId(run, first, 'a1'), failed('BannedPrompt', 'Banned prompt'));
    expect(ids(run.takeStartable())).toEqual(['a2']);
    expect(run.progress().maxRunningPerGroup).toBe(1);
  });

  it('is busy while a child runs and finished once every item has an outcome', () => {
    const run = new BatchRun({ concurrency: 1, items: [item('x'), item('y')] }, BATCH);
    expect(run.isBusy()).toBe(false);
    expect(run.isFinished()).toBe(false);
    const [x] = run.takeStartable();
    expect(run.isBusy()).toBe(true);
    run.dirty = false;
    run.recordOutcome(x!, succeeded(result('t-x')));
    expect(run.dirty).toBe(true);
    expect(run.isBusy()).toBe(false);
    expect(run.isFinished()).toBe(false);
    const [y] = run.takeStartable();
    run.recordOutcome(y!, { status: 'cancelled', failure: { type: PIPELINE_FAILURE.cancelled, message: 'c' } });
    expect(run.isFinished()).toBe(true);
  });
});

describe('BatchRun job input and ids', () => {
  it('gives each child the item request, its mode and account, the batch options and the batch id as a cost tag', () => {
    const input: BatchInput = {
      mode: 'RELAX',
      account: 'acct',
      concurrency: 5,
      policy: { initialInterval: '5s' },
      captureImages: false,
      submitPolicy: 'at-least-once',
      costTags: { tenant: 'acme', batchId: 'overridden' },
      items: [item('p'), item('q', { mode: 'TURBO', account: 'other' })],
    };
    const run = new BatchRun(input, BATCH);
    const [p, q] = run.takeStartable();
    expect(run.jobInput(p!)).toEqual({
      request: { kind: 'imagine', prompt: 'a p' },
      mode: 'RELAX',
      account: 'acct',
      policy: { initialInterval: '5s' },
      captureImages: false,
      submitPolicy: 'at-least-once',
      costTags: { tenant: 'acme', batchId: BATCH },
      lineage: { batchId: BATCH, batchItemId: 'p' },
    });
    expect(run.jobInput(q!)).toMatchObject({ mode: 'TURBO', account: 'other' });
  });

  it('leaves out options the batch does not set, and falls back to FAST on the default account', () => {
    const run = new BatchRun({ items: [item('p')] }, BATCH);
    const [p] = run.takeStartable();
    expect(run.jobInput(p!)).toEqual({
      request: { kind: 'imagine', prompt: 'a p' },
      mode: 'FAST',
      account: 'default',
      costTags: { batchId: BATCH },
      lineage: { batchId: BATCH, batchItemId: 'p' },
    });
  });

  it('names children <batchId>/<itemId>, shortened only when bounded ids are asked for', () => {
    const longBatch = `mj-batch-${'k'.repeat(MAX_WORKFLOW_ID_LENGTH - 20)}`;
    const input: BatchInput = { items: [item('a-long-item-id-that-overflows')] };
    expect(new BatchRun(input, longBatch).progress().items[0]!.jobId).toBe(
      `${longBatch}/a-long-item-id-that-overflows`
    );
    const bounded = new BatchRun(input, longBatch, true).progress().items[0]!.jobId;
    expect(bounded).toBe(childWorkflowId(longBatch, 'a-long-item-id-that-overflows'));
    expect(bounded).toHaveLength(MAX_WORKFLOW_ID_LENGTH);
  });

  it('keeps the id of a resubmitted child once it started', () => {
    const run = new BatchRun({ items: [item('a')] }, BATCH);
    const [a] = run.takeStartable();
    run.recordStarted(a!, `${BATCH}/a/resubmit`);
    run.recordOutcome(a!, succeeded(result('t-a')));
    expect(run.progress().items[0]!.jobId).toBe(`${BATCH}/a/resubmit`);
    expect(run.report().items[0]!.jobId).toBe(`${BATCH}/a/resubmit`);
  });
});

describe('BatchRun progress and report', () => {
  const asset: AssetRef = { key: 'results/t-a-0.png', sha256: 'ab'.repeat(32), size: 10, contentType: 'image/png' };

  it('reports each outcome with images from captured assets, else from the result URLs', () => {
    const input: BatchInput = {
      name: 'mixed',
      concurrency: 10,
      items: [
        item('cap', { line: 3 }),
        item('urls'),
        item('grid'),
        item('none'),
        item('bad'),
        { id: 'act', request: { kind: 'action', parentTaskId: 't0', intent: { kind: 'upscale', index: 1 } } },
      ],
    };
    const run = new BatchRun(input, BATCH);
    const s = run.takeStartable();
    expect(s).toHaveLength(6);
    const captured = result('t-cap', { urls: ['https://cdn.example/u1.png'] });
    captured.images = [{ asset, index: 0, sourceUrl: 'https://cdn.example/t-cap.png' }];
    run.recordOutcome(byId(run, s, 'cap'), succeeded(captured));
    run.recordOutcome(byId(run, s, 'urls'), succeeded(result('t-urls', { urls: ['https://u/1', 'https://u/2'] })));
    run.recordOutcome(byId(run, s, 'grid'), succeeded(result('t-grid')));
    run.recordOutcome(byId(run, s, 'none'), succeeded(result('t-none', { imageUrl: null })));
    run.recordOutcome(byId(run, s, 'bad'), failed('BannedPrompt', 'Banned prompt: bad'));
    run.recordOutcome(byId(run, s, 'act'), failed(PIPELINE_FAILURE.jobTimedOut, 'timed out'));

    const report = run.report();
    expect(report.name).toBe('mixed');
    expect(report.batchId).toBe(BATCH);
    expect(report.summary).toEqual({ total: 6, succeeded: 4, failed: 2, cancelled: 0 });
    const [cap, urls, grid, none, bad, act] = report.items;
    expect(cap).toMatchObject({ id: 'cap', index: 0, line: 3, status: 'succeeded', taskId: 't-cap', prompt: 'a cap' });
    expect(cap!.images).toEqual([{ asset }]);
    expect(cap!.result).toMatchObject({ taskId: 't-cap', finalPrompt: 'p --v 7', images: captured.images });
    expect(cap!.result).not.toHaveProperty('buttons');
    expect(urls!.images).toEqual([{ url: 'https://u/1' }, { url: 'https://u/2' }]);
    expect(grid!.images).toEqual([{ url: 'https://cdn.example/t-grid.png' }]);
    expect(none!.images).toEqual([]);
    expect(bad).toEqual({
      id: 'bad',
      index: 4,
      status: 'failed',
      jobId: `${BATCH}/bad`,
      prompt: 'a bad',
      images: [],
      failure: { type: 'BannedPrompt', message: 'Banned prompt: bad' },
    });
    expect(act).not.toHaveProperty('prompt');
    expect(act).not.toHaveProperty('line');
    expect(act!.index).toBe(5);
  });

  it('shows counts, groups and every item in the progress, and done only once marked', () => {
    const run = new BatchRun({ concurrency: 1, items: [item('a'), item('b'), item('c', { account: 'z' })] }, BATCH);
    const s = run.takeStartable();
    run.recordOutcome(byId(run, s, 'c'), failed('BannedPrompt', 'no'));
    expect(run.progress()).toEqual({
      batchId: BATCH,
      done: false,
      total: 3,
      pending: 1,
      running: 1,
      succeeded: 0,
      failed: 1,
      cancelled: 0,
      maxRunningPerGroup: 1,
      groups: [
        { key: 'default/FAST', running: 1, limit: 1 },
        { key: 'z/FAST', running: 0, limit: 1 },
      ],
      items: [
        { id: 'a', status: 'running', jobId: `${BATCH}/a` },
        { id: 'b', status: 'pending', jobId: `${BATCH}/b` },
        { id: 'c', status: 'failed', jobId: `${BATCH}/c`, failure: { type: 'BannedPrompt', message: 'no' } },
      ],
    });
    run.recordOutcome(byId(run, s, 'a'), succeeded(result('t-a')));
    expect(run.progress().items[0]).toEqual({ id: 'a', status: 'succeeded', jobId: `${BATCH}/a`, taskId: 't-a' });
    run.markDone();
    expect(run.progress().done).toBe(true);
  });

  it('cancelPending ends every item not started as cancelled and leaves running ones to their children', () => {
    const run = new BatchRun({ concurrency: 1, items: [item('a'), item('b'), item('c')] }, BATCH);
    const [a] = run.takeStartable();
    run.cancelPending();
    expect(run.takeStartable()).toEqual([]);
    expect(run.isBusy()).toBe(true);
    expect(run.isFinished()).toBe(false);
    run.recordOutcome(a!, { status: 'cancelled', failure: { type: PIPELINE_FAILURE.cancelled, message: 'job a' } });
    expect(run.isFinished()).toBe(true);
    const report = run.report();
    expect(report.summary).toEqual({ total: 3, succeeded: 0, failed: 0, cancelled: 3 });
    expect(report.items.map((i) => i.failure)).toEqual([
      { type: PIPELINE_FAILURE.cancelled, message: 'job a' },
      { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled' },
      { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled' },
    ]);
    expect(report).not.toHaveProperty('name');
  });
});

describe('checkBatchInput', () => {
  function problem(input: unknown): { type?: string; message: string; nonRetryable?: boolean } {
    try {
      checkBatchInput(input as BatchInput);
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      const f = err as ApplicationFailure;
      return { type: f.type ?? undefined, message: f.message, nonRetryable: f.nonRetryable === true };
    }
    throw new Error('accepted');
  }

  it('accepts a valid list', () => {
    expect(() => checkBatchInput({ items: [item('a'), item('b.2_c-d')] })).not.toThrow();
  });

  it('refuses bad inputs with a non-retryable BatchInvalid naming the item', () => {
    expect(problem(undefined)).toEqual({
      type: PIPELINE_FAILURE.batchInvalid,
      message: 'batch input needs "items"',
      nonRetryable: true,
    });
    const tooMany = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => item(`i${i}`));
    expect(problem({ items: tooMany }).message).toBe(`${MAX_BATCH_ITEMS + 1} items (at most ${MAX_BATCH_ITEMS})`);
    expect(problem({ items: [item('a'), item('-x')] }).message).toBe('items[1].id must be an id-safe string');
    expect(problem({ items: [item('a'), item('a')] }).message).toBe('items[1].id "a" is used twice');
    expect(problem({ items: [{ id: 'a' }] }).message).toBe('items[0].request is missing');
  });
});
