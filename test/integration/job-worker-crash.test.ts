/**
 * A worker process SIGKILLed mid-job, and a new one finishing the job with exactly one upstream submit per state key.
 * The dead worker's submit never reports back: the workflow learns of it by the heartbeat timeout, looks the task up
 * by `state` and adopts it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSimulator, type Simulator } from '../../src/simulator';
import { makeStateKey } from '../../src/shared/state-key';
import { getProgressQuery, mjJobWorkflow } from '../../src/workflows';
import { bundleJobWorkflows, uniqueId, uniqueTaskQueue } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from '../helpers/worker-process';

jest.setTimeout(90_000);

let env: TestWorkflowEnvironment;
let sim: Simulator;
let dir: string;
let config: WorkerProcessConfig;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  let code: string;
  [env, sim, dir, { code }] = await Promise.all([
    createDevServerEnv(),
    startSimulator({ flavour: 'trueai', timeScale: 100, seed: 5 }),
    mkdtemp(path.join(tmpdir(), 'job-crash-')),
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
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await sim?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => sim.faults.clear());

async function spawnWorker(): Promise<WorkerProcess> {
  const w = startWorkerProcess(config);
  workers.push(w);
  await w.ready;
  return w;
}

/** Real-time wait for the simulator, bounded. */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('adopts the task of a submit whose worker died before the answer arrived', async () => {
  const first = await spawnWorker();
  // The proxy creates the task at once but holds its answer; the worker dies while waiting for it.
  sim.faults.add({ endpoint: 'submit/imagine', kind: 'slow', delayMs: 60_000, times: 1 });
  const workflowId = uniqueId('crash');
  const stateKey = makeStateKey(workflowId, 0);
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [
      {
        request: { kind: 'imagine', prompt: 'a fox that survives a crash' },
        policy: { initialInterval: '300ms', maxInterval: '600ms' },
      },
    ],
  });
  await until(() => sim.stats().submitsByState[stateKey] === 1);
  expect(await first.kill('SIGKILL')).toBe('SIGKILL');

  await spawnWorker();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(sim.stats().submitsByState[stateKey]).toBe(1);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(true);
  expect(events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'findTaskByState')).toBe(
    true
  );
});

it('finishes a job whose worker died while it was polling', async () => {
  const first = await spawnWorker();
  const workflowId = uniqueId('crash');
  const stateKey = makeStateKey(workflowId, 0);
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [
      {
        request: { kind: 'imagine', prompt: 'a fox that outlives its worker --sim-duration 600' },
        mode: 'RELAX',
        policy: { initialInterval: '300ms', maxInterval: '600ms' },
      },
    ],
  });
  await until(async () => (await handle.query(getProgressQuery)).status === 'IN_PROGRESS');
  await first.kill('SIGKILL');

  await spawnWorker();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(result.submits).toBe(1);
  expect(sim.stats().submitsByState[stateKey]).toBe(1);
});
