/**
 * A job worker in a child process (run through tsx), so a test can SIGKILL it mid-job the way a crashed pod dies:
 * no graceful shutdown, no activity completion, sockets torn down by the kernel.
 *
 * Imported: `startWorkerProcess(config)`. Executed as a script: reads the config from `JOB_WORKER_CONFIG` and runs
 * the worker until killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createSlotActivities } from '../../src/activities/slots';
import { createLedgerRecorder } from '../../src/ledger/ledger-recorder';
import { PoolRouterClient } from '../../src/upstreams/router-client';
import { FixedUpstreamSet } from './fixed-upstream-set';
import { createActivities } from '../../src/activities';
import { LocalAssetStore } from '../../src/assets';
import { MjClient } from '../../src/mj';
import type { MjFlavour } from '../../src/mj/types';
import type { RoutingSettings, UpstreamView } from '../../src/shared/upstreams/types';

export interface WorkerProcessConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** A file holding a prebuilt workflow bundle (bundling in the child would take seconds). */
  bundlePath: string;
  simUrl: string;
  flavour: MjFlavour;
  assetDir: string;
  notifyHookUrl?: string;
  /**
   * Several upstreams: the worker routes through the pool workflow `poolId` over these simulators
   * (`simUrl` stays the client of unrouted calls). @default undefined (one upstream)
   */
  upstreams?: { views: UpstreamView[]; routing: RoutingSettings; urls: Record<string, string>; poolId: string };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves once the worker polls its task queue. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

const READY = 'job-worker-ready';
// Node itself with tsx's require hook: the tsx CLI would put a second process between us and the worker, and a
// SIGKILL of the CLI leaves that worker running.
const TSX_HOOK = require.resolve('tsx/cjs');
const READY_TIMEOUT_MS = 60_000;

export function startWorkerProcess(config: WorkerProcessConfig): WorkerProcess {
  const child = spawn(process.execPath, ['--require', TSX_HOOK, __filename], {
    env: { ...process.env, JOB_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code));
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker process not ready after ${READY_TIMEOUT_MS} ms: ${stderr}`)),
      READY_TIMEOUT_MS
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${how}) before it was ready: ${stderr}`));
    });
  });
  // Readiness failures surface through `ready`; an exit after readiness is the test's business.
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

let poolClient: Client | undefined;
const temporalClient = async (config: WorkerProcessConfig): Promise<Client> =>
  (poolClient ??= new Client({ connection: await Connection.connect({ address: config.address }) }));

/** With upstreams: the pool's describe activities (its reclaim of closed jobs' reservations). */
async function routedActivities(config: WorkerProcessConfig) {
  return config.upstreams ? createSlotActivities({ client: await temporalClient(config) }) : {};
}

/** With upstreams: the set over the simulators, the router client of the pool and the cost ledger (as the worker). */
async function routing(config: WorkerProcessConfig) {
  const u = config.upstreams;
  if (!u) return {};
  const upstreams = FixedUpstreamSet.over(u.views, u.routing, u.urls);
  const client = await temporalClient(config);
  return {
    upstreams,
    router: new PoolRouterClient({ client, taskQueue: config.taskQueue, upstreams, workflowId: u.poolId }),
    ledger: createLedgerRecorder({ client, taskQueue: config.taskQueue }),
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.JOB_WORKER_CONFIG ?? '') as WorkerProcessConfig;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: config.address });
  const mj = new MjClient({ baseUrl: config.simUrl, flavour: config.flavour });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: {
      ...(await routedActivities(config)),
      ...createActivities({
        mj,
        store: new LocalAssetStore({ dir: config.assetDir }),
        notifyHookUrl: config.notifyHookUrl,
        ...(await routing(config)),
      }),
    },
    // When this process dies, its sticky queue should hand work back to the shared queue quickly.
    stickyQueueScheduleToStartTimeout: '1s',
  });
  const running = worker.run();
  process.stdout.write(`${READY}\n`);
  await running;
  await connection.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
