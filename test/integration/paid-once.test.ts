/**
 * "Paid once", lineage and seeds through the typed client, against a real dev server, the simulator on loopback and
 * worker processes that the tests SIGKILL: U1 pressed twice (one after the other, at once, and across a worker kill)
 * creates one upstream task, V1 twice creates two, `payAgain` a second one, a cancelled press does not block a
 * retry; each job's read model carries its parent and root, its children are listed, and its seed is the one the
 * simulator answers on `image-seed`. Upstream tasks are counted on the simulator, per parent task and action.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LocalAssetStore } from '../../src/assets';
import { JobFailedError, MjJobsClient } from '../../src/client';
import { MjInputError } from '../../src/mj/errors';
import { startSimulator, type Simulator } from '../../src/simulator';
import { bundleJobWorkflows, uniqueTaskQueue } from '../helpers/job-env';
import { get } from '../helpers/simulator-support';
import { createDevServerEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from '../helpers/worker-process';

jest.setTimeout(180_000);

let env: TestWorkflowEnvironment;
let sim: Simulator;
let dir: string;
let config: WorkerProcessConfig;
let jobs: MjJobsClient;
let worker: WorkerProcess;
const workers: WorkerProcess[] = [];

async function spawnWorker(): Promise<WorkerProcess> {
  const w = startWorkerProcess(config);
  workers.push(w);
  await w.ready;
  return w;
}

beforeAll(async () => {
  let code: string;
  [env, sim, dir, { code }] = await Promise.all([
    createDevServerEnv(),
    startSimulator({ flavour: 'trueai', timeScale: 100, seed: 26 }),
    mkdtemp(path.join(tmpdir(), 'paid-once-')),
    bundleJobWorkflows(),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  config = {
    address: env.address,
    namespace: env.namespace ?? 'default',
    taskQueue: uniqueTaskQueue(__filename),
    bundlePath,
    simUrl: sim.url,
    flavour: 'trueai',
    assetDir: path.join(dir, 'assets'),
  };
  jobs = new MjJobsClient({
    client: env.client,
    store: new LocalAssetStore({ dir: config.assetDir }),
    taskQueue: config.taskQueue,
  });
  worker = await spawnWorker();
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await sim?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Upstream tasks the simulator created with `action` on the upstream task `parentTaskId`. */
function upstreamTasks(parentTaskId: string, action: string): number {
  const tasks = sim.tasks() as { parentId?: string | null; action?: string }[];
  return tasks.filter((t) => t.parentId === parentTaskId && t.action === action).length;
}

/** Polls `probe` until it holds (visibility and the simulator are read, not waited on by time), bounded. */
async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A finished grid: its job id and upstream task id. */
async function grid(prompt: string): Promise<{ jobId: string; taskId: string }> {
  const h = await jobs.imagine(prompt);
  return { jobId: h.jobId, taskId: (await h.result()).taskId };
}

