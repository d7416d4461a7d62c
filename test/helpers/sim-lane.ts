/**
 * One real dev server, the simulator on loopback and an in-process worker with the real activities (its own
 * `MjClient` and a local asset store in a temp dir) on a private task queue: the setup of suites that run workflows
 * end to end against the simulator. `close()` stops everything it started, in order.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { LocalAssetStore } from '../../src/assets';
import { MjClient, type MjClientOptions } from '../../src/mj';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { bundleJobWorkflows } from './job-env';
import { createDevServerEnv } from './temporal';

export interface SimLane {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  mj: MjClient;
  store: LocalAssetStore;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startSimLane(
  name: string,
  sim: SimulatorOptions,
  client: Partial<MjClientOptions> = {},
  server: Parameters<typeof createDevServerEnv>[0] = {}
): Promise<SimLane> {
  const [env, simulator, dir, bundle] = await Promise.all([
    createDevServerEnv(server),
    startSimulator(sim),
    mkdtemp(path.join(tmpdir(), `${name}-`)),
    bundleJobWorkflows(),
  ]);
  const mj = new MjClient({ baseUrl: simulator.url, flavour: simulator.flavour, ...client });
  const store = new LocalAssetStore({ dir });
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ mj, store }),
  });
  const running = worker.run();
  return {
    env,
    sim: simulator,
    mj,
    store,
    taskQueue,
    async close() {
      worker.shutdown();
      await running.catch(() => undefined);
      await mj.close();
      await simulator.close();
      await env.teardown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
