/**
 * Phase "gateway" (issue 17): the same imagine → U1 pipelines behind the simulator's new-api gateway, which answers
 * from its own copy refreshed every 15 s (simulated) and strips `notifyHook`, so no webhook ever arrives. Two
 * clients side by side, each against its own gateway model (same seed, same arrivals):
 *
 * - `ours`: pipelineWorkflow on a worker configured for the gateway flavour (a notify hook is set and stripped);
 * - `baseline-3s`: bench/baseline-poller.ts without a timeout, fetching every 3 s (simulated) as peers do.
 *
 * Reported per pipeline: requests the client sent to the gateway (submit, action, fetch), fetches answered with a
 * stub (`status: ""`) or with an unchanged copy, and detection latency from the upstream's SUCCESS to the first
 * fetch that answered SUCCESS (the gateway's refresh is part of it, the same for both clients).
 */
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Agent } from 'undici';
import type { PipelineResult } from '../../src/shared/pipeline-types';
import { DEFAULT_DURATIONS, startSimulator, type RequestRecord, type Simulator } from '../../src/simulator';
import { runBaselinePipeline } from '../baseline-poller';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { policyMapping } from '../lib/scale';
import { classifyRequest, jobIdOfText, UNLIMITED_SLOTS } from '../lib/sim';
import { distribution, errorMessage, mapLimit, round, sleep, type Distribution } from '../lib/util';
import { spawnWorker } from '../lib/workers';
import { makeMix, pipelineInput, TIMER_FLOOR, type MixJob } from './mix';

export type GatewayVariant = 'ours' | 'baseline-3s';

/** The gateway's refresh period in simulated ms (new-api's poller). */
export const GATEWAY_REFRESH_SIM_MS = 15_000;

export interface GatewayVariantSummary {
  variant: GatewayVariant;
  pipelines: number;
  succeeded: number;
  failures: Record<string, number>;
  /** Client → gateway requests per pipeline. */
  requestsPerPipeline: { submit: number; action: number; fetch: number; total: number };
  /** Fetches answered with a stub row (`status: ""`), per pipeline. */
  stubAnswersPerPipeline: number;
  /** Fetches whose answer repeated the previous answer's status for that task, per pipeline (wasted polls). */
  repeatedAnswersPerPipeline: number;
  /** Upstream SUCCESS → first fetch that answered SUCCESS, simulated ms (includes the gateway's refresh lag). */
  detectionSimMs: Distribution;
  /** Calls of the gateway's own poller to the upstream (same model, same for both clients up to timing). */
  gatewayPolls: number;
}

export interface GatewayPhaseResult {
  timeScale: number;
  pipelines: number;
  refreshSimMs: number;
  variants: Record<GatewayVariant, GatewayVariantSummary>;
  /** ours ÷ baseline, requests per pipeline. */
  requestRatio: number | null;
  notes: string[];
}

function startGatewaySim(timeScale: number, seed: number): Promise<Simulator> {
  return startSimulator({
    flavour: 'gateway',
    host: '127.0.0.1',
    timeScale,
    seed,
    concurrency: { FAST: UNLIMITED_SLOTS, RELAX: UNLIMITED_SLOTS, TURBO: UNLIMITED_SLOTS },
    queueSize: UNLIMITED_SLOTS,
    maxRequestLog: 5_000_000,
    // Hosted new-api gateways sell /mj-relax and /mj-fast endpoints, so modes are routed; notifyHook is stripped.
    gateway: { refreshMs: GATEWAY_REFRESH_SIM_MS, keepSpeedPrefix: true, forwardNotifyHook: false },
  });
}

interface TaskInfo {
  jobId: string;
  status: string;
  finishTime: number;
}

/** Gateway rows: the U1 row keeps the grid's prompt (frozen), so both carry the job's tag. */
function gatewayTasks(sim: Simulator): Map<string, TaskInfo> {
  const out = new Map<string, TaskInfo>();
  for (const raw of sim.tasks()) {
    const t = raw as { id: string; prompt?: string; status?: string; finishTime?: number };
    const jobId = jobIdOfText(t.prompt);
    if (jobId) out.set(t.id, { jobId, status: String(t.status ?? ''), finishTime: Number(t.finishTime ?? 0) });
  }
  return out;
}

