/**
 * Phase "throughput": jobs per second through one worker (then two) when the simulator answers instantly.
 *
 * Each job is an mjJobWorkflow FAST imagine with the real FAST policy (first fetch after 3 s ±15 % jitter), so a
 * job lives ~3 s and the rate is bounded by the worker and the dev server, not by waiting. A closed-loop starter
 * (16 start calls in flight) keeps at most `backlogCap` jobs unfinished (about a minute of work at the rates seen
 * here), so the measured start rate converges to what the system sustains. Completions are counted through visibility (`count`), latencies from the list API.
 *
 * Before the closed loop, each workload also takes a burst of starts with no cap (admission: how fast a batch of
 * hundreds of jobs is accepted), and drains it. The closed loop's job starts/s is bounded by the server's work per
 * job (three workflow tasks, an activity and a timer against the empty workflow's one task); the burst's is what
 * accepting a start costs while the started jobs' first tasks run beside it.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import type { JobInput } from '../../src/shared/types';
import type { BenchContext } from '../lib/context';
import { startDevServer, type DevServer } from '../lib/dev-server';
import { scrapeStoreCounters, storeWork, type StoreWork } from '../lib/server-store';
import { cpuCores, MiB, readProc } from '../lib/proc';
import { JOB_TAG, startBenchSimulator } from '../lib/sim';
import { distribution, errorMessage, round, sleep, waitUntil, type Distribution } from '../lib/util';
import { buildNoopBundle, spawnWorker, type BenchWorker, type SpawnWorkerOptions } from '../lib/workers';

export interface ThroughputRun {
  /** `job`: our mjJobWorkflow; `noop`: an empty workflow (the dev server's ceiling here). */
  workload: 'job' | 'noop';
  workers: number;
  windowSec: number;
  started: number;
  completed: number;
  startsPerSec: number;
  completionsPerSec: number;
  /** Jobs started but not finished when the window closed. */
  backlogAtEnd: number;
  startErrors: number;
  /** Starts the server answered as eager (the first workflow task came back with the start answer). */
  eagerStarts: number;
  /** Workflow start → close, ms, for jobs that closed in the window. */
  latencyMs: Distribution;
  workerCpuCores: (number | null)[];
  workerRssMiB: (number | null)[];
  serverCpuCores: number | null;
  drainedSec: number | null;
  /** Admission: a burst of starts with no cap on unfinished work, before the closed loop (see {@link measureBurst}). */
  burst?: BurstRun;
  /**
   * The server's store work per workflow started in the closed loop, from its own metrics, window start to drained
   * (null when the loop did not drain or the metrics did not answer).
   */
  store?: StoreWork | null;
}

/** How fast the server accepts a batch of starts (a scheduled pipeline's hundreds of jobs at once). */
export interface BurstRun {
  starts: number;
  sec: number;
  startsPerSec: number;
  eagerStarts: number;
  startErrors: number;
  /** Workflows of the burst still open when its last start was answered. */
  openAtEnd: number;
}

/**
 * How workflows are started and workers run in this phase, the same for the empty workflow and for the job (a fair
 * ratio). From the environment, so each way tried can be measured on its own (bench/README.md, issue 15):
 * `BENCH_TP_STARTER=client|worker` (the bench process's client, or the worker's own client: a service that embeds
 * its worker), `BENCH_TP_EAGER=1` (requestEagerStart, worker starter only), `BENCH_TP_SERVER_EAGER=0|1` (the dev
 * server's eager workflow start and eager activity dispatch), `BENCH_TP_WORKER_OPTIONS` (JSON worker options).
 */
export interface ThroughputSettings {
  starter: 'client' | 'worker';
  eagerStart: boolean;
  serverEager: boolean;
  workerOptions: Record<string, unknown>;
}

export function throughputSettings(env: NodeJS.ProcessEnv = process.env): ThroughputSettings {
  const starter = env.BENCH_TP_STARTER === 'client' ? 'client' : 'worker';
  const workerOptions = env.BENCH_TP_WORKER_OPTIONS ? (JSON.parse(env.BENCH_TP_WORKER_OPTIONS) as object) : {};
  return {
    starter,
    eagerStart: starter === 'worker' && env.BENCH_TP_EAGER !== '0',
    serverEager: env.BENCH_TP_SERVER_EAGER !== '0',
    workerOptions: { ...workerOptions },
  };
}

export interface ThroughputPhaseResult {
  settings: ThroughputSettings;
  policy: string;
  backlogCap: number;
  runs: ThroughputRun[];
  notes: string[];
}

async function countCompleted(client: Client, taskQueue: string): Promise<number> {
  const r = await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`);
  return r.count;
}

async function closedLatencies(client: Client, taskQueue: string, from: number, to: number): Promise<number[]> {
  const out: number[] = [];
  const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`;
  for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
    const start = wf.startTime.getTime();
    const close = wf.closeTime?.getTime();
    if (close !== undefined && close >= from && close < to) out.push(close - start);
    if (out.length >= 20_000) break;
  }
  return out;
}

