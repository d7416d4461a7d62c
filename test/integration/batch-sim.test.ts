/**
 * batchWorkflow on a REAL dev server with the real job workflow, real activities and the simulator: a prompt file
 * with a banned prompt, bounded concurrency, every item reported, one upstream submit per item.
 */
import { randomUUID } from 'node:crypto';
import { parseBatchSpec } from '../../src/pipeline';
import { parseStateKey } from '../../src/shared/state-key';
import { batchWorkflow, getBatchProgressQuery } from '../../src/workflows';

import { startSimLane, type SimLane } from '../helpers/sim-lane';

jest.setTimeout(120_000);

describe('batch on the dev server with the simulator', () => {
  let lane: SimLane;
  let env: SimLane['env'];
  let sim: SimLane['sim'];
  let taskQueue: string;

  beforeAll(async () => {
    lane = await startSimLane('batch-sim', { flavour: 'trueai', timeScale: 25, seed: 5 });
    ({ env, sim, taskQueue } = lane);
  }, 120_000);

  afterAll(() => lane?.close());

  it('runs a prompt file with concurrency 2 and reports every item', async () => {
    const text = [
      '# five prompts, one of them banned',
      'a lighthouse at dusk --v 7',
      'a bannedword poster --v 7',
      '',
      'a red fox in snow --v 7',
      'a paper boat --v 7',
      'an owl, ink drawing --v 7',
    ].join('\n');
    const input = { ...parseBatchSpec(text, { name: 'five', concurrency: 2 }), captureImages: false };
    input.items.forEach((it) => expect(it.request.kind).toBe('imagine'));
    const batchId = `mj-batch-${randomUUID().slice(0, 8)}`;
    const handle = await env.client.workflow.start(batchWorkflow, {
      taskQueue,
      workflowId: batchId,
      args: [{ ...input, policy: { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } }],
    });
    const report = await handle.result();

    expect(report.summary).toEqual({ total: 5, succeeded: 4, failed: 1, cancelled: 0 });
    expect(report.items.map((i) => [i.id, i.line, i.status])).toEqual([
      ['item-1', 2, 'succeeded'],
      ['item-2', 3, 'failed'],
      ['item-3', 5, 'succeeded'],
      ['item-4', 6, 'succeeded'],
      ['item-5', 7, 'succeeded'],
    ]);
    // trueai accepts the prompt and refuses it asynchronously (contract §13): a ContentPolicy failure, not BannedPrompt.
    expect(report.items[1]!.failure).toEqual({ type: 'ContentPolicy', message: expect.any(String) });
    for (const item of report.items.filter((i) => i.status === 'succeeded')) {
      expect(item.jobId).toBe(`${batchId}/${item.id}`);
      expect(item.taskId).toEqual(expect.any(String));
      expect(item.images.length).toBeGreaterThan(0);
      for (const img of item.images) expect(img).toEqual({ url: expect.stringMatching(/^http/) });
    }
    const progress = await handle.query(getBatchProgressQuery);
    expect(progress).toMatchObject({ done: true, maxRunningPerGroup: 2, groups: [{ key: 'default/FAST', limit: 2 }] });

    // Exactly one upstream task per item (the refused one included: it was accepted, then failed).
    const byState = sim.stats().submitsByState;
    expect(Object.values(byState).every((n) => n === 1)).toBe(true);
    expect(
      Object.keys(byState)
        .map((k) => parseStateKey(k)?.workflowId)
        .sort()
    ).toEqual(report.items.map((i) => i.jobId));
  });
});
