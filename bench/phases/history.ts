/**
 * Phase "history": what waiting costs in Temporal history. A few RELAX imagines sit in the upstream queue for two
 * simulated hours, then run ten minutes, polled with the real RELAX defaults (5 s growing ×1.6 to maxInterval, ±15 %
 * jitter) scaled to the run. Histories are fetched through the client, every continue-as-new run included.
 *
 * Reported: events per simulated hour (whole job, and the parked stretch alone), events per poll, the longest run
 * (must stay below the server's 4,096-event suggestion) and how many times jobs continued as new. Two extra jobs use
 * a continue-as-new threshold of 200 events, so the mechanism is exercised within this short run.
 */
import path from 'node:path';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import type { JobInput, JobResult } from '../../src/shared/types';
import { CONTINUE_AS_NEW_EVENTS, DEFAULT_POLL_POLICY } from '../../src/shared/defaults';
import { durationToMs } from '../../src/shared/duration';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { workflowHistoryStats } from '../lib/histories';
import { scaledPolicy } from '../lib/scale';
import { analyseUpstream, JOB_TAG, startBenchSimulator, taskViews } from '../lib/sim';
import { distribution, errorMessage, mapLimit, round, sleep, type Distribution } from '../lib/util';
import { spawnWorker } from '../lib/workers';
import { TIMER_FLOOR } from './mix';

export interface HistoryPhaseResult {
  timeScale: number;
  jobs: number;
  succeeded: number;
  failures: string[];
  scenario: string;
  policy: string;
  eventsPerJob: Distribution;
  fetchesPerJob: Distribution;
  eventsPerFetch: number | null;
  /** Whole job, submit → SUCCESS. */
  eventsPerSimHour: Distribution;
  /** Only the parked stretch (30 min after submit until the job starts running): the steady-state cost. */
  parkedEventsPerSimHour: Distribution;
  /** The parked cost at 1×: events per poll × polls per hour at the RELAX cap (time scaling stretches each poll by
   * its real-time overhead × scale, so the measured parked rate reads low). */
  parkedEventsPerHourAt1x: number | null;
  maxRunEvents: number;
  runsPerJob: Distribution;
  continueAsNewAfterEvents: number;
  /** Two extra jobs with `continueAsNewAfterEvents: 200`, to exercise continue-as-new inside this short run. */
  canCheck: { jobs: number; succeeded: number; runs: number[]; maxRunEvents: number; threshold: number };
}

const QUEUE_SIM_MS = 2 * 3_600_000;
const CAN_CHECK_JOBS = 2;
const CAN_CHECK_THRESHOLD = 200;
const RUN_SIM_MS = 10 * 60_000;

