/**
 * The full examples/cat-pipeline.json flow on a REAL dev server, with the real job workflow, real activities and the
 * simulator over loopback: imagine → U1–U4 → zoom-out 2 on each, and vary-region on U2 once a person supplies a
 * stored PNG mask through `provideStepInput`. Proves one upstream submit per state key and the number of jobs.
 */
import { randomUUID } from 'node:crypto';
import { PNG } from 'pngjs';
import { parsePipelineSpec } from '../../src/pipeline';
import { PIPELINE_FAILURE } from '../../src/shared/failure-types';
import type { PipelineInput } from '../../src/shared/pipeline-types';
import { parseStateKey } from '../../src/shared/state-key';
import { getPipelineProgressQuery, pipelineWorkflow, provideStepInputUpdate } from '../../src/workflows';
import { catSpec } from '../helpers/pipeline-harness';
import { startSimLane, type SimLane } from '../helpers/sim-lane';

jest.setTimeout(120_000);

/** Poll fast: the simulator runs 25× real time, and the dev server's timers are real. */
const FAST_POLICY = { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } as const;

function maskPng(size = 64): Uint8Array {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const white = x > size / 4 && x < (3 * size) / 4 && y < size / 3; // repaint the top middle (a hat)
      png.data[i] = png.data[i + 1] = png.data[i + 2] = white ? 255 : 0;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

describe('cat pipeline on the dev server with the simulator', () => {
  let lane: SimLane;
  let env: SimLane['env'];
  let sim: SimLane['sim'];
  let store: SimLane['store'];
  let taskQueue: string;

  beforeAll(async () => {
    lane = await startSimLane('pipeline-sim', { flavour: 'trueai', timeScale: 25, seed: 11 });
    ({ env, sim, store, taskQueue } = lane);
  }, 120_000);

  afterAll(() => lane?.close());

  it('runs imagine → U1–U4 → zoom-out 2 each, and vary-region on U2 with a stored mask: one submit per job', async () => {
    const input: PipelineInput = parsePipelineSpec({ ...catSpec(), policy: FAST_POLICY });
    const pipelineId = `mj-pipeline-cat-${randomUUID().slice(0, 8)}`;
    const handle = await env.client.workflow.start(pipelineWorkflow, {
      taskQueue,
      workflowId: pipelineId,
      args: [input],
    });

    // The vary-region branch waits for a person once U2 exists; nothing has been submitted for it yet.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const p = await handle.query(getPipelineProgressQuery);
      if (p.waiting.includes('region/U2')) {
        expect(p.steps.find((s) => s.step === 'region')!.branches[0]!.waitingFor).toEqual({
          kind: 'modal',
          needs: ['prompt', 'mask'],
          intent: 'vary-region',
        });
        break;
      }
      if (p.done || Date.now() > deadline) throw new Error(`region/U2 never waited: ${JSON.stringify(p.summary)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const regionJobId = `${pipelineId}/region/U2`;
    expect(Object.keys(sim.stats().submitsByState).some((k) => parseStateKey(k)?.workflowId === regionJobId)).toBe(
      false
    );

    const mask = await store.put(maskPng(), { contentType: 'image/png', prefix: 'masks' });
    const ack = await handle.executeUpdate(provideStepInputUpdate, {
      args: [{ step: 'region', branch: 'U2', modal: { prompt: 'a cute cat wearing a tiny hat --v 7', mask } }],
    });
    expect(ack).toEqual({ step: 'region', branch: 'U2', jobId: regionJobId });

    const result = await handle.result();
    const failures = result.outcomes.filter((o) => o.status !== 'succeeded');
    expect(failures).toEqual([]);
    expect(result.summary).toEqual({ total: 10, succeeded: 10, failed: 0, skipped: 0, cancelled: 0, jobsStarted: 10 });

    // Exactly one upstream submit per state key, one state key per job, every job a child of this pipeline.
    const stats = sim.stats();
    const byState = stats.submitsByState;
    expect(Object.values(byState).every((n) => n === 1)).toBe(true);
    const jobIds = Object.keys(byState).map((k) => parseStateKey(k)?.workflowId);
    expect(jobIds.sort()).toEqual(result.outcomes.map((o) => o.jobId).sort());
    expect(stats.submitsByEndpoint).toMatchObject({ 'submit/imagine': 1, 'submit/action': 9, 'submit/modal': 1 });

    // The results are the tasks the simulator made, chained parent → child.
    const taskIds = result.outcomes.map((o) => o.taskId!);
    expect(new Set(taskIds).size).toBe(10);
    const task = (key: string) =>
      sim.task(result.outcomes.find((o) => `${o.step}/${o.branch}` === key)!.taskId!) as {
        status: string;
        parentId?: string;
      };
    const ups2 = result.outcomes.find((o) => o.step === 'ups' && o.branch === 'U2')!;
    expect(task('zoom/U2')).toMatchObject({ status: 'SUCCESS', parentId: ups2.taskId });
    expect(task('region/U2')).toMatchObject({ status: 'SUCCESS', parentId: ups2.taskId });
    expect(task('ups/U2')).toMatchObject({ parentId: result.outcomes[0]!.taskId });
    expect(result.outcomes.find((o) => o.step === 'region')!.result).toMatchObject({ taskId: expect.any(String) });
    expect(ups2.result!.images.length).toBeGreaterThan(0);

    // Running the same pipeline id again pays for nothing: every entry job is a duplicate, the rest is skipped.
    const again = await env.client.workflow.execute(pipelineWorkflow, {
      taskQueue,
      workflowId: pipelineId,
      args: [input],
    });
    expect(again.summary).toMatchObject({ failed: 1, skipped: 9, jobsStarted: 0 });
    expect(again.outcomes[0]!.failure!.type).toBe(PIPELINE_FAILURE.duplicateJob);
    expect(sim.stats().submitsByState).toEqual(byState);
  });
});
