/**
 * batchWorkflow on the time-skipping server with a FAKE mjJobWorkflow (see test/helpers/pipeline-fake-workflows.ts).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { parseBatchSpec } from '../../src/pipeline';
import { PIPELINE_FAILURE } from '../../src/shared/failure-types';
import type { BatchInput } from '../../src/shared/pipeline-types';
import type { batchWorkflow } from '../../src/workflows/batch/batch-workflow';
import { getBatchProgressQuery } from '../../src/workflows/batch/messages';
import { createHarness, FakeJobs, uid, withWorker, type Harness } from '../helpers/pipeline-harness';
import { eventually } from '../helpers/eventually';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.env.teardown();
});

function start(taskQueue: string, input: BatchInput, workflowId = uid('mj-batch')) {
  return h.env.client.workflow.start<typeof batchWorkflow>('batchWorkflow', { taskQueue, workflowId, args: [input] });
}

describe('batchWorkflow (fake jobs)', () => {
  it('runs every prompt with at most `concurrency` jobs at once and reports each item', async () => {
    const text = ['# ten cats', ...Array.from({ length: 10 }, (_, i) => `cat number ${i + 1}`)].join('\n');
    const input = parseBatchSpec(text, { name: 'cats', concurrency: 3 });
    const jobs = new FakeJobs()
      .behave('/item-4', { delay: '3s', fail: { type: 'BannedPrompt', message: 'Banned prompt: cat' } })
      .behave('/item-2', { delay: '40s' });
    const id = uid('mj-batch');
    const report = await withWorker(h, jobs, async (tq) => (await start(tq, input, id)).result());

    expect(jobs.maxRunning).toBe(3);
    expect(report.summary).toEqual({ total: 10, succeeded: 9, failed: 1, cancelled: 0 });
    expect(report.items.map((i) => i.id)).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i + 1}`));
    expect(report.items[0]).toMatchObject({
      status: 'succeeded',
      jobId: `${id}/item-1`,
      taskId: `task-${id}/item-1`,
      line: 2,
      prompt: 'cat number 1',
      images: [{ url: `https://cdn.example/task-${id}/item-1.png` }],
    });
    expect(report.items[3]).toMatchObject({
      status: 'failed',
      jobId: `${id}/item-4`,
      failure: { type: 'BannedPrompt', message: 'Banned prompt: cat' },
      images: [],
    });
    expect(report.items[3]!.taskId).toBeUndefined();
    // Items start in list order as slots free up (children start concurrently, so compare the first three as a set).
    expect(jobs.started(id)).toHaveLength(10);
    expect(jobs.started(id).slice(0, 3).sort()).toEqual(['item-1', 'item-2', 'item-3']);
  });

  it('tags every item job with the batch id (and the tenant given), for the cost ledger', async () => {
    const input: BatchInput = { ...parseBatchSpec('a fox\na cat\n', { name: 'tags' }), costTags: { tenant: 'acme' } };
    const jobs = new FakeJobs();
    const id = uid('mj-batch-tags');
    await withWorker(h, jobs, async (tq) => (await start(tq, input, id)).result());
    expect(jobs.started(id)).toHaveLength(2);
    for (const item of jobs.started(id)) {
      expect(jobs.input(`${id}/${item}`).costTags).toEqual({ tenant: 'acme', batchId: id });
    }
  });

  it('bounds concurrency per account × mode, not globally', async () => {
    const input = parseBatchSpec({
      concurrency: 1,
      items: [
        { prompt: 'a1', account: 'a' },
        { prompt: 'a2', account: 'a' },
        { prompt: 'b1', account: 'b' },
        { prompt: 'b2', account: 'b' },
        { prompt: 'b3', account: 'b', mode: 'RELAX' },
      ],
    });
    const jobs = new FakeJobs();
    const id = uid('mj-batch-groups');
    const report = await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, input, id);
      const r = await handle.result();
      const p = await handle.query(getBatchProgressQuery);
      expect(p).toMatchObject({ done: true, total: 5, succeeded: 5, pending: 0, running: 0, maxRunningPerGroup: 1 });
      expect(p.groups.map((g) => g.key)).toEqual(['a/FAST', 'b/FAST', 'b/RELAX']);
      return r;
    });
    expect(jobs.maxRunningPerGroup).toBe(1);
    expect(jobs.maxRunning).toBe(3);
    expect(jobs.input(`${id}/item-5`)).toMatchObject({ account: 'b', mode: 'RELAX' });
    expect(report.summary.succeeded).toBe(5);
  });

  it('reports progress while running, and cancels running and pending items', async () => {
    const input = parseBatchSpec('one\ntwo\nthree\nfour', { concurrency: 2 });
    const jobs = new FakeJobs().behave('', { delay: '1d' });
    const id = uid('mj-batch-cancel');
    await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, input, id);
      const p = await eventually(async () => {
        const q = await handle.query(getBatchProgressQuery);
        return q.running === 2 && jobs.started(id).length === 2 ? q : undefined;
      }, 'two running items');
      expect(p).toMatchObject({
        total: 4,
        pending: 2,
        running: 2,
        groups: [{ key: 'default/FAST', running: 2, limit: 2 }],
      });
      await handle.cancel();
      // Wait for the cancellation to settle before awaiting the result: awaiting it unlocks time skipping, and the
      // server could then fire the children's one-day timers before the cancel reached them.
      await eventually(
        async () => ((await handle.query(getBatchProgressQuery)).done ? true : undefined),
        'cancel to settle'
      );
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const after = await handle.query(getBatchProgressQuery);
      expect(after.items.map((i) => [i.id, i.status, i.failure?.type])).toEqual(
        ['item-1', 'item-2', 'item-3', 'item-4'].map((i) => [i, 'cancelled', PIPELINE_FAILURE.cancelled])
      );
    });
    expect(jobs.started(id).sort()).toEqual(['item-1', 'item-2']);
  });

  it('fails with BatchInvalid on duplicate item ids', async () => {
    const jobs = new FakeJobs();
    const input: BatchInput = {
      items: [
        { id: 'x', request: { kind: 'imagine', prompt: 'a' } },
        { id: 'x', request: { kind: 'imagine', prompt: 'b' } },
      ],
    };
    const err = await withWorker(h, jobs, async (tq) => (await start(tq, input)).result().catch((e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as { type?: string }).type).toBe(PIPELINE_FAILURE.batchInvalid);
  });
});
