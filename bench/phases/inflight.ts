/**
 * Phase "inflight": one worker process holding 100, 1,000, 3,000, 5,000 RELAX jobs parked in polling, in real
 * time (time scale 1). The worker's cache size is set explicitly (`--cache`, default 1,000), so above it parked
 * jobs are evicted and replayed from history when their timer fires.
 *
 * Jobs are parked at the steady state of the RELAX defaults (every `maxInterval` ±15 %, after the 5 s ramp). So that
 * the population polls at that rate from the start, as if the jobs had been started at random times in the past,
 * each job's first wait is drawn uniformly from 20 s – `maxInterval` (`initialInterval`); after it the interval grows
 * ×1.6 to the cap. The upstream queue holds them for 24 simulated hours.
 *
 * Per level: worker RSS (VmRSS, peak VmHWM), V8 heap, CPU over a measurement window, dev server CPU and RSS, polls
 * per second seen by the simulator, and the SDK's sticky-cache counters.
 */
import path from 'node:path';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import type { JobInput } from '../../src/shared/types';
import { DEFAULT_POLL_POLICY } from '../../src/shared/defaults';
import { durationToMs } from '../../src/shared/duration';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { cpuCores, MiB, readProc, watchProc } from '../lib/proc';
import { JOB_TAG, startBenchSimulator } from '../lib/sim';
import { errorMessage, mapLimit, round, seededRandom, sleep, waitUntil } from '../lib/util';
import { spawnWorker } from '../lib/workers';

export interface InflightLevel {
  jobs: number;
  startsPerSec: number | null;
  /** Jobs whose submit reached the simulator per second while this level was being filled (start → parked). */
  parkedPerSec: number | null;
  /** Jobs parked upstream when the window opened (should equal `jobs`). */
  parked: number;
  startErrors: number;
  windowSec: number;
  workerRssMiB: number | null;
  workerPeakRssMiB: number | null;
  workerHeapUsedMiB: number | null;
  workerCpuCores: number | null;
  serverCpuCores: number | null;
  serverRssMiB: number | null;
  /** Fetches per second the simulator saw during the window, and what the steady state would be (jobs / 120 s). */
  pollsPerSec: number | null;
  steadyPollsPerSec: number;
  /** Worker CPU per poll (activity + workflow tasks, replays included), ms. */
  cpuMsPerPoll: number | null;
  /** Worker CPU cores extrapolated to the steady-state poll rate. */
  steadyCpuCoresEstimate: number | null;
  cachedWorkflows: number | null;
  sdk: Record<string, number>;
}

export interface InflightPhaseResult {
  maxCachedWorkflows: number;
  policy: string;
  levels: InflightLevel[];
  skipped: number[];
  notes: string[];
}

