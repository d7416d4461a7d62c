/**
 * Child workflow ids on a server that stores ids as a PostgreSQL cluster does (`limit.maxIDLength` 255): a pipeline
 * started with a 200-character key and a long step id, and a batch with long item ids, still start every child
 * and finish, with the real job workflow against the simulator. Without bounded child ids their children are
 * refused by the server after the parent was accepted.
 */
import { randomUUID } from 'node:crypto';
import { parseBatchSpec, parsePipelineSpec } from '../../src/pipeline';
import { batchWorkflow, pipelineWorkflow } from '../../src/workflows';
import { MAX_WORKFLOW_ID_LENGTH } from '../../src/workflows/common/child-ids';
import { startSimLane, type SimLane } from '../helpers/sim-lane';

jest.setTimeout(120_000);

const FAST_POLICY = { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } as const;

describe('child ids on a server limited to 255-character ids', () => {
  let lane: SimLane;
  let env: SimLane['env'];
  let taskQueue: string;

  beforeAll(async () => {
    lane = await startSimLane(
      'child-ids',
      { flavour: 'trueai', timeScale: 50, seed: 5 },
      {},
      { dynamicConfig: { 'limit.maxIDLength': MAX_WORKFLOW_ID_LENGTH } }
    );
    ({ env, taskQueue } = lane);
  });

  afterAll(() => lane?.close());

  it('the server really refuses a 256-character workflow id (the limit these tests rely on)', async () => {
    const input = parsePipelineSpec({ name: 'x', steps: [{ id: 'g', imagine: { prompt: 'a cat' } }] });
    const err = await env.client.workflow
      .start(pipelineWorkflow, { taskQueue, workflowId: 'w'.repeat(256), args: [input] })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { cause?: Error }
      );
    expect(`${err?.message} ${err?.cause?.message}`).toMatch(/length|too long|exceeds/i);
  });

  it('a pipeline whose children would pass 255 characters starts them all and finishes', async () => {
    const grid = `grid-${'g'.repeat(35)}`;
    const input = parsePipelineSpec({
      name: 'long-ids',
      policy: FAST_POLICY,
      steps: [
        { id: grid, imagine: { prompt: 'a cat in a hat' } },
        { id: `upscale-${'u'.repeat(32)}`, from: grid, action: ['U1', 'U2'] },
      ],
    });
    const pipelineId = `mj-pipeline-${'p'.repeat(200)}-${randomUUID().slice(0, 8)}`.slice(0, 240);
    const result = await env.client.workflow.execute(pipelineWorkflow, {
      taskQueue,
      workflowId: pipelineId,
      args: [input],
    });
    expect(result.summary).toMatchObject({ total: 3, succeeded: 3 });
    const ids = result.outcomes.map((o) => o.jobId);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(MAX_WORKFLOW_ID_LENGTH);
    expect(new Set(ids).size).toBe(3);
    // The marker that keeps older histories replaying is in this pipeline's history.
    const history = await env.client.workflow.getHandle(pipelineId).fetchHistory();
    const patches = (history.events ?? [])
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) => Buffer.from(m!.details!['patch-data']!.payloads![0]!.data!).toString());
    expect(patches).toEqual([expect.stringContaining('"bounded-child-ids"')]);
    // The Web UI's metadata query shows the pipeline's current details.
    const meta = await env.client.workflow
      .getHandle(pipelineId)
      .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain('**Pipeline** long-ids — done');
    expect(meta.currentDetails).toContain('3 succeeded, 0 failed');
  });

  it('a batch whose item ids would pass 255 characters runs every item', async () => {
    const items = ['a', 'b'].map((k) => ({
      id: `${k}${'i'.repeat(39)}`,
      request: { kind: 'imagine', prompt: `cat ${k}` },
    }));
    const input = parseBatchSpec({ items, policy: FAST_POLICY }, {});
    const batchId = `mj-batch-${'b'.repeat(200)}-${randomUUID().slice(0, 8)}`;
    const report = await env.client.workflow.execute(batchWorkflow, { taskQueue, workflowId: batchId, args: [input] });
    expect(report.summary).toMatchObject({ total: 2, succeeded: 2 });
    for (const item of report.items) expect(item.jobId.length).toBeLessThanOrEqual(MAX_WORKFLOW_ID_LENGTH);
  });
});
