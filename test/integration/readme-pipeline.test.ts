/**
 * The documented pipeline example, exactly as printed (its JSON block is read from docs/pipelines-and-batches.md
 * and must equal examples/cat-pipeline.json): with `"input": "ask"` on the Vary (Region) step, nothing is opened upstream for that
 * step until a person gives `modal` — no button press, no MODAL task — while every other branch runs to the end.
 * Real dev server, real workers and activities, the simulator counting every submit.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePipelineSpec } from '../../src/pipeline';
import { getPipelineProgressQuery, pipelineWorkflow, provideStepInputUpdate } from '../../src/workflows';
import { startSimLane, type SimLane } from '../helpers/sim-lane';
import { bandMaskPng } from '../helpers/mask-png';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

/** The first ```json block after "A pipeline file is JSON" in docs/pipelines-and-batches.md. */
async function documentedExample(): Promise<unknown> {
  const doc = await readFile(path.join(ROOT, 'docs/pipelines-and-batches.md'), 'utf8');
  const from = doc.indexOf('A pipeline file is JSON');
  expect(from).toBeGreaterThan(0);
  const block = /```json\n([\s\S]*?)```/.exec(doc.slice(from));
  expect(block).not.toBeNull();
  return JSON.parse(block![1]!);
}

let lane: SimLane;
beforeAll(async () => {
  lane = await startSimLane('readme-pipeline', { flavour: 'trueai', timeScale: 50, seed: 21 });
}, 120_000);
afterAll(() => lane?.close());

it('prints the same pipeline as examples/cat-pipeline.json', async () => {
  const file = JSON.parse(await readFile(path.join(ROOT, 'examples/cat-pipeline.json'), 'utf8')) as unknown;
  expect(await documentedExample()).toEqual(file);
});

it('opens no upstream task for the "ask" step until modal is given, then exactly one press and one modal', async () => {
  const spec = (await documentedExample()) as Record<string, unknown>;
  const input = parsePipelineSpec({ ...spec, policy: { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } });
  const { env, sim, store, taskQueue } = lane;
  const handle = await env.client.workflow.start(pipelineWorkflow, {
    taskQueue,
    workflowId: `mj-pipeline-readme-${randomUUID().slice(0, 8)}`,
    args: [input],
  });

  // Everything but the asked step finishes: grid, U1–U4 and four zoom-outs.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const p = await handle.query(getPipelineProgressQuery);
    const others = p.steps.filter((s) => s.step !== 'region').flatMap((s) => s.branches);
    if (others.length === 9 && others.every((b) => b.status === 'succeeded') && p.waiting.includes('region/U2')) break;
    if (p.done || Date.now() > deadline) throw new Error(`pipeline did not settle: ${JSON.stringify(p.summary)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1_000)); // time for a stray press to show, if the code made one
  const waiting = sim.stats();
  expect(waiting.submitsByEndpoint).toEqual({ 'submit/imagine': 1, 'submit/action': 8 });
  const tasks = sim.tasks() as { status: string; action: string }[];
  expect(tasks.filter((t) => t.status === 'MODAL')).toEqual([]);
  expect(tasks.filter((t) => t.action === 'VARIATION')).toEqual([]);
  expect(tasks).toHaveLength(9);

  const mask = await store.put(bandMaskPng(), { contentType: 'image/png', prefix: 'masks' });
  await handle.executeUpdate(provideStepInputUpdate, {
    args: [{ step: 'region', branch: 'U2', modal: { prompt: 'a cute cat wearing a red hat --v 7', mask } }],
  });
  const result = await handle.result();
  expect(result.summary).toMatchObject({ total: 10, succeeded: 10 });
  expect(sim.stats().submitsByEndpoint).toEqual({ 'submit/imagine': 1, 'submit/action': 9, 'submit/modal': 1 });
});
