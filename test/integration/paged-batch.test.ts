/**
 * The paged batch engine (`pagedBatchWorkflow` + `batchChunkWorkflow`) on a REAL dev server with the real job and
 * pipeline workflows, the real activities and the simulator: the manifest's contents and files, pause and resume,
 * the deadline warning, retry of the failed items, the budget (refused, and stopped cleanly), cancel, and
 * per-item pipeline templates.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { MjBatchesClient } from '../../src/client/batches';
import { BatchOverBudgetError, BatchStillRunningError } from '../../src/client/batch-errors';
import type { BatchLiveProgress, ManifestLine } from '../../src/shared/batch-run-types';
import { JOB_MEMO_KEY, type JobMemo } from '../../src/shared/job-memo';
import { MJ_BATCH } from '../../src/shared/search-attributes';
import { parseStateKey } from '../../src/shared/state-key';
import { chunkHistoryBound } from '../../src/workflows/batch/batch-chunk-workflow';
import { chunkWorkflowId } from '../../src/workflows/batch/paged-batch-run';
import { eventually, satisfying } from '../helpers/eventually';
import { budgetsLeft, checkManifestFiles, historyEvents, startsWhilePaused } from '../helpers/paged-batch';
import { startSimLane, type SimLane } from '../helpers/sim-lane';

jest.setTimeout(180_000);

const POLICY = { initialInterval: '200ms', maxInterval: '500ms', jitter: 0.1 } as const;
const PRICES = [{ currency: 'USD', default: { FAST: 1 } }];

function jsonl(n: number, banned: number[] = []): string {
  return Array.from({ length: n }, (_, i) => {
    const prompt = banned.includes(i + 1) ? `a bannedword poster ${i + 1}` : `a lighthouse number ${i + 1} --v 7`;
    return JSON.stringify({ id: `p${i + 1}`, prompt });
  }).join('\n');
}

/** Items of the manifest, each with its lines. */
function byItem(lines: ManifestLine[]): Map<string, ManifestLine[]> {
  const m = new Map<string, ManifestLine[]>();
  for (const l of lines) m.set(l.itemId, [...(m.get(l.itemId) ?? []), l]);
  return m;
}

