/**
 * The production stack of docker-compose.yml, as processes on this machine: the local Temporal cluster
 * (scripts/cluster), the simulator standing in for the proxy, the webhook receiver (`src/webhook/main.ts`) and two or
 * more workers (`src/worker.ts`), each its own process configured only through the environment, as compose does.
 * Tests talk to it through the public {@link MjJobsClient}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import path from 'node:path';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { freeLowPort, startCluster, type LocalCluster } from '../../scripts/cluster/cluster';
import { ROOT as REPO_ROOT } from '../../scripts/cluster/settings';
import { bundleJobWorkflows } from '../helpers/job-env';

const ROOT = REPO_ROOT;
// Node with tsx's require hook, so a SIGKILL hits the worker itself (the tsx CLI would sit in between).
const TSX_HOOK = require.resolve('tsx/cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/** One of our processes (worker or webhook receiver), its output kept for errors. */
function spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv, readyLine: RegExp, timeoutMs = 90_000) {
  const child = spawn(process.execPath, ['--require', TSX_HOOK, path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6_000);
  };
  child.stderr.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code))
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms: ${output}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${how}) before it was ready: ${output}`));
    });
  });
  ready.catch(() => undefined);
  const proc: NodeProcess = {
    name,
    child,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return { proc, ready };
}

export interface StackOptions {
  name: string;
  workers?: number;
  sim?: SimulatorOptions;
  /** Extra environment of the workers (e.g. MJ_MAX_CACHED_WORKFLOWS). */
  workerEnv?: NodeJS.ProcessEnv;
}

/**
 * `CLUSTER_REMOTE=1`: Temporal is the deployment named by the `TEMPORAL_*` variables of this environment (a real
 * cluster, Temporal Cloud with `TEMPORAL_API_KEY` or mTLS) instead of the local cluster; workers, the webhook
 * receiver and the simulator still run here. Only tests that need no process of the server run then.
 */
export const REMOTE = process.env.CLUSTER_REMOTE === '1';

export interface Stack {
  /** The local cluster; throws under CLUSTER_REMOTE (the test needs to kill or inspect server processes). */
  readonly cluster: LocalCluster;
  readonly sim: Simulator;
  readonly mj: MjJobsClient;
  readonly taskQueue: string;
  readonly assetDir: string;
  /** The current worker processes (one per slot). */
  readonly workers: NodeProcess[];
  /** Every worker process ever started, killed ones included. */
  readonly allWorkers: NodeProcess[];
  readonly webhook: NodeProcess;
  /** Starts a new worker in slot `slot` (retried while the frontend is down: its connect fails and it exits). */
  respawnWorker(slot: number): Promise<NodeProcess>;
  stop(): Promise<void>;
}

const API_KEY = 'cluster-sim-key';

/** A 32×32 PNG mask, left half white: what a person paints for Vary (Region). */
export function maskPng(): Uint8Array {
  const png = new PNG({ width: 32, height: 32 });
  for (let p = 0; p < 32 * 32; p++) png.data.fill(p % 32 < 16 ? 255 : 0, p * 4, p * 4 + 4);
  for (let p = 0; p < 32 * 32; p++) png.data[p * 4 + 3] = 255;
  return PNG.sync.write(png);
}

/** Our processes get the environment compose would give them, nothing inherited from the test's own MJ_* settings. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MJ_') && !k.startsWith('TEMPORAL_'))
  );
}

/** The connection settings (envconfig's TEMPORAL_* variables) every process of the stack gets. */
function temporalEnv(cluster: LocalCluster | undefined): NodeJS.ProcessEnv {
  if (cluster) return { TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace };
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TEMPORAL_')));
  if (!env.TEMPORAL_ADDRESS && !env.TEMPORAL_PROFILE) {
    throw new Error('CLUSTER_REMOTE=1 needs TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, …)');
  }
  return env;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const [local, sim, bundle] = await Promise.all([
    REMOTE ? undefined : startCluster({ name: opts.name }),
    startSimulator({ flavour: 'trueai', timeScale: 30, seed: 14, apiKey: API_KEY, ...opts.sim }),
    bundleJobWorkflows(),
  ]);
  const dir = local?.dir ?? path.join(ROOT, '.temporal', 'cluster', 'runs', `${opts.name}-remote`);
  mkdirSync(dir, { recursive: true });
  const assetDir = path.join(dir, 'assets');
  mkdirSync(assetDir, { recursive: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const taskQueue = `mj-cluster-${randomUUID().slice(0, 8)}`;
  const token = `tok_${randomUUID().replace(/-/g, '')}`;
  const webhookPort = await freeLowPort();
  const common: NodeJS.ProcessEnv = {
    ...baseEnv(),
    ...temporalEnv(local),
    MJ_BASE_URL: sim.url,
    MJ_FLAVOUR: sim.flavour,
    MJ_API_KEY: API_KEY,
    MJ_WEBHOOK_TOKEN: token,
    MJ_TASK_QUEUE: taskQueue,
    MJ_ASSET_DIR: assetDir,
    MJ_LOG_LEVEL: 'info',
  };
  const hook = spawnNode(
    'webhook',
    'src/webhook/main.ts',
    { ...common, MJ_WEBHOOK_HOST: '127.0.0.1', MJ_WEBHOOK_PORT: String(webhookPort) },
    /webhook receiver listening|"url":"http/
  );
  await hook.ready;
  const workerEnv: NodeJS.ProcessEnv = {
    ...common,
    MJ_PUBLIC_BASE_URL: `http://127.0.0.1:${webhookPort}`,
    MJ_WORKFLOW_BUNDLE: bundlePath,
    MJ_SHUTDOWN_GRACE_TIME: '2s',
    ...opts.workerEnv,
  };
  const workers: NodeProcess[] = [];
  const allWorkers: NodeProcess[] = [];
  let n = 0;
  const respawnWorker = async (slot: number): Promise<NodeProcess> => {
    for (let attempt = 1; ; attempt++) {
      const w = spawnNode(`worker-${slot}.${++n}`, 'src/worker.ts', workerEnv, /"msg":"worker created"/);
      allWorkers.push(w.proc);
      try {
        await w.ready;
        workers[slot] = w.proc;
        return w.proc;
      } catch (err) {
        if (attempt >= 15) throw err;
        await sleep(1_000);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 2 }, (_, slot) => respawnWorker(slot)));
  // The client connects the way a backend service would: envconfig and MJ_* settings.
  const mj = await MjJobsClient.connect({
    config: loadConfig(common),
    store: new LocalAssetStore({ dir: assetDir }),
  });
  return {
    get cluster(): LocalCluster {
      if (!local) throw new Error('this test needs the local cluster (its server processes); unset CLUSTER_REMOTE');
      return local;
    },
    sim,
    mj,
    taskQueue,
    assetDir,
    workers,
    allWorkers,
    webhook: hook.proc,
    respawnWorker,
    async stop() {
      await Promise.all(allWorkers.map((w) => w.kill('SIGKILL')));
      await hook.proc.kill('SIGTERM');
      await mj.close().catch(() => undefined);
      await sim.close();
      await local?.stop();
    },
  };
}