export async function runThroughputPhase(ctx: BenchContext): Promise<ThroughputPhaseResult> {
  const quick = ctx.flags.quick;
  const windowMs = quick ? 8_000 : 40_000;
  const backlogCap = 200;
  const settings = throughputSettings();
  ctx.log(`throughput settings: ${JSON.stringify(settings)}`);
  const server = await startDevServer({
    dir: ctx.tmpDir,
    name: 'throughput',
    log: ctx.log,
    dynamicConfig: settings.serverEager
      ? ['system.enableEagerWorkflowStart=true', 'system.enableActivityEagerExecution=true']
      : ['system.enableEagerWorkflowStart=false', 'system.enableActivityEagerExecution=false'],
  });
  const workerOptions = settings.workerOptions as SpawnWorkerOptions['workerOptions'];
  const zero = { queueMs: 0, runMs: 0 };
  const sim = await startBenchSimulator({
    timeScale: 1,
    seed: ctx.flags.seed,
    durations: { FAST: zero, RELAX: zero, TURBO: zero },
    maxRequestLog: 1_000,
  });
  const runs: ThroughputRun[] = [];
  try {
    // The server's ceiling first: an empty workflow, one worker.
    {
      const taskQueue = `bench-throughput-noop-${Date.now()}`;
      const noopBundlePath = await buildNoopBundle(ctx.tmpDir);
      const w = await spawnWorker({
        address: server.address,
        taskQueue,
        simUrl: sim.url,
        notifyHookUrl: null,
        bundlePath: ctx.bundlePath,
        noopBundlePath,
        maxCachedWorkflows: ctx.flags.cache,
        assetDir: path.join(ctx.tmpDir, 'assets-throughput'),
        logFile: path.join(ctx.tmpDir, 'worker-throughput-noop.log'),
        workerOptions,
      });
      try {
        runs.push(await measure(ctx, server, [w], taskQueue, quick ? 6_000 : 20_000, backlogCap, 'noop', settings));
        const r = runs[runs.length - 1];
        ctx.log(
          `throughput empty workflow: ${r.startsPerSec} starts/s, ${r.completionsPerSec} completions/s, backlog ${r.backlogAtEnd}`
        );
      } finally {
        await w.stop();
      }
    }
    for (const count of ctx.flags.throughputWorkers) {
      if (runs.length > 0 && ctx.remainingMs() < windowMs + 40_000) {
        ctx.log(`throughput: skipping ${count} workers (budget)`);
        continue;
      }
      const taskQueue = `bench-throughput-${count}w-${Date.now()}`;
      const workers: BenchWorker[] = [];
      try {
        for (let i = 0; i < count; i++) {
          workers.push(
            await spawnWorker({
              address: server.address,
              taskQueue,
              simUrl: sim.url,
              notifyHookUrl: null,
              bundlePath: ctx.bundlePath,
              maxCachedWorkflows: ctx.flags.cache,
              assetDir: path.join(ctx.tmpDir, 'assets-throughput'),
              logFile: path.join(ctx.tmpDir, `worker-throughput-${count}-${i}.log`),
              workerOptions,
            })
          );
        }
        runs.push(await measure(ctx, server, workers, taskQueue, windowMs, backlogCap, 'job', settings));
        const r = runs[runs.length - 1];
        ctx.log(
          `throughput ${count} worker(s): ${r.startsPerSec} starts/s, ${r.completionsPerSec} completions/s, backlog ${r.backlogAtEnd}`
        );
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    }
  } finally {
    await sim.close();
    await server.stop();
  }
  return {
    settings,
    policy: 'FAST defaults, real time: first fetch after 3 s ±15 % jitter; the simulator finishes every task at once',
    backlogCap,
    runs,
    notes: [
      'One dev server (SQLite file, WAL) shared by worker(s), the starter and the simulator on the same 2-core machine.',
      `Starter ${settings.starter === 'worker' ? "in the worker process, through the worker's own client" : 'in the bench process'}${settings.eagerStart ? ', requestEagerStart' : ''}; server eager start and activity dispatch ${settings.serverEager ? 'on' : 'off'}; worker options ${JSON.stringify(settings.workerOptions)}; the same for the empty workflow and the job.`,
    ],
  };
}

async function measure(
  ctx: BenchContext,
  server: Pick<DevServer, 'client' | 'pid' | 'metricsUrl'>,
  workers: BenchWorker[],
  taskQueue: string,
  windowMs: number,
  backlogCap: number,
  workload: ThroughputRun['workload'],
  settings: ThroughputSettings
): Promise<ThroughputRun> {
  const { client, metricsUrl } = server;
  let eager = 0;
  let seq = 0;
  let started = 0;
  let startErrors = 0;
  let completed = 0;
  let stopAt = 0;
  const prefix = `bench-tp-${workload}-${workers.length}w-${Date.now()}`;
  const startOne = async () => {
    const i = seq++;
    const input: JobInput = {
      request: { kind: 'imagine', prompt: `${JOB_TAG}t${i} a paper boat --v 7` },
      mode: 'FAST',
      captureImages: false,
      pathsVersion: JOB_PATHS_VERSION,
    };
    const workflowType = workload === 'noop' ? 'benchNoopWorkflow' : 'mjJobWorkflow';
    const args = workload === 'noop' ? [] : [input];
    try {
      if (settings.starter === 'worker') {
        const r = await workers[i % workers.length].start(workflowType, `${prefix}-${i}`, args, settings.eagerStart);
        if (r.eager) eager++;
      } else await client.workflow.start(workflowType, { taskQueue, workflowId: `${prefix}-${i}`, args });
      started++;
    } catch (err) {
      startErrors++;
      if (startErrors <= 3) ctx.log(`throughput: start failed: ${errorMessage(err)}`);
    }
  };
  // Completion counter (visibility), once a second.
  let counting = true;
  const counter = (async () => {
    while (counting) {
      completed = await countCompleted(client, taskQueue).catch(() => completed);
      await sleep(1_000);
    }
  })();

  // Warm-up: a few jobs through the whole path (bundle load, JIT, connections).
  const warm = ctx.flags.quick ? 10 : 30;
  for (let i = 0; i < warm; i++) await startOne();
  await waitUntil(() => completed >= warm, 60_000, 250);

  const burst = await measureBurst(ctx, startOne, () => ({ started, completed, eager, startErrors }), ctx.flags.quick);
  await waitUntil(() => completed >= started, 120_000, 250);

  const c0 = completed;
  const s0 = started;
  const store0 = await scrapeStoreCounters(metricsUrl).catch(() => null);
  const t0 = Date.now();
  stopAt = t0 + windowMs;
  const w0 = workers.map((w) => readProc(w.pid));
  const srv0 = readProc(server.pid);
  const lanes = Array.from({ length: 16 }, async () => {
    while (Date.now() < stopAt) {
      if (started - completed >= backlogCap) {
        await sleep(100);
        continue;
      }
      await startOne();
    }
  });
  await Promise.all(lanes);
  const t1 = Date.now();
  completed = await countCompleted(client, taskQueue).catch(() => completed);
  const c1 = completed;
  const s1 = started;
  const w1 = workers.map((w) => readProc(w.pid));
  const srv1 = readProc(server.pid);
  const drainStart = Date.now();
  const drained = await waitUntil(() => completed >= started, 30_000, 250);
  counting = false;
  await counter;
  // Every workflow started in the window has now done all its work (none from before it was still open).
  const store1 = drained && store0 ? await scrapeStoreCounters(metricsUrl).catch(() => null) : null;
  const store = store0 && store1 ? storeWork(store0, store1, s1 - s0) : null;
  if (store) ctx.log(`throughput ${workload}: store work per workflow ${JSON.stringify(store)}`);
  const latencies = await closedLatencies(client, taskQueue, t0, t1).catch(() => []);
  const sec = (t1 - t0) / 1000;
  return {
    workload,
    workers: workers.length,
    windowSec: round(sec, 1)!,
    started: s1 - s0,
    completed: c1 - c0,
    startsPerSec: round((s1 - s0) / sec, 1)!,
    completionsPerSec: round((c1 - c0) / sec, 1)!,
    backlogAtEnd: s1 - c1,
    startErrors,
    eagerStarts: eager,
    latencyMs: distribution(latencies),
    workerCpuCores: workers.map((_, i) => round(cpuCores(w0[i], w1[i]), 3)),
    workerRssMiB: w1.map((p) => (p ? round(p.rssBytes / MiB, 1) : null)),
    serverCpuCores: round(cpuCores(srv0, srv1), 3),
    drainedSec: drained ? round((Date.now() - drainStart) / 1000, 1) : null,
    burst,
    store,
  };
}

/**
 * Admission: `n` starts through the same 16 lanes as the closed loop, but with no cap on unfinished workflows, timed
 * from the first call to the last answer. Eager starts hand the first workflow task back with the answer, so the
 * burst's figure includes running each workflow's first task; what comes after (the job's submit, timer and fetch)
 * overlaps the burst only as far as the server gets to it.
 */
async function measureBurst(
  ctx: BenchContext,
  startOne: () => Promise<void>,
  counters: () => { started: number; completed: number; eager: number; startErrors: number },
  isQuick: boolean
): Promise<BurstRun> {
  const n = isQuick ? 100 : 500;
  const before = counters();
  let issued = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (issued < n) {
        issued++;
        await startOne();
      }
    })
  );
  const sec = (Date.now() - t0) / 1000;
  const after = counters();
  const starts = after.started - before.started;
  ctx.log(`throughput burst: ${starts} starts in ${round(sec, 1)} s`);
  return {
    starts,
    sec: round(sec, 2)!,
    startsPerSec: round(starts / sec, 1)!,
    eagerStarts: after.eager - before.eager,
    startErrors: after.startErrors - before.startErrors,
    openAtEnd: after.started - after.completed,
  };
}