describe('paged batches on the dev server with the simulator', () => {
  let lane: SimLane;
  let batches: MjBatchesClient;

  beforeAll(async () => {
    lane = await startSimLane('paged-batch', {
      flavour: 'trueai',
      seed: 11,
      durations: { FAST: { queueMs: 100, runMs: 400 } },
    });
    batches = new MjBatchesClient(lane.env.client, lane.store, lane.taskQueue, budgetsLeft(1_000), PRICES);
  }, 120_000);

  afterAll(() => lane?.close());

  const finished = (id: string) =>
    eventually(
      satisfying(
        () => batches.progress(id),
        (p) => p.state === 'done' || p.state === 'cancelled'
      ),
      `batch ${id} to end`,
      150_000
    );

  it('writes a manifest of every item and file, pauses, warns of a missed deadline, and retries the failed', async () => {
    const started = await batches.start(jsonl(12, [5]), {
      format: 'jsonl',
      concurrency: 2,
      chunkSize: 5,
      captureImages: true,
      policy: POLICY,
      // Passed before any item can finish: the first page must report it unreachable.
      deadline: Date.now() + 1,
      tenant: 'acme',
    });
    expect(started.estimate).toMatchObject({ items: 12, jobs: 12, total: 12, currency: 'USD', priced: true });
    const id = started.batchId;

    // Pause once the first chunk wrote its page; nothing may start until the resume.
    await eventually(
      satisfying(
        () => batches.progress(id),
        (p) => p.pages.length >= 1
      ),
      'a first manifest page'
    );
    await batches.pause(id);
    const paused = await eventually(
      satisfying(
        () => batches.progress(id),
        (p) => p.state === 'paused' && p.running === 0
      ),
      'the batch to be paused with nothing running'
    );
    expect(paused.deadline).toMatchObject({ reachable: false });
    await expect(batches.retryFailed(id)).rejects.toBeInstanceOf(BatchStillRunningError);
    await batches.resume(id);
    const end: BatchLiveProgress = await finished(id);

    expect(end).toMatchObject({ state: 'done', total: 12, succeeded: 11, failed: 1, notStarted: 0, attempt: 1 });
    expect(end.deadline?.reachable).toBe(false);
    expect(startsWhilePaused(await historyEvents(lane.env.client, id))).toBe(0);
    for (let c = 0; c < 3; c++) {
      const events = await historyEvents(lane.env.client, chunkWorkflowId(id, c));
      expect(startsWhilePaused(events)).toBe(0);
      expect(events.length).toBeLessThanOrEqual(chunkHistoryBound(5, 25));
      expect(events.some((e) => e.taskFailed)).toBe(false);
    }

    const lines = await batches.manifest(id);
    const items = byItem(lines);
    expect([...items.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `p${i + 1}`).sort());
    for (const [itemId, ls] of items) {
      if (itemId === 'p5') {
        expect(ls).toEqual([
          expect.objectContaining({
            status: 'failed',
            jobId: `${id}/p5`,
            failure: expect.objectContaining({ type: 'ContentPolicy' }),
          }),
        ]);
        continue;
      }
      expect(ls.length).toBeGreaterThan(0);
      for (const l of ls) {
        expect(l).toMatchObject({ status: 'succeeded', step: 'imagine', branch: 'main', jobId: `${id}/${itemId}` });
        expect(l.name).toBe(`${id}/${itemId}/imagine-main-${l.n}.png`);
        expect(l.taskId).toEqual(expect.any(String));
        // The simulator's trueai serves image-seed: the job's read model has the seed, and so has its line.
        expect(l.seed).toMatch(/^\d+$/);
      }
      // One price per task, on its first line.
      expect(ls.reduce((s, l) => s + l.cost, 0)).toBe(1);
    }
    expect(await checkManifestFiles(lane.store, lines)).toBeGreaterThanOrEqual(11);

    // Retry: only p5, as attempt 2, linked to the failed job.
    const retry = await batches.retryFailed(id);
    expect(retry.batchId).toBe(`${id}~attempt-2`);
    expect(retry.estimate.items).toBe(1);
    const again = await batches.retryFailed(id);
    expect(again.alreadyStarted).toBe(true);
    const retried = await finished(retry.batchId);
    expect(retried).toMatchObject({ attempt: 2, retryOf: id, total: 1 });
    expect(await batches.manifest(retry.batchId)).toEqual([
      expect.objectContaining({ itemId: 'p5', attempt: 2, retryOf: `${id}/p5`, jobId: `${retry.batchId}/p5` }),
    ]);

    // One upstream task per job: 12 for the batch, one more for the retry.
    const byState = lane.sim.stats().submitsByState;
    const ids = Object.keys(byState).map((k) => parseStateKey(k)?.workflowId ?? '');
    expect(ids.filter((w) => w.startsWith(`${id}/`))).toHaveLength(12);
    expect(ids.filter((w) => w.startsWith(`${retry.batchId}/`))).toEqual([`${retry.batchId}/p5`]);
    expect(Object.values(byState).every((n) => n === 1)).toBe(true);
  });

  it('refuses a batch over the budget, or runs until it and lists the rest', async () => {
    const tight = new MjBatchesClient(lane.env.client, lane.store, lane.taskQueue, budgetsLeft(4), PRICES);
    const opts = { format: 'jsonl' as const, concurrency: 2, chunkSize: 3, captureImages: false, policy: POLICY };
    const refused = await tight
      .start(jsonl(10), { ...opts, jobId: 'over-budget', tenant: 'acme' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BatchOverBudgetError);
    expect(refused).toMatchObject({ code: 'BATCH_OVER_BUDGET', field: 'budget', left: 4 });
    await expect(lane.env.client.workflow.getHandle('mj-batch-over-budget').describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError
    );

    const s = await tight.start(jsonl(10), {
      ...opts,
      onBudget: 'stop',
      tenant: 'acme',
      deadline: '2100-01-01T00:00:00Z',
    });
    expect(s.budget).toBe(4);
    const end = await finished(s.batchId);
    expect(end).toMatchObject({ state: 'done', succeeded: 4, notStarted: 6, budgetStopped: true, spent: 4 });
    expect(end.deadline?.reachable).toBe(true);
    const lines = await tight.manifest(s.batchId);
    expect(lines.filter((l) => l.status === 'not-started').map((l) => l.itemId)).toEqual([
      'p5',
      'p6',
      'p7',
      'p8',
      'p9',
      'p10',
    ]);
    for (const l of lines.filter((x) => x.status === 'not-started')) expect(l.failure?.type).toBe('BudgetExhausted');
    expect(new Set(lines.map((l) => l.itemId)).size).toBe(10);
  });

  it('cancels: running items are cancelled and every item not started is listed once', async () => {
    const s = await batches.start(jsonl(9), {
      format: 'jsonl',
      concurrency: 1,
      chunkSize: 3,
      captureImages: false,
      policy: POLICY,
    });
    await eventually(
      satisfying(
        () => batches.progress(s.batchId),
        (p) => p.done >= 1
      ),
      'a first item'
    );
    await batches.cancel(s.batchId);
    const end = await finished(s.batchId);
    expect(end.state).toBe('cancelled');
    const items = byItem(await batches.manifest(s.batchId));
    expect(items.size).toBe(9);
    for (const ls of items.values()) {
      if (ls[0]!.status !== 'succeeded') expect(ls).toHaveLength(1);
    }
    expect(end.succeeded + end.failed + end.cancelled + end.notStarted).toBe(9);
  });

  it('runs a pipeline template per item: imagine then U1–U4', async () => {
    const template = {
      steps: [
        { id: 'grid', imagine: { prompt: '{prompt} --v 7' } },
        { id: 'ups', from: 'grid', action: ['U1', 'U2', 'U3', 'U4'] },
      ],
    };
    const s = await batches.start('a red fox\na paper boat\n', {
      template,
      concurrency: 2,
      captureImages: true,
      policy: POLICY,
    });
    expect(s.estimate).toMatchObject({ items: 2, jobs: 10, total: 10 });
    const end = await finished(s.batchId);
    expect(end).toMatchObject({ state: 'done', succeeded: 2 });
    const lines = await batches.manifest(s.batchId);
    for (const item of ['item-1', 'item-2']) {
      const mine = lines.filter((l) => l.itemId === item);
      expect([...new Set(mine.map((l) => `${l.step}/${l.branch}`))].sort()).toEqual([
        'grid/main',
        'ups/U1',
        'ups/U2',
        'ups/U3',
        'ups/U4',
      ]);
      for (const l of mine.filter((x) => x.step === 'ups')) {
        expect(l.name).toBe(`${s.batchId}/${item}/ups-${l.branch}-${l.n}.png`);
        expect(l.jobId).toBe(`${s.batchId}/${item}/ups/${l.branch}`);
      }
      for (const l of mine) expect(l.seed).toMatch(/^\d+$/);
    }
    await checkManifestFiles(lane.store, lines);

    // A template item's jobs carry the batch's lineage, and the batch's search attribute.
    const job = await lane.env.client.workflow.getHandle(`${s.batchId}/item-2/ups/U3`).describe();
    expect((job.memo?.[JOB_MEMO_KEY] as JobMemo | undefined)?.lineage).toEqual({
      batchId: s.batchId,
      batchItemId: 'item-2',
      pipelineId: `${s.batchId}/item-2`,
      parentJobId: `${s.batchId}/item-2/grid/main`,
      rootJobId: `${s.batchId}/item-2/grid/main`,
    });
    expect(job.typedSearchAttributes.get(MJ_BATCH)).toBe(s.batchId);
  });
});
