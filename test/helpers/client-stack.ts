/**
 * The stack the client, CLI and package suites run against: a real dev server, the simulator on loopback and one
 * worker of this repository on a task queue private to the suite. `stop()` is safe to call after a test already
 * stopped the worker (the closed-job tests do).
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { createWorker, type MjWorker } from '../../src/worker';
import { bundleJobWorkflows } from './job-env';
import { createDevServerEnv } from './temporal';

export interface ClientStack {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  worker: MjWorker;
  taskQueue: string;
  /** Stops the worker (once) and resolves when it has drained. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startClientStack(opts: {
  name: string;
  assetDir: string;
  sim?: SimulatorOptions;
}): Promise<ClientStack> {
  const [env, bundle] = await Promise.all([createDevServerEnv(), bundleJobWorkflows()]);
  const sim = await startSimulator({ timeScale: 40, ...opts.sim });
  const taskQueue = `${opts.name}-${randomUUID()}`;
  const config = loadConfig({ MJ_BASE_URL: sim.url, MJ_ASSET_DIR: opts.assetDir, MJ_TASK_QUEUE: taskQueue });
  const worker = await createWorker(config, {
    connection: env.nativeConnection,
    namespace: env.namespace,
    installRuntime: false,
    workflowBundle: bundle,
    log: createLogger({ level: 'silent' }),
  });
  const done = worker.run();
  const stopWorker = async () => {
    if (worker.worker.getState() === 'RUNNING') worker.shutdown();
    await done;
  };
  return {
    env,
    sim,
    worker,
    taskQueue,
    stopWorker,
    async stop() {
      await stopWorker();
      await sim.close();
      await env.teardown();
    },
  };
}
