/**
 * Jobs v2 across a worker death between the two upstream calls of an always-modal intent (Vary Region): the job
 * presses the button (`/submit/action`) and submits the modal (`/submit/modal`) back to back, and a SIGKILLed worker
 * in between must not make the next one press again or submit twice. The simulator counts both calls; a real dev
 * server and worker processes run the job.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LocalAssetStore } from '../../src/assets';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { AssetRef, JobInput } from '../../src/shared/types';
import { getProgressQuery, mjJobWorkflow, provideModalInputUpdate } from '../../src/workflows';
import { bundleJobWorkflows, uniqueId, uniqueTaskQueue } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from '../helpers/worker-process';
import { bandMaskPng } from '../helpers/mask-png';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let sim: Simulator;
let dir: string;
let config: WorkerProcessConfig;
let mask: AssetRef;
/** The upscaled image every test varies (Vary Region exists only there, contract §14.3). */
let parentTaskId: string;
const workers: WorkerProcess[] = [];
const POLICY = { initialInterval: '300ms', maxInterval: '600ms' } as const;

async function spawnWorker(): Promise<WorkerProcess> {
  const w = startWorkerProcess(config);
  workers.push(w);
  await w.ready;
  return w;
}

async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const start = (input: Partial<JobInput> & Pick<JobInput, 'request'>) =>
  env.client.workflow.start(mjJobWorkflow, {
    taskQueue: config.taskQueue,
    workflowId: uniqueId('modal-kill'),
    args: [{ policy: POLICY, ...input }],
  });

const counts = () => {
  const s = sim.stats();
  return {
    action: s.submitsByEndpoint['submit/action'] ?? 0,
    modal: s.submitsByEndpoint['submit/modal'] ?? 0,
    acceptedModal: s.acceptedByEndpoint['submit/modal'] ?? 0,
  };
};
/** Upstream tasks whose parent is the upscaled image: each one a press of one of its buttons. */
const children = () => (sim.tasks() as { parentId?: string }[]).filter((t) => t.parentId === parentTaskId);

beforeAll(async () => {
  let code: string;
  [env, sim, dir, { code }] = await Promise.all([
    createDevServerEnv(),
    startSimulator({ flavour: 'trueai', timeScale: 100, seed: 9 }),
    mkdtemp(path.join(tmpdir(), 'modal-kill-')),
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
  mask = await new LocalAssetStore({ dir: config.assetDir }).put(bandMaskPng(), {
    contentType: 'image/png',
    prefix: 'masks',
  });
  await spawnWorker();
  const grid = await (await start({ request: { kind: 'imagine', prompt: 'a hat stand --v 7' } })).result();
  const up = await (
    await start({ request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'upscale', index: 1 } } })
  ).result();
  parentTaskId = up.taskId;
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await sim?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => sim.faults.clear());

const live = () => workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;

it('a worker killed while the button press is answered: the next one adopts the MODAL child, one action, one modal', async () => {
  const before = counts();
  const childrenBefore = children().length;
  // The proxy creates the MODAL child at once and holds the answer; the worker dies waiting for it.
  sim.faults.add({ endpoint: 'submit/action', kind: 'slow', delayMs: 60_000, times: 1 });
  const handle = await start({
    request: { kind: 'action', parentTaskId, intent: { kind: 'vary-region' } },
    modal: { prompt: 'a red hat on the stand --v 7', mask },
  });
  await until(() => counts().action === before.action + 1);
  expect(counts().modal).toBe(before.modal);
  expect(await live().kill('SIGKILL')).toBe('SIGKILL');

  await spawnWorker();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(counts()).toEqual({
    action: before.action + 1,
    modal: before.modal + 1,
    acceptedModal: before.acceptedModal + 1,
  });
  expect(children().length).toBe(childrenBefore + 1);
});

it('a worker killed while the modal submit is answered: the next one sees the child moved on and submits nothing again', async () => {
  const before = counts();
  const childrenBefore = children().length;
  const handle = await start({ request: { kind: 'action', parentTaskId, intent: { kind: 'vary-region' } } });
  await until(async () => (await handle.query(getProgressQuery)).phase === 'waiting-input');
  // Asked first: nothing pressed upstream while the person thinks.
  expect(counts()).toEqual(before);
  expect(children().length).toBe(childrenBefore);

  sim.faults.add({ endpoint: 'submit/modal', kind: 'slow', delayMs: 60_000, times: 1 });
  const answered = handle
    .executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a blue hat on the stand --v 7', mask }] })
    .catch((err: unknown) => err);
  await until(() => counts().modal === before.modal + 1);
  expect(counts().action).toBe(before.action + 1);
  expect(await live().kill('SIGKILL')).toBe('SIGKILL');

  await spawnWorker();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(await answered).toMatchObject({ accepted: true });
  expect(counts()).toEqual({
    action: before.action + 1,
    modal: before.modal + 1,
    acceptedModal: before.acceptedModal + 1,
  });
  expect(children().length).toBe(childrenBefore + 1);
});
