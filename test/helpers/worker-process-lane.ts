/**
 * A real dev server and the simulator, with job workers as child processes that a test can SIGKILL
 * (test/helpers/worker-process.ts): the workflow bundle is built once and written to a file the children load.
 * `spawn()` starts one more worker and waits until it polls; `close()` kills every worker and stops the rest.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { bundleJobWorkflows, uniqueTaskQueue } from './job-env';
import { createDevServerEnv } from './temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from './worker-process';

export interface WorkerProcessLane {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  config: WorkerProcessConfig;
  spawn(): Promise<WorkerProcess>;
  /** The worker that is still alive (the last spawned one that was not killed). */
  live(): WorkerProcess;
  close(): Promise<void>;
}

export async function startWorkerProcessLane(file: string, sim: SimulatorOptions): Promise<WorkerProcessLane> {
  const [env, simulator, dir, { code }] = await Promise.all([
    createDevServerEnv(),
    startSimulator(sim),
    mkdtemp(path.join(tmpdir(), `${path.basename(file, '.ts')}-`)),
    bundleJobWorkflows(),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  const config: WorkerProcessConfig = {
    address: env.address,
    namespace: env.namespace ?? 'default',
    taskQueue: uniqueTaskQueue(file),
    bundlePath,
    simUrl: simulator.url,
    flavour: simulator.flavour,
    assetDir: path.join(dir, 'assets'),
  };
  const workers: WorkerProcess[] = [];
  const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;
  return {
    env,
    sim: simulator,
    config,
    async spawn() {
      const w = startWorkerProcess(config);
      workers.push(w);
      await w.ready;
      return w;
    },
    live() {
      const w = [...workers].reverse().find(alive);
      if (!w) throw new Error('no worker process is alive');
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await simulator.close();
      await env.teardown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