export async function runHistoryPhase(ctx: BenchContext): Promise<HistoryPhaseResult> {
  const quick = ctx.flags.quick;
  const timeScale = quick ? 1200 : 150;
  const n = quick ? 3 : 10;
  const totalReal = (QUEUE_SIM_MS + RUN_SIM_MS) / timeScale;
  ctx.log(
    `history: ${n} RELAX jobs parked ${QUEUE_SIM_MS / 3_600_000} h + ${RUN_SIM_MS / 60_000} min (sim) at time scale ${timeScale} (~${Math.round(totalReal / 1000)} s)`
  );
  const server = await startDevServer({ dir: ctx.tmpDir, name: 'history', log: ctx.log, timerFloor: TIMER_FLOOR });
  const sim = await startBenchSimulator({
    timeScale,
    seed: ctx.flags.seed,
    durations: { RELAX: { queueMs: QUEUE_SIM_MS, runMs: RUN_SIM_MS } },
  });
  const taskQueue = `bench-history-${Date.now()}`;
  const worker = await spawnWorker({
    address: server.address,
    taskQueue,
    simUrl: sim.url,
    notifyHookUrl: null,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir: path.join(ctx.tmpDir, 'assets-history'),
    logFile: path.join(ctx.tmpDir, 'worker-history.log'),
  });
  try {
    const deadline = Date.now() + totalReal * 1.5 + 30_000;
    const stamp = Date.now();
    const ids = Array.from({ length: n + CAN_CHECK_JOBS }, (_, i) => `bench-history-${i}-${stamp}`);
    const outcomes = await Promise.all(
      ids.map(async (workflowId, i) => {
        const input: JobInput = {
          request: { kind: 'imagine', prompt: `${JOB_TAG}h${i} a quiet harbour in the rain --v 7` },
          mode: 'RELAX',
          policy: scaledPolicy('RELAX', timeScale),
          captureImages: false,
          pathsVersion: JOB_PATHS_VERSION,
          ...(i >= n ? { continueAsNewAfterEvents: CAN_CHECK_THRESHOLD } : {}),
        };
        try {
          const h = await server.client.workflow.start('mjJobWorkflow', { taskQueue, workflowId, args: [input] });
          const r = (await Promise.race([
            h.result(),
            sleep(deadline - Date.now()).then(() => Promise.reject(new Error('bench deadline passed'))),
          ])) as JobResult;
          return { workflowId, result: r };
        } catch (err) {
          await server.client.workflow
            .getHandle(workflowId)
            .terminate('bench deadline')
            .catch(() => undefined);
          return { workflowId, error: errorMessage(err) };
        }
      })
    );
    const tasks = new Map(taskViews(sim).map((t) => [t.id, t]));
    const analysis = analyseUpstream(sim.stats().requests, [...tasks.values()]);
    const stats = await mapLimit(outcomes, 4, async (o) => ({
      o,
      s: await workflowHistoryStats(server.client, o.workflowId, { eventTimes: true }),
    }));
    const perHour: number[] = [];
    const parkedPerHour: number[] = [];
    const perFetch: number[] = [];
    for (const [i, { o, s }] of stats.entries()) {
      if (!o.result || i >= n) continue;
      const t = tasks.get(o.result.taskId);
      if (!t?.finishTime) continue;
      perHour.push(s.events.total / ((t.finishTime - t.submitTime) / 3_600_000));
      const fetches = analysis.perJob.get(`h${i}`)?.fetch;
      if (fetches) perFetch.push(s.events.total / fetches);
      // Event times are real. The task is SUBMITTED for QUEUE_SIM_MS, then IN_PROGRESS; the parked window is
      // [submit + 30 min, submit + QUEUE_SIM_MS) in simulated time (the first 30 min are the 5 s → maxInterval ramp).
      const first = Math.min(...(s.eventTimes ?? []).filter((x) => x > 0));
      const fromReal = first + (30 * 60_000) / timeScale;
      const toReal = first + QUEUE_SIM_MS / timeScale;
      const inWindow = (s.eventTimes ?? []).filter((x) => x >= fromReal && x < toReal).length;
      const simHours = ((toReal - fromReal) * timeScale) / 3_600_000;
      if (simHours > 0.25) parkedPerHour.push(inWindow / simHours);
    }
    const main = stats.slice(0, n);
    const can = stats.slice(n);
    const ok = outcomes.slice(0, n).filter((o) => o.result).length;
    const fetchCounts = Array.from({ length: n }, (_, i) => analysis.perJob.get(`h${i}`)?.fetch ?? 0);
    const eventsPerFetch = perFetch.length ? perFetch.reduce((a, b) => a + b, 0) / perFetch.length : null;
    const pollsPerHour = 3_600_000 / durationToMs(DEFAULT_POLL_POLICY.RELAX.maxInterval);
    return {
      timeScale,
      jobs: n,
      succeeded: ok,
      failures: outcomes.filter((o) => o.error).map((o) => `${o.workflowId}: ${o.error!.slice(0, 120)}`),
      scenario: `RELAX imagine, ${QUEUE_SIM_MS / 3_600_000} h queued (SUBMITTED) + ${RUN_SIM_MS / 60_000} min running, simulated; no webhooks`,
      policy: `RELAX defaults ${DEFAULT_POLL_POLICY.RELAX.initialInterval}→${DEFAULT_POLL_POLICY.RELAX.maxInterval} ×${DEFAULT_POLL_POLICY.RELAX.backoffCoefficient} ±${DEFAULT_POLL_POLICY.RELAX.jitter * 100}% (each divided by ${timeScale})`,
      eventsPerJob: distribution(main.map((x) => x.s.events.total)),
      fetchesPerJob: distribution(fetchCounts),
      eventsPerFetch: round(eventsPerFetch, 2),
      eventsPerSimHour: distribution(perHour.map((v) => round(v, 1)!)),
      parkedEventsPerSimHour: distribution(parkedPerHour.map((v) => round(v, 1)!)),
      parkedEventsPerHourAt1x: eventsPerFetch === null ? null : round(eventsPerFetch * pollsPerHour, 1),
      maxRunEvents: Math.max(0, ...stats.map((x) => x.s.maxRunEvents)),
      runsPerJob: distribution(main.map((x) => x.s.runs)),
      continueAsNewAfterEvents: CONTINUE_AS_NEW_EVENTS,
      canCheck: {
        jobs: CAN_CHECK_JOBS,
        succeeded: can.filter((x) => x.o.result).length,
        runs: can.map((x) => x.s.runs),
        maxRunEvents: Math.max(0, ...can.map((x) => x.s.maxRunEvents)),
        threshold: CAN_CHECK_THRESHOLD,
      },
    };
  } finally {
    await worker.stop();
    await sim.close();
    await server.stop();
  }
}
