/**
 * Several upstreams end to end: one real dev server, N simulators on loopback (each with its own state
 * file, so one can be killed and brought back on the same port with its tasks), and an in-process worker with the
 * real activities, the real upstream pool workflow and its router client. Each lane uses its own pool id, so suites
 * do not share upstream health. With `budgets`, the worker also has the real ledger recorder (each lane has its own
 * dev server, so its own `mj-cost-ledger`). `close()` stops everything it started.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createSlotActivities } from '../../src/activities/slots';
import { LocalAssetStore } from '../../src/assets';
import { createLedgerRecorder } from '../../src/ledger/ledger-recorder';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { PoolRouterClient } from '../../src/upstreams/router-client';
import type { RoutingSettings, UpstreamView } from '../../src/shared/upstreams/types';
import type { BudgetsConfig } from '../../src/workflows/ledger/messages';
import { FixedUpstreamSet } from './fixed-upstream-set';
import { bundleJobWorkflows } from './job-env';
import { createDevServerEnv } from './temporal';

export interface LaneUpstream {
  view: UpstreamView;
  sim: SimulatorOptions;
  /** The key the worker's client sends (a wrong one makes every call an auth error). */
  clientApiKey?: string;
}

export interface UpstreamLane {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  router: PoolRouterClient;
  sims: Map<string, Simulator>;
  /** Kills upstream `id` (connection refused from now on); its tasks stay in its state file. */
  kill(id: string): Promise<void>;
  /** Brings upstream `id` back on the same port with its tasks. */
  revive(id: string): Promise<void>;
  /** Accepted submits of upstream `id` over every life of its simulator (counters survive in its state file). */
  accepted(id: string): number;
  /** Tasks created per `state`, over every upstream and every life. */
  submitsByState(): Map<string, number>;
  close(): Promise<void>;
}

export interface LaneOptions {
  /** Gives the worker the cost ledger with these budgets (absent: no ledger, as before). */
  budgets?: BudgetsConfig;
}

export async function startUpstreamLane(
  name: string,
  upstreams: LaneUpstream[],
  routing: RoutingSettings,
  opts: LaneOptions = {}
): Promise<UpstreamLane> {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  const stateFile = (id: string) => path.join(dir, `sim-${id}.json`);
  const [env, bundle, ...started] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    ...upstreams.map((u) => startSimulator({ ...u.sim, stateFile: stateFile(u.view.id) })),
  ]);
  const sims = new Map(upstreams.map((u, i) => [u.view.id, started[i]!]));
  const ports = new Map(upstreams.map((u) => [u.view.id, Number(new URL(sims.get(u.view.id)!.url).port)]));
  /** The counters of a killed simulator, as it went down (a revived one restores them from its state file). */
  const dead = new Map<string, { accepted: number; byState: Record<string, number> }>();
  const set = FixedUpstreamSet.over(
    upstreams.map((u) => u.view),
    routing,
    Object.fromEntries(upstreams.map((u) => [u.view.id, sims.get(u.view.id)!.url])),
    {
      timeoutMs: 5_000,
      apiKeys: Object.fromEntries(upstreams.flatMap((u) => (u.clientApiKey ? [[u.view.id, u.clientApiKey]] : []))),
    }
  );
  const store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const router = new PoolRouterClient({
    client: env.client,
    taskQueue,
    upstreams: set,
    workflowId: `mj-upstream-pool-${randomUUID().slice(0, 8)}`,
  });
  const legacy = set.client(upstreams[0]!.view.id);
  const ledger = opts.budgets
    ? createLedgerRecorder({ client: env.client, taskQueue, budgets: opts.budgets })
    : undefined;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: {
      ...createSlotActivities({ client: env.client }),
      ...createActivities({ mj: legacy, store, upstreams: set, router, ...(ledger ? { ledger } : {}) }),
    },
  });
  const running = worker.run();
  const acceptedNow = (sim: Simulator) => Object.values(sim.stats().acceptedByEndpoint).reduce((a, b) => a + b, 0);
  const snapshot = (id: string) => {
    const sim = sims.get(id)!;
    return { accepted: acceptedNow(sim), byState: { ...sim.stats().submitsByState } };
  };
  const last = (id: string) => dead.get(id) ?? snapshot(id);
  return {
    env,
    taskQueue,
    router,
    sims,
    async kill(id) {
      dead.set(id, snapshot(id));
      await sims.get(id)!.close();
    },
    async revive(id) {
      const u = upstreams.find((x) => x.view.id === id)!;
      sims.set(id, await startSimulator({ ...u.sim, port: ports.get(id), stateFile: stateFile(id) }));
      dead.delete(id);
    },
    accepted(id) {
      return last(id).accepted;
    },
    submitsByState() {
      const out = new Map<string, number>();
      for (const id of sims.keys()) {
        for (const [state, n] of Object.entries(last(id).byState)) out.set(state, (out.get(state) ?? 0) + n);
      }
      return out;
    },
    async close() {
      worker.shutdown();
      await running.catch(() => undefined);
      await set.close();
      await Promise.all([...sims.values()].map((s) => s.close().catch(() => undefined)));
      await env.teardown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