function summarise(
  variant: GatewayVariant,
  jobs: MixJob[],
  sim: Simulator,
  succeeded: number,
  failures: Record<string, number>
): GatewayVariantSummary {
  const tasks = gatewayTasks(sim);
  const requests: readonly RequestRecord[] = sim.stats().requests;
  const sum = { submit: 0, action: 0, fetch: 0, total: 0 };
  let stubs = 0;
  let repeated = 0;
  const last = new Map<string, string>();
  const firstSuccess = new Map<string, number>();
  for (const r of requests) {
    const c = classifyRequest(r);
    if (c.kind === 'submit-imagine') sum.submit++;
    else if (c.kind === 'submit-action') sum.action++;
    else if (c.kind === 'fetch') {
      sum.fetch++;
      if (r.answered === '') stubs++;
      if (r.answered !== undefined && last.get(c.taskId!) === r.answered) repeated++;
      if (r.answered !== undefined) last.set(c.taskId!, r.answered);
      if (r.answered === 'SUCCESS' && !firstSuccess.has(c.taskId!)) firstSuccess.set(c.taskId!, r.at);
    } else continue;
    sum.total++;
  }
  const latencies: number[] = [];
  for (const [id, t] of tasks) {
    const seen = firstSuccess.get(id);
    if (t.status === 'SUCCESS' && t.finishTime > 0 && seen !== undefined) latencies.push(seen - t.finishTime);
  }
  const n = Math.max(1, jobs.length);
  const per = (v: number) => round(v / n, 2)!;
  return {
    variant,
    pipelines: jobs.length,
    succeeded,
    failures,
    requestsPerPipeline: {
      submit: per(sum.submit),
      action: per(sum.action),
      fetch: per(sum.fetch),
      total: per(sum.total),
    },
    stubAnswersPerPipeline: per(stubs),
    repeatedAnswersPerPipeline: per(repeated),
    detectionSimMs: distribution(latencies),
    gatewayPolls: sim.stats().gateway?.polls ?? 0,
  };
}

async function runOurs(
  ctx: BenchContext,
  client: Client,
  address: string,
  sim: Simulator,
  jobs: MixJob[],
  timeScale: number,
  t0: number,
  deadline: number
): Promise<{ succeeded: number; failures: Record<string, number> }> {
  const taskQueue = `bench-gateway-${Date.now()}`;
  const worker = await spawnWorker({
    address,
    taskQueue,
    simUrl: sim.url,
    flavour: 'gateway',
    // The worker is told the gateway's refresh (in real time), as an operator sets MJ_REFRESH_INTERVAL.
    refreshIntervalMs: GATEWAY_REFRESH_SIM_MS / timeScale,
    // Sent and stripped by the gateway: nothing ever calls it.
    notifyHookUrl: 'http://127.0.0.1:9/never-called',
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir: path.join(ctx.tmpDir, 'assets-gateway'),
    logFile: path.join(ctx.tmpDir, 'worker-gateway.log'),
  });
  const failures: Record<string, number> = {};
  let succeeded = 0;
  const handles: WorkflowHandle[] = [];
  try {
    await Promise.all(
      jobs.map(async (job) => {
        await sleep(t0 + job.arrivalMs - Date.now());
        try {
          const handle = await client.workflow.start('pipelineWorkflow', {
            taskQueue,
            workflowId: `bench-gateway-${job.id}-${t0}`,
            args: [pipelineInput(job, timeScale)],
          });
          handles.push(handle);
          const r = (await Promise.race([
            handle.result(),
            sleep(deadline - Date.now()).then(() => Promise.reject(new Error('bench deadline passed'))),
          ])) as PipelineResult;
          if (r.summary.succeeded === r.summary.total) succeeded++;
          else
            for (const o of r.outcomes)
              if (o.status !== 'succeeded')
                failures[o.failure?.type ?? o.status] = (failures[o.failure?.type ?? o.status] ?? 0) + 1;
        } catch (err) {
          const key = errorMessage(err).slice(0, 60);
          failures[key] = (failures[key] ?? 0) + 1;
        }
      })
    );
  } finally {
    await mapLimit(handles, 8, async (h) => {
      const d = await h.describe().catch(() => undefined);
      if (d?.status.name === 'RUNNING') await h.terminate('bench deadline').catch(() => undefined);
    });
    await worker.stop();
  }
  return { succeeded, failures };
}