describe('paid once', () => {
  it('U1 pressed twice, one after the other, is one job and one upstream task', async () => {
    const g = await grid('a lighthouse at dusk');
    const first = await jobs.action(g.jobId, 'U1');
    expect(first).toMatchObject({ jobId: `${g.jobId}.press.U1`, alreadyStarted: false });
    const up = await first.result();
    const second = await jobs.action(g.jobId, 'U1');
    expect(second).toMatchObject({ jobId: first.jobId, alreadyStarted: true });
    expect((await second.result()).taskId).toBe(up.taskId);
    expect(upstreamTasks(g.taskId, 'UPSCALE')).toBe(1);
  });

  it('U2 pressed four times at once starts one job', async () => {
    const g = await grid('a lighthouse at dawn');
    const handles = await Promise.all([1, 2, 3, 4].map(() => jobs.action(g.jobId, 'U2')));
    expect(new Set(handles.map((h) => h.jobId))).toEqual(new Set([`${g.jobId}.press.U2`]));
    expect(handles.filter((h) => !h.alreadyStarted)).toHaveLength(1);
    await handles[0]!.result();
    expect(upstreamTasks(g.taskId, 'UPSCALE')).toBe(1);
  });

  it('V1 twice draws twice; payAgain pays again for U1; a caller key on a paid-once press is refused', async () => {
    const g = await grid('a lighthouse in fog');
    const [v1, v1Again] = [await jobs.action(g.jobId, 'V1'), await jobs.action(g.jobId, 'V1')];
    expect(v1Again.jobId).not.toBe(v1.jobId);
    const u1 = await jobs.action(g.jobId, 'U1');
    const u1Again = await jobs.action(g.jobId, 'U1', { payAgain: true });
    expect(u1Again).toMatchObject({ alreadyStarted: false });
    expect(u1Again.jobId).not.toBe(u1.jobId);
    await Promise.all([v1, v1Again, u1, u1Again].map((h) => h.result()));
    expect(upstreamTasks(g.taskId, 'VARIATION')).toBe(2);
    expect(upstreamTasks(g.taskId, 'UPSCALE')).toBe(2);
    const keyed = jobs.action(g.jobId, 'U3', { jobId: 'my-own-key' });
    await expect(keyed).rejects.toBeInstanceOf(MjInputError);
    await expect(keyed).rejects.toMatchObject({ field: 'jobId' });
  });

  it('a press that was cancelled does not block a retry, which gets an id of its own', async () => {
    const g = await grid('a lighthouse in a storm');
    const first = await jobs.action(g.jobId, 'U4');
    await jobs.cancel(first.jobId);
    await expect(first.result()).rejects.toBeInstanceOf(JobFailedError);
    const retry = await jobs.action(g.jobId, 'U4');
    expect(retry).toMatchObject({ jobId: `${g.jobId}.press.U4.2`, alreadyStarted: false });
    expect((await retry.result()).task.status).toBe('SUCCESS');
    expect(await jobs.action(g.jobId, 'U4')).toMatchObject({ jobId: retry.jobId, alreadyStarted: true });
  });

  it('U1 pressed again after the worker running the first press was killed is still one upstream task', async () => {
    const g = await grid('a lighthouse that survives a crash');
    const first = await jobs.action(g.jobId, 'U1', { mode: 'RELAX' });
    await until(() => upstreamTasks(g.taskId, 'UPSCALE') === 1, 'the upscale task upstream');
    expect(await worker.kill('SIGKILL')).toBe('SIGKILL');
    // No worker runs now: the second press is decided by the server alone.
    const second = await jobs.action(g.jobId, 'U1');
    expect(second).toMatchObject({ jobId: first.jobId, alreadyStarted: true });
    worker = await spawnWorker();
    expect((await second.result()).task.status).toBe('SUCCESS');
    expect(upstreamTasks(g.taskId, 'UPSCALE')).toBe(1);
  });
});

describe('lineage and seed', () => {
  it("records parent, root and seed, and lists a job's children", async () => {
    const g = await grid('a harbour at night');
    const up = await jobs.action(g.jobId, 'U1');
    const upTask = (await up.result()).taskId;
    const vary = await jobs.action(up.jobId, 'vary-subtle');
    await vary.result();

    const s = await jobs.status(vary.jobId);
    expect(s.kind === 'job' && s.progress.lineage).toEqual({ parentJobId: up.jobId, rootJobId: g.jobId });
    const gs = await jobs.status(g.jobId);
    expect(gs.kind === 'job' && gs.progress.lineage).toBeUndefined();

    // The seed the job recorded is the one the upstream answers for the task.
    const seedOf = async (taskId: string) => (await get(sim, `/mj/task/${taskId}/image-seed`)).json.result as string;
    expect(gs.kind === 'job' && gs.progress.provenance?.seed).toBe(await seedOf(g.taskId));
    const us = await jobs.status(up.jobId);
    expect(us.kind === 'job' && us.progress.provenance?.seed).toBe(await seedOf(upTask));

    await until(async () => (await jobs.children(g.jobId)).length === 1, 'the grid child in visibility');
    expect((await jobs.children(g.jobId)).map((c) => [c.jobId, c.intent])).toEqual([[up.jobId, 'U1']]);
    await until(async () => (await jobs.children(up.jobId)).length === 1, 'the upscale child in visibility');
    expect((await jobs.children(up.jobId))[0]).toMatchObject({ jobId: vary.jobId, intent: 'vary-subtle' });
  });
});
