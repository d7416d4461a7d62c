/**
 * Worker child processes: the workflow bundle is built once per benchmark run, each worker is a `node --import tsx`
 * child with an IPC channel (bench/worker-process.ts), and its resources are read from /proc by pid.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkerProcessConfig } from '../worker-process';
import { freePort, sleep } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

/** Bundles src/workflows once; every worker loads the same file (no webpack per worker). */
export async function buildWorkflowBundle(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(path.join(ROOT, 'src', 'workflows')), logger: quietLogger });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

/** Bundles the bench's empty workflow (bench/workflows/noop.ts) for the dev-server ceiling run. */
export async function buildNoopBundle(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'workflows', 'noop.ts'), logger: quietLogger });
  const file = path.join(dir, 'noop-bundle.js');
  writeFileSync(file, code);
  return file;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };

export interface WorkerSelfStats {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  uptimeMs: number;
  workerState: string;
  status: { numCachedWorkflows?: number; numInFlightWorkflowActivations?: number; numInFlightActivities?: number };
}

export interface BenchWorker {
  readonly pid: number;
  readonly taskQueue: string;
  readonly sdkMetricsPort?: number;
  selfStats(): Promise<WorkerSelfStats | null>;
  /**
   * Starts a workflow on this worker's task queue through the worker's own client (see bench/worker-process.ts);
   * resolves whether the server started it eagerly, rejects with the start's error.
   */
  start(workflowType: string, workflowId: string, args: unknown[], eager: boolean): Promise<{ eager: boolean }>;
  /** Scrapes selected SDK metrics (sticky cache, task counters); {} when unavailable. */
  sdkMetrics(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface SpawnWorkerOptions extends Omit<WorkerProcessConfig, 'maxLifetimeMs' | 'sdkMetricsPort'> {
  logFile: string;
  /** Hard limit on the child's life, whatever happens to the parent. @default 30 min */
  maxLifetimeMs?: number;
}

const METRIC_NAMES = [
  'temporal_sticky_cache_size',
  'temporal_sticky_cache_total_forced_eviction',
  'temporal_sticky_cache_hit',
  'temporal_sticky_cache_miss',
  'temporal_workflow_task_replay_latency_count',
  'temporal_workflow_task_execution_latency_count',
  'temporal_activity_execution_latency_count',
  'temporal_workflow_completed',
];

export async function spawnWorker(o: SpawnWorkerOptions): Promise<BenchWorker> {
  const sdkMetricsPort = await freePort();
  const cfg: WorkerProcessConfig = { ...o, sdkMetricsPort, maxLifetimeMs: o.maxLifetimeMs ?? 30 * 60_000 };
  delete (cfg as Partial<SpawnWorkerOptions>).logFile;
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const child: ChildProcess = fork(path.join(__dirname, '..', 'worker-process.ts'), [], {
    execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
    env: { ...process.env, BENCH_WORKER: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const pendingStats: ((s: WorkerSelfStats | null) => void)[] = [];
  const pendingStarts = new Map<number, (r: { eager?: boolean; error?: string }) => void>();
  let startSeq = 0;
  let ready = false;
  child.on(
    'message',
    (m: { type?: string; seq?: number; eager?: boolean; error?: string } & Partial<WorkerSelfStats>) => {
      if (m.type === 'ready') ready = true;
      if (m.type === 'stats') pendingStats.shift()?.(m as WorkerSelfStats);
      if (m.type === 'started' && m.seq !== undefined) {
        pendingStarts.get(m.seq)?.(m);
        pendingStarts.delete(m.seq);
      }
    }
  );

  const until = Date.now() + 60_000;
  while (!ready) {
    if (exited) throw new Error(`bench worker exited during start-up (see ${o.logFile})`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error('bench worker did not start within 60 s');
    }
    await sleep(100);
  }

  return {
    pid: child.pid!,
    taskQueue: o.taskQueue,
    sdkMetricsPort,
    selfStats: () =>
      new Promise((resolve) => {
        if (exited || !child.connected) return resolve(null);
        const timer = setTimeout(() => resolve(null), 5_000);
        pendingStats.push((s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.send({ type: 'stats' });
      }),
    start: (workflowType, workflowId, args, eager) =>
      new Promise((resolve, reject) => {
        if (exited || !child.connected) return reject(new Error('bench worker is gone'));
        const seq = ++startSeq;
        const timer = setTimeout(() => {
          pendingStarts.delete(seq);
          reject(new Error('start not answered within 30 s'));
        }, 30_000);
        pendingStarts.set(seq, (r) => {
          clearTimeout(timer);
          if (r.error !== undefined) reject(new Error(r.error));
          else resolve({ eager: r.eager === true });
        });
        child.send({ type: 'start', seq, workflowType, workflowId, args, eager });
      }),
    sdkMetrics: async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
        const text = await res.text();
        const out: Record<string, number> = {};
        for (const line of text.split('\n')) {
          if (line.startsWith('#')) continue;
          const name = line.split(/[{\s]/)[0];
          if (!METRIC_NAMES.includes(name)) continue;
          const value = Number(line.trim().split(/\s+/).pop());
          if (Number.isFinite(value)) out[name] = (out[name] ?? 0) + value;
        }
        return out;
      } catch {
        return {};
      }
    },
    stop: async () => {
      if (exited) return;
      if (child.connected) child.send({ type: 'shutdown' });
      await Promise.race([exitedPromise, sleep(20_000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await Promise.race([exitedPromise, sleep(5_000)]);
      }
      log.end();
    },
  };
}