async function runBaseline(
  sim: Simulator,
  jobs: MixJob[],
  timeScale: number,
  t0: number,
  deadline: number
): Promise<{ succeeded: number; failures: Record<string, number> }> {
  const dispatcher = new Agent({ keepAliveTimeout: 4_000, connections: 256 });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
  const failures: Record<string, number> = {};
  let succeeded = 0;
  try {
    await Promise.all(
      jobs.map(async (job) => {
        await sleep(t0 + job.arrivalMs - Date.now());
        const opts = { baseUrl: sim.url, timeScale, dispatcher, signal: abort.signal, timeoutSimMs: null };
        const r = await runBaselinePipeline(opts, job).catch((err: unknown) => ({ error: errorMessage(err) }));
        if ('succeeded' in r && r.succeeded) succeeded++;
        else {
          const key = 'error' in r ? r.error.slice(0, 60) : 'did not finish';
          failures[key] = (failures[key] ?? 0) + 1;
        }
      })
    );
  } finally {
    clearTimeout(timer);
    await dispatcher.close();
  }
  return { succeeded, failures };
}

export async function runGatewayPhase(ctx: BenchContext): Promise<GatewayPhaseResult> {
  const quick = ctx.flags.quick;
  const timeScale = quick ? 60 : 10;
  const n = ctx.flags.jobs ?? (quick ? 4 : 20);
  const spreadMs = quick ? 3_000 : 10_000;
  const jobs = makeMix(n, ctx.flags.seed, spreadMs);
  const relax = DEFAULT_DURATIONS.RELAX;
  const longestReal = (2 * relax.queueMs + 1.25 * relax.runMs + 4 * GATEWAY_REFRESH_SIM_MS) / timeScale;
  const deadlineMs = spreadMs + longestReal * 1.6 + 30_000;
  ctx.log(`gateway: ${n} pipelines behind a 15 s-refresh gateway without webhooks, time scale ${timeScale}`);

  const server = await startDevServer({ dir: ctx.tmpDir, name: 'gateway', log: ctx.log, timerFloor: TIMER_FLOOR });
  try {
    const [oursSim, baseSim] = await Promise.all([
      startGatewaySim(timeScale, ctx.flags.seed),
      startGatewaySim(timeScale, ctx.flags.seed),
    ]);
    try {
      const t0 = Date.now() + 500;
      const deadline = t0 + deadlineMs;
      const [ours, base] = await Promise.all([
        runOurs(ctx, server.client, server.address, oursSim, jobs, timeScale, t0, deadline),
        runBaseline(baseSim, jobs, timeScale, t0, deadline),
      ]);
      ctx.log(`gateway: ours ${ours.succeeded}/${n}, baseline-3s ${base.succeeded}/${n} pipelines succeeded`);
      const variants: Record<GatewayVariant, GatewayVariantSummary> = {
        ours: summarise('ours', jobs, oursSim, ours.succeeded, ours.failures),
        'baseline-3s': summarise('baseline-3s', jobs, baseSim, base.succeeded, base.failures),
      };
      const b = variants['baseline-3s'].requestsPerPipeline.total;
      return {
        timeScale,
        pipelines: n,
        refreshSimMs: GATEWAY_REFRESH_SIM_MS,
        variants,
        requestRatio: b ? round(variants.ours.requestsPerPipeline.total / b, 3) : null,
        notes: [
          `Gateway model: the simulator's new-api flavour (stub rows, 15 s poller, notifyHook stripped), speed prefixes routed; upstream durations FAST ${DEFAULT_DURATIONS.FAST.queueMs / 1000}+${DEFAULT_DURATIONS.FAST.runMs / 1000} s, RELAX ${relax.queueMs / 60000}+${relax.runMs / 60000} min.`,
          'Requests: client → gateway calls in the gateway simulator log. Detection: upstream SUCCESS (finishTime) → first fetch that answered SUCCESS, simulated ms; it includes up to one refresh period of gateway lag for both clients.',
          `Our poll policies are the per-mode defaults divided by the time scale: ${JSON.stringify(policyMapping(timeScale).FAST)}.`,
        ],
      };
    } finally {
      await Promise.all([oursSim.close(), baseSim.close()]);
    }
  } finally {
    await server.stop();
  }
}