export async function runInflightPhase(ctx: BenchContext): Promise<InflightPhaseResult> {
  const quick = ctx.flags.quick;
  const windowMs = quick ? 6_000 : 30_000;
  const maxInterval = DEFAULT_POLL_POLICY.RELAX.maxInterval;
  const server = await startDevServer({ dir: ctx.tmpDir, name: 'inflight', log: ctx.log });
  const sim = await startBenchSimulator({
    timeScale: 1,
    seed: ctx.flags.seed,
    durations: { RELAX: { queueMs: 24 * 3_600_000, runMs: 3_600_000 } },
    maxRequestLog: 2_000_000,
  });
  const taskQueue = `bench-inflight-${Date.now()}`;
  const worker = await spawnWorker({
    address: server.address,
    taskQueue,
    simUrl: sim.url,
    notifyHookUrl: null,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir: path.join(ctx.tmpDir, 'assets-inflight'),
    logFile: path.join(ctx.tmpDir, 'worker-inflight.log'),
  });
  const workerWatch = watchProc(worker.pid, 1_000);
  const levels: InflightLevel[] = [];
  const skipped: number[] = [];
  const stamp = Date.now();
  let started = 0;
  let startRate = 25; // jobs/s guess until measured
  const rnd = seededRandom(ctx.flags.seed);
  const maxMs = durationToMs(maxInterval);
  try {
    for (const level of ctx.flags.inflightLevels) {
      const toStart = level - started;
      // This phase runs last; keep a little time for the report.
      const reserve = 20_000;
      const needMs = (toStart / startRate) * 1000 + windowMs + 15_000;
      if (levels.length > 0 && needMs > ctx.remainingMs() - reserve) {
        ctx.log(
          `inflight: skipping ${level} jobs (needs ~${Math.round(needMs / 1000)} s, budget left ${Math.round(ctx.remainingMs() / 1000)} s)`
        );
        skipped.push(level);
        continue;
      }
      ctx.log(`inflight: starting ${toStart} more jobs (→ ${level})`);
      const t0 = Date.now();
      let errors = 0;
      await mapLimit(
        Array.from({ length: toStart }, (_, k) => started + k),
        32,
        async (i) => {
          const input: JobInput = {
            request: { kind: 'imagine', prompt: `${JOB_TAG}p${i} a field of sunflowers --v 7 --relax` },
            mode: 'RELAX',
            policy: { initialInterval: `${Math.round(20_000 + rnd() * (maxMs - 20_000))}ms` },
            captureImages: false,
            pathsVersion: JOB_PATHS_VERSION,
          };
          try {
            await server.client.workflow.start('mjJobWorkflow', {
              taskQueue,
              workflowId: `bench-park-${stamp}-${i}`,
              args: [input],
            });
          } catch (err) {
            errors++;
            if (errors <= 3) ctx.log(`inflight: start failed: ${errorMessage(err)}`);
          }
        }
      );
      const startSec = (Date.now() - t0) / 1000;
      // Started is not parked: each job still needs its first workflow task and its submit. Wait for all of them.
      await waitUntil(
        () => sim.stats().tasks >= level - errors,
        Math.max(10_000, ctx.remainingMs() - reserve - windowMs),
        500
      );
      const parkSec = (Date.now() - t0) / 1000;
      const parked = sim.stats().tasks;
      if (toStart >= 50) startRate = toStart / parkSec;
      started = level;
      await sleep(3_000);
      const w0 = readProc(worker.pid);
      const s0 = readProc(server.pid);
      const simFrom = sim.clock.now();
      await sleep(windowMs);
      const w1 = readProc(worker.pid);
      const s1 = readProc(server.pid);
      const simTo = sim.clock.now();
      const polls = sim
        .stats()
        .requests.filter((r) => r.at >= simFrom && r.at < simTo && /\/fetch$/.test(r.path)).length;
      const self = await worker.selfStats();
      const sdk = await worker.sdkMetrics();
      const cores = cpuCores(w0, w1);
      const pollsPerSec = polls / (windowMs / 1000);
      const steadyPollsPerSec = level / (durationToMs(maxInterval) / 1000);
      const cpuMsPerPoll = cores !== null && polls > 0 ? (cores * windowMs) / polls : null;
      const lvl: InflightLevel = {
        jobs: level,
        startsPerSec: round(toStart / startSec, 1),
        parkedPerSec: round(toStart / parkSec, 1),
        parked,
        startErrors: errors,
        windowSec: windowMs / 1000,
        workerRssMiB: w1 ? round(w1.rssBytes / MiB, 1) : null,
        workerPeakRssMiB: w1 ? round(w1.peakRssBytes / MiB, 1) : null,
        workerHeapUsedMiB: self ? round(self.memory.heapUsed / MiB, 1) : null,
        workerCpuCores: round(cores, 3),
        serverCpuCores: round(cpuCores(s0, s1), 3),
        serverRssMiB: s1 ? round(s1.rssBytes / MiB, 1) : null,
        pollsPerSec: round(pollsPerSec, 2),
        steadyPollsPerSec: round(steadyPollsPerSec, 2)!,
        cpuMsPerPoll: round(cpuMsPerPoll, 2),
        steadyCpuCoresEstimate: cpuMsPerPoll !== null ? round((cpuMsPerPoll * steadyPollsPerSec) / 1000, 3) : null,
        cachedWorkflows: self?.status.numCachedWorkflows ?? null,
        sdk,
      };
      levels.push(lvl);
      ctx.log(
        `inflight ${level} (parked ${parked}, ${lvl.parkedPerSec}/s): RSS ${lvl.workerRssMiB} MiB (peak ${lvl.workerPeakRssMiB}), CPU ${lvl.workerCpuCores} cores, ${lvl.pollsPerSec} polls/s, cache ${lvl.cachedWorkflows}`
      );
    }
  } finally {
    workerWatch.stop();
    await worker.stop();
    await sim.close();
    await server.stop();
  }
  return {
    maxCachedWorkflows: ctx.flags.cache,
    policy: `RELAX defaults at their steady state: every ${maxInterval} ±${DEFAULT_POLL_POLICY.RELAX.jitter * 100}% (real time); first wait uniform 20 s – ${maxInterval} so the population is spread over the cycle`,
    levels,
    skipped,
    notes: [
      `Window ${windowMs / 1000} s per level, 3 s after the last start. The window's poll rate differs from the steady state (jobs / ${maxInterval}) while first waits and the ×1.6 growth play out; "steady CPU" extrapolates the window's CPU per poll to the steady rate.`,
      'Worker = one Node process (SDK core threads included); server = the temporal CLI dev server process.',
    ],
  };
}
