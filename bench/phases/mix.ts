/**
 * Phase "mix": the same imagine → U1 pipelines (half FAST, half RELAX) through four clients, each against its own
 * simulator with the same seed and the same arrival times:
 *
 * - `ours-webhooks`: pipelineWorkflow on a worker whose activities send the webhook receiver as notifyHook;
 * - `ours-polling`: the same without webhooks (durable timers only);
 * - `baseline`: bench/baseline-poller.ts, fetch every 3 s, fixed 5-minute timeout (the way peers do it);
 * - `baseline-patient`: the same loop without the timeout, to price a baseline that does not lose relax jobs.
 *
 * All four run side by side in one round (one worker process per variant of ours, one shared dev server), from the
 * same arrival schedule. Upstream requests and detection latency come from each simulator's request log; history
 * events from the workflows' histories.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Agent } from 'undici';
import type { SpeedMode } from '../../src/mj/types';
import { parsePipelineSpec } from '../../src/pipeline';
import type { PipelineResult } from '../../src/shared/pipeline-types';
import { DEFAULT_DURATIONS, type Simulator } from '../../src/simulator';
import { createLogger } from '../../src/logger';
import { MemoryProgressStore } from '../../src/webhook/progress-store';
import { startWebhookReceiver, WEBHOOK_PATH_PREFIX, type WebhookReceiver } from '../../src/webhook/receiver';
import { runBaselinePipeline, type BaselineResult } from '../baseline-poller';
import type { BenchContext } from '../lib/context';
import { startDevServer, type DevServer } from '../lib/dev-server';
import { addBreakdown, workflowHistoryStats, type EventBreakdown } from '../lib/histories';
import { cpuCores, MiB, watchProc, type ProcWatch } from '../lib/proc';
import { policyMapping, scaledPolicy } from '../lib/scale';
import {
  analyseUpstream,
  JOB_TAG,
  startBenchSimulator,
  taskViews,
  type JobRequests,
  type TaskView,
  type UpstreamAnalysis,
} from '../lib/sim';
import {
  distribution,
  errorMessage,
  mapLimit,
  round,
  seededRandom,
  sleep,
  waitUntil,
  type Distribution,
} from '../lib/util';
import { spawnWorker, type BenchWorker } from '../lib/workers';

type MixMode = Extract<SpeedMode, 'FAST' | 'RELAX'>;

/** Timer floor of the time-scaled dev server: scaled poll intervals go below the default 1 s floor. */
export const TIMER_FLOOR = '10ms';
export type VariantName = 'ours-webhooks' | 'ours-polling' | 'baseline' | 'baseline-patient';

export interface MixJob {
  id: string;
  mode: MixMode;
  prompt: string;
  /** Real ms after the round's start at which the job is submitted. */
  arrivalMs: number;
}

export function makeMix(n: number, seed: number, spreadMs: number): MixJob[] {
  const rnd = seededRandom(seed);
  const modes: MixMode[] = Array.from({ length: n }, (_, i) => (i < Math.ceil(n / 2) ? 'FAST' : 'RELAX'));
  for (let i = modes.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [modes[i], modes[j]] = [modes[j], modes[i]];
  }
  const arrivals = modes.map(() => Math.round(rnd() * spreadMs)).sort((a, b) => a - b);
  const counters = { FAST: 0, RELAX: 0 };
  return modes.map((mode, i) => {
    const id = `${mode === 'FAST' ? 'f' : 'r'}${String(++counters[mode]).padStart(3, '0')}`;
    return { id, mode, prompt: `${JOB_TAG}${id} a lighthouse on a cliff at dusk --v 7`, arrivalMs: arrivals[i] };
  });
}

/** Simulated ms a pipeline needs with the simulator's default durations (upscales run 0.25 of a grid). */
function pipelineSimMs(mode: MixMode): number {
  const d = DEFAULT_DURATIONS[mode];
  return d.queueMs + d.runMs + d.queueMs + d.runMs * 0.25;
}

interface PerModeSummary {
  pipelines: number;
  succeeded: number;
  requestsPerPipeline: Omit<JobRequests, 'other'>;
}

export interface VariantSummary {
  variant: VariantName;
  pipelines: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  requestsPerPipeline: JobRequests;
  requestsPerSucceededPipeline: number | null;
  unattributedRequests: number;
  byMode: Record<MixMode, PerModeSummary>;
  /** SUCCESS → first fetch that saw it, simulated ms (what a 1× run would show for polling). */
  detectionSimMs: {
    all: Distribution;
    imagine: Distribution;
    upscale: Distribution;
    FAST: Distribution;
    RELAX: Distribution;
  };
  /** The same, real ms as measured in this time-scaled run (what a 1× run would show for webhook wake-ups). */
  detectionRealMs: Distribution;
  /** imagine SUCCESS → upscale submit, simulated ms. */
  handoffSimMs: Distribution;
  /** Upstream tasks never collected: still queued/running when given up, or finished but never fetched. */
  uncollectedTasks: number;
  /** Baseline only: steps that hit the fixed timeout, and how many of those tasks later succeeded upstream. */
  timeouts?: {
    total: number;
    wrong: number;
    whileQueued: number;
    whileRunning: number;
    byMode: Record<MixMode, number>;
  };
  worker?: { pid: number; maxRssMiB: number; cpuCores: number | null };
  /** ours-webhooks: deliveries the receiver handled and its handling time (parse, route, signal RPC), real ms. */
  receiver?: {
    deliveries: number;
    signaled: number;
    handlingMs: Distribution;
    successHandlingMs: Distribution;
    webhooksSent: number;
    webhooksFailed: number;
  };
  history?: HistorySummary;
}

export interface HistorySummary {
  workflows: number;
  /** Mean events per pipeline, all three workflows (pipeline + imagine job + upscale job). */
  eventsPerPipeline: number | null;
  perJob: Record<
    string,
    {
      n: number;
      meanEvents: number | null;
      maxEvents: number;
      breakdown: EventBreakdown;
      /** Mean events per job by event type: what "what a job costs" explains event by event. */
      byType: Record<string, number>;
    }
  >;
  /** RELAX job workflows: events per simulated hour between submit and SUCCESS. */
  relaxEventsPerSimHour: Distribution;
  maxRunEvents: number;
  continuedAsNew: number;
}

interface ReceiverDelivery {
  ms: number;
  status: string;
  routed: boolean;
}

interface OursRun {
  variant: VariantName;
  deliveries: ReceiverDelivery[];
  results: Map<string, PipelineResult | { error: string }>;
  workflowIds: Map<string, string>;
  sim: Simulator;
  worker: BenchWorker;
  watch: ProcWatch;
  serverWatch: ProcWatch;
  receiver?: WebhookReceiver;
}

interface BaselineRun {
  variant: VariantName;
  results: Map<string, BaselineResult | { error: string }>;
  sim: Simulator;
}

export function pipelineInput(job: MixJob, timeScale: number) {
  return parsePipelineSpec({
    name: `bench-${job.id}`,
    mode: job.mode,
    policy: scaledPolicy(job.mode, timeScale),
    captureImages: false,
    steps: [
      { id: 'grid', imagine: { prompt: job.prompt } },
      { id: 'ups', from: 'grid', action: 'U1' },
    ],
  });
}

async function prepareOurs(
  ctx: BenchContext,
  server: DevServer,
  variant: VariantName,
  timeScale: number,
  seed: number
) {
  const sim = await startBenchSimulator({ timeScale, seed });
  let receiver: WebhookReceiver | undefined;
  let hook: string | null = null;
  const deliveries: ReceiverDelivery[] = [];
  if (variant === 'ours-webhooks') {
    const token = randomBytes(24).toString('base64url');
    // The receiver logs each delivery with its handling time (`ms`: parse, route, signal); collected, not printed.
    const log = createLogger({
      level: 'info',
      name: 'bench-receiver',
      destination: {
        write: (line: string) => {
          try {
            const o = JSON.parse(line) as { msg?: string; ms?: number; status?: string; result?: string };
            if (typeof o.ms === 'number')
              deliveries.push({ ms: o.ms, status: o.status ?? '', routed: o.msg === 'webhook woke workflow' });
          } catch {
            // not a JSON line
          }
        },
      },
    });
    // Progress-only deliveries go to the store, as a deployed receiver with MJ_PROGRESS_DIR does (issue 15).
    receiver = await startWebhookReceiver({
      client: server.client,
      token,
      port: 0,
      host: '127.0.0.1',
      log,
      progressStore: new MemoryProgressStore(),
    });
    hook = `${receiver.url}${WEBHOOK_PATH_PREFIX}${token}`;
  }
  const taskQueue = `bench-mix-${variant}-${Date.now()}`;
  const worker = await spawnWorker({
    address: server.address,
    taskQueue,
    simUrl: sim.url,
    notifyHookUrl: hook,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir: path.join(ctx.tmpDir, `assets-${variant}`),
    logFile: path.join(ctx.tmpDir, `worker-${variant}.log`),
  });
  return { sim, receiver, worker, taskQueue, deliveries };
}

async function runOurs(
  ctx: BenchContext,
  server: DevServer,
  variant: VariantName,
  jobs: MixJob[],
  timeScale: number,
  prepared: Awaited<ReturnType<typeof prepareOurs>>,
  t0: number,
  deadline: number
): Promise<OursRun> {
  const client: Client = server.client;
  const { sim, worker, receiver, taskQueue } = prepared;
  const watch = watchProc(worker.pid);
  const serverWatch = watchProc(server.pid);
  const results = new Map<string, PipelineResult | { error: string }>();
  const workflowIds = new Map<string, string>();
  const handles: WorkflowHandle[] = [];
  await Promise.all(
    jobs.map(async (job) => {
      await sleep(t0 + job.arrivalMs - Date.now());
      const workflowId = `bench-mix-${variant}-${job.id}-${t0}`;
      workflowIds.set(job.id, workflowId);
      try {
        const handle = await client.workflow.start('pipelineWorkflow', {
          taskQueue,
          workflowId,
          args: [pipelineInput(job, timeScale)],
        });
        handles.push(handle);
        const result = (await Promise.race([
          handle.result(),
          sleep(deadline - Date.now()).then(() => Promise.reject(new Error('bench deadline passed'))),
        ])) as PipelineResult;
        results.set(job.id, result);
      } catch (err) {
        results.set(job.id, { error: errorMessage(err) });
      }
    })
  );
  // Anything still running after the deadline is stopped, so nothing outlives the phase.
  await mapLimit(handles, 8, async (h) => {
    const d = await h.describe().catch(() => undefined);
    if (d?.status.name === 'RUNNING') await h.terminate('bench deadline').catch(() => undefined);
  });
  ctx.log(
    `${variant}: ${[...results.values()].filter((r) => !('error' in r)).length}/${jobs.length} pipelines finished`
  );
  return { variant, results, workflowIds, sim, worker, watch, serverWatch, receiver, deliveries: prepared.deliveries };
}

async function runBaseline(
  variant: VariantName,
  jobs: MixJob[],
  timeScale: number,
  sim: Simulator,
  t0: number,
  deadline: number
): Promise<BaselineRun> {
  const dispatcher = new Agent({ keepAliveTimeout: 4_000, connections: 256 });
  const abort = new AbortController();
  // One signal bounds every request of the variant; each in-flight request listens to it.
  setMaxListeners(0, abort.signal);
  const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
  const results = new Map<string, BaselineResult | { error: string }>();
  try {
    await Promise.all(
      jobs.map(async (job) => {
        await sleep(t0 + job.arrivalMs - Date.now());
        try {
          const r = await runBaselinePipeline(
            {
              baseUrl: sim.url,
              timeScale,
              dispatcher,
              signal: abort.signal,
              timeoutSimMs: variant === 'baseline' ? 300_000 : null,
            },
            job
          );
          results.set(job.id, r);
        } catch (err) {
          results.set(job.id, { error: errorMessage(err) });
        }
      })
    );
  } finally {
    clearTimeout(timer);
    await dispatcher.close();
  }
  return { variant, results, sim };
}

function isTerminal(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAILURE' || status === 'CANCEL';
}

function summariseUpstream(
  variant: VariantName,
  jobs: MixJob[],
  timeScale: number,
  a: UpstreamAnalysis,
  succeededIds: Set<string>,
  failures: Record<string, number>
): VariantSummary {
  const n = jobs.length;
  const per = (v: number) => round(v / Math.max(1, n), 2)!;
  const byMode = {} as Record<MixMode, PerModeSummary>;
  for (const mode of ['FAST', 'RELAX'] as MixMode[]) {
    const ids = jobs.filter((j) => j.mode === mode).map((j) => j.id);
    const sum = { submit: 0, action: 0, fetch: 0, total: 0 };
    for (const id of ids) {
      const r = a.perJob.get(id);
      if (!r) continue;
      sum.submit += r.submit;
      sum.action += r.action;
      sum.fetch += r.fetch;
      sum.total += r.total;
    }
    const k = Math.max(1, ids.length);
    byMode[mode] = {
      pipelines: ids.length,
      succeeded: ids.filter((id) => succeededIds.has(id)).length,
      requestsPerPipeline: {
        submit: round(sum.submit / k)!,
        action: round(sum.action / k)!,
        fetch: round(sum.fetch / k)!,
        total: round(sum.total / k)!,
      },
    };
  }
  const modeOf = new Map(jobs.map((j) => [j.id, j.mode]));
  const seen = a.detection.filter((d) => d.latencySimMs !== null);
  const lat = (f: (d: (typeof seen)[number]) => boolean) => distribution(seen.filter(f).map((d) => d.latencySimMs!));
  const all = lat(() => true);
  return {
    variant,
    pipelines: n,
    succeeded: succeededIds.size,
    failed: n - succeededIds.size,
    failures,
    requestsPerPipeline: {
      submit: per(a.totals.submit),
      action: per(a.totals.action),
      fetch: per(a.totals.fetch),
      other: per(a.totals.other),
      total: per(a.totals.total),
    },
    requestsPerSucceededPipeline: succeededIds.size ? round(a.totals.total / succeededIds.size) : null,
    unattributedRequests: a.unattributed,
    byMode,
    detectionSimMs: {
      all,
      imagine: lat((d) => d.role === 'imagine'),
      upscale: lat((d) => d.role === 'upscale'),
      FAST: lat((d) => modeOf.get(d.jobId) === 'FAST'),
      RELAX: lat((d) => modeOf.get(d.jobId) === 'RELAX'),
    },
    detectionRealMs: distribution(seen.map((d) => d.latencySimMs! / timeScale)),
    handoffSimMs: distribution(a.handoffSimMs.map((h) => h.ms)),
    uncollectedTasks: a.uncollected.length,
  };
}

async function historySummary(
  client: Client,
  runs: OursRun,
  jobs: MixJob[],
  tasks: Map<string, TaskView>
): Promise<HistorySummary> {
  const items: { jobId: string; mode: MixMode; role: string; workflowId: string; taskId?: string }[] = [];
  for (const job of jobs) {
    const pid = runs.workflowIds.get(job.id);
    if (!pid) continue;
    items.push({ jobId: job.id, mode: job.mode, role: 'pipeline', workflowId: pid });
    const r = runs.results.get(job.id);
    if (r && !('error' in r)) {
      for (const o of r.outcomes) {
        items.push({
          jobId: job.id,
          mode: job.mode,
          role: o.step === 'grid' ? 'imagine' : 'upscale',
          workflowId: o.jobId,
          taskId: o.taskId,
        });
      }
    }
  }
  const stats = await mapLimit(items, 8, async (it) => ({
    it,
    s: await workflowHistoryStats(client, it.workflowId).catch(() => null),
  }));
  const perJob: HistorySummary['perJob'] = {};
  const perPipeline = new Map<string, number>();
  const relaxPerHour: number[] = [];
  let maxRunEvents = 0;
  let continuedAsNew = 0;
  for (const { it, s } of stats) {
    if (!s) continue;
    maxRunEvents = Math.max(maxRunEvents, s.maxRunEvents);
    continuedAsNew += s.runs - 1;
    perPipeline.set(it.jobId, (perPipeline.get(it.jobId) ?? 0) + s.events.total);
    const key = `${it.role} ${it.mode}`;
    const e = (perJob[key] ??= { n: 0, meanEvents: 0, maxEvents: 0, breakdown: emptyBreakdown(), byType: {} });
    e.n++;
    e.meanEvents = (e.meanEvents ?? 0) + s.events.total;
    e.maxEvents = Math.max(e.maxEvents, s.events.total);
    e.breakdown = addBreakdown(e.breakdown, s.events);
    for (const [type, count] of Object.entries(s.byType)) e.byType[type] = (e.byType[type] ?? 0) + count;
    const t = it.taskId ? tasks.get(it.taskId) : undefined;
    if (it.mode === 'RELAX' && it.role !== 'pipeline' && t?.finishTime) {
      const hours = (t.finishTime - t.submitTime) / 3_600_000;
      if (hours > 0) relaxPerHour.push(s.events.total / hours);
    }
  }
  for (const e of Object.values(perJob)) {
    e.meanEvents = round((e.meanEvents ?? 0) / Math.max(1, e.n), 1);
    for (const k of Object.keys(e.breakdown) as (keyof EventBreakdown)[])
      e.breakdown[k] = round(e.breakdown[k] / Math.max(1, e.n), 1)!;
    for (const type of Object.keys(e.byType)) e.byType[type] = round(e.byType[type] / Math.max(1, e.n), 2)!;
  }
  const totals = [...perPipeline.values()];
  return {
    workflows: stats.filter((x) => x.s).length,
    eventsPerPipeline: totals.length ? round(totals.reduce((a, b) => a + b, 0) / totals.length, 1) : null,
    perJob,
    relaxEventsPerSimHour: distribution(relaxPerHour),
    maxRunEvents,
    continuedAsNew,
  };
}

function emptyBreakdown(): EventBreakdown {
  return { total: 0, workflowTask: 0, activity: 0, timer: 0, signal: 0, update: 0, child: 0, other: 0 };
}

async function settleSimulator(sim: Simulator, timeoutMs: number): Promise<void> {
  await waitUntil(() => taskViews(sim).every((t) => isTerminal(t.status)), timeoutMs, 500);
}

export interface MixPhaseResult {
  timeScale: number;
  pipelines: number;
  fastShare: number;
  arrivalSpreadRealMs: number;
  simulatorDurations: typeof DEFAULT_DURATIONS;
  policyMapping: ReturnType<typeof policyMapping>;
  baselineRule: string;
  /** history.timerProcessorMaxTimeShift of this phase's dev server (see bench/lib/dev-server.ts). */
  timerFloor: string;
  /** CPU of the shared dev server and of this process (simulators, baselines, receiver) during the round. */
  load: { serverCpuCores: number | null; benchProcessCpuCores: number | null } | null;
  variants: Record<VariantName, VariantSummary>;
  ratios: {
    /** ours / baseline, upstream requests per pipeline. */
    webhooksVsBaseline: number | null;
    pollingVsBaseline: number | null;
    webhooksVsPatient: number | null;
    pollingVsPatient: number | null;
    /** Per successful pipeline: the price of a result. */
    webhooksVsBaselinePerSuccess: number | null;
  };
  notes: string[];
}

export async function runMixPhase(ctx: BenchContext): Promise<MixPhaseResult> {
  const quick = ctx.flags.quick;
  const timeScale = quick ? 60 : 10;
  const n = ctx.flags.jobs ?? (quick ? 4 : 40);
  const spreadMs = quick ? 3_000 : 20_000;
  const jobs = makeMix(n, ctx.flags.seed, spreadMs);
  const longestReal = Math.max(pipelineSimMs('FAST'), pipelineSimMs('RELAX')) / timeScale;
  const roundBudget = spreadMs + longestReal * 1.6 + 30_000;
  ctx.log(
    `mix: ${n} pipelines (${jobs.filter((j) => j.mode === 'FAST').length} FAST), time scale ${timeScale}, ~${Math.round((spreadMs + longestReal) / 1000)} s`
  );

  const server = await startDevServer({ dir: ctx.tmpDir, name: 'mix', log: ctx.log, timerFloor: TIMER_FLOOR });
  const summaries = {} as Record<VariantName, VariantSummary>;
  let load: MixPhaseResult['load'] | undefined;
  try {
    const [webhooks, polling, baseSim, patientSim] = await Promise.all([
      prepareOurs(ctx, server, 'ours-webhooks', timeScale, ctx.flags.seed),
      prepareOurs(ctx, server, 'ours-polling', timeScale, ctx.flags.seed),
      startBenchSimulator({ timeScale, seed: ctx.flags.seed }),
      startBenchSimulator({ timeScale, seed: ctx.flags.seed }),
    ]);
    const t0 = Date.now() + 500;
    const deadline = t0 + roundBudget;
    const mainCpu0 = process.cpuUsage();
    ctx.log('mix: one round, four variants side by side (each with its own simulator)');
    const [oursW, oursP, base, patient] = await Promise.all([
      runOurs(ctx, server, 'ours-webhooks', jobs, timeScale, webhooks, t0, deadline),
      runOurs(ctx, server, 'ours-polling', jobs, timeScale, polling, t0, deadline),
      runBaseline('baseline', jobs, timeScale, baseSim, t0, deadline),
      runBaseline('baseline-patient', jobs, timeScale, patientSim, t0, deadline),
    ]);
    for (const b of [base, patient]) {
      ctx.log(
        `${b.variant}: ${[...b.results.values()].filter((r) => 'succeeded' in r && r.succeeded).length}/${jobs.length} pipelines succeeded`
      );
    }
    // Tasks the baseline gave up on keep running upstream; let them end to see whether the timeout was wrong.
    await Promise.all(
      [oursW.sim, oursP.sim, base.sim, patient.sim].map((sim) =>
        settleSimulator(sim, Math.max(5_000, deadline - Date.now()))
      )
    );
    const mainCpu = process.cpuUsage(mainCpu0);
    const serverSamples = oursW.serverWatch.stop();
    oursP.serverWatch.stop();
    load = {
      serverCpuCores: round(cpuCores(serverSamples[0], serverSamples[serverSamples.length - 1])),
      benchProcessCpuCores: round((mainCpu.user + mainCpu.system) / 1000 / Math.max(1, Date.now() - t0)),
    };

    for (const ours of [oursW, oursP]) {
      const samples = ours.watch.stop();
      await ours.worker.stop();
      await ours.receiver?.close();
      const oursTasks = taskViews(ours.sim);
      const oursAnalysis = analyseUpstream(ours.sim.stats().requests, oursTasks);
      const oursOk = new Set(
        [...ours.results]
          .filter(([, r]) => !('error' in r) && r.summary.succeeded === r.summary.total)
          .map(([id]) => id)
      );
      const oursFailures: Record<string, number> = {};
      for (const [, r] of ours.results) {
        if ('error' in r) oursFailures[r.error.slice(0, 60)] = (oursFailures[r.error.slice(0, 60)] ?? 0) + 1;
        else
          for (const o of r.outcomes)
            if (o.status !== 'succeeded')
              oursFailures[o.failure?.type ?? o.status] = (oursFailures[o.failure?.type ?? o.status] ?? 0) + 1;
      }
      const s = summariseUpstream(ours.variant, jobs, timeScale, oursAnalysis, oursOk, oursFailures);
      s.worker = {
        pid: ours.worker.pid,
        maxRssMiB: round(samples.reduce((m, x) => Math.max(m, x.rssBytes), 0) / MiB, 1)!,
        cpuCores: round(cpuCores(samples[0], samples[samples.length - 1])),
      };
      s.history = await historySummary(server.client, ours, jobs, new Map(oursTasks.map((t) => [t.id, t])));
      if (ours.receiver) {
        const st = ours.sim.stats();
        s.receiver = {
          deliveries: ours.deliveries.length,
          signaled: ours.deliveries.filter((d) => d.routed).length,
          handlingMs: distribution(ours.deliveries.map((d) => d.ms)),
          successHandlingMs: distribution(ours.deliveries.filter((d) => d.status === 'SUCCESS').map((d) => d.ms)),
          webhooksSent: st.webhooksSent,
          webhooksFailed: st.webhooksFailed,
        };
      }
      summaries[ours.variant] = s;
    }

    for (const b of [base, patient]) {
      const baseTasks = taskViews(b.sim);
      const byId = new Map(baseTasks.map((t) => [t.id, t]));
      const baseAnalysis = analyseUpstream(b.sim.stats().requests, baseTasks);
      const baseOk = new Set([...b.results].filter(([, r]) => 'succeeded' in r && r.succeeded).map(([id]) => id));
      const baseFailures: Record<string, number> = {};
      const timeouts = { total: 0, wrong: 0, whileQueued: 0, whileRunning: 0, byMode: { FAST: 0, RELAX: 0 } };
      for (const [jobId, r] of b.results) {
        if ('error' in r) {
          baseFailures.error = (baseFailures.error ?? 0) + 1;
          continue;
        }
        for (const step of [r.imagine, r.upscale]) {
          if (!step || step.kind === 'succeeded') continue;
          const key = step.kind === 'timed-out' ? `timed out (${step.lastStatus})` : step.reason.slice(0, 60);
          baseFailures[key] = (baseFailures[key] ?? 0) + 1;
          if (step.kind === 'timed-out') {
            timeouts.total++;
            timeouts.byMode[jobs.find((j) => j.id === jobId)!.mode]++;
            if (byId.get(step.taskId)?.status === 'SUCCESS') timeouts.wrong++;
            if (step.lastStatus === 'IN_PROGRESS') timeouts.whileRunning++;
            else timeouts.whileQueued++;
          }
        }
      }
      const sb = summariseUpstream(b.variant, jobs, timeScale, baseAnalysis, baseOk, baseFailures);
      if (b.variant === 'baseline') sb.timeouts = timeouts;
      summaries[b.variant] = sb;
    }
    await Promise.all([oursW.sim.close(), oursP.sim.close(), base.sim.close(), patient.sim.close()]);
  } finally {
    await server.stop();
  }

  const ratio = (a?: number | null, b?: number | null) => (a != null && b ? round(a / b, 3) : null);
  const v = summaries;
  return {
    timeScale,
    pipelines: n,
    fastShare: round(jobs.filter((j) => j.mode === 'FAST').length / n)!,
    arrivalSpreadRealMs: spreadMs,
    simulatorDurations: DEFAULT_DURATIONS,
    policyMapping: policyMapping(timeScale),
    timerFloor: TIMER_FLOOR,
    load: load ?? null,
    baselineRule:
      'fetch every 3 s (sim), fixed 5 min (sim) timeout from submit, no webhooks, no retry; patient = no timeout',
    variants: v,
    ratios: {
      webhooksVsBaseline: ratio(v['ours-webhooks']?.requestsPerPipeline.total, v.baseline?.requestsPerPipeline.total),
      pollingVsBaseline: ratio(v['ours-polling']?.requestsPerPipeline.total, v.baseline?.requestsPerPipeline.total),
      webhooksVsPatient: ratio(
        v['ours-webhooks']?.requestsPerPipeline.total,
        v['baseline-patient']?.requestsPerPipeline.total
      ),
      pollingVsPatient: ratio(
        v['ours-polling']?.requestsPerPipeline.total,
        v['baseline-patient']?.requestsPerPipeline.total
      ),
      webhooksVsBaselinePerSuccess: ratio(
        v['ours-webhooks']?.requestsPerSucceededPipeline,
        v.baseline?.requestsPerSucceededPipeline
      ),
    },
    notes: [
      `Simulator: trueai flavour, default durations (FAST ${DEFAULT_DURATIONS.FAST.queueMs / 1000}+${DEFAULT_DURATIONS.FAST.runMs / 1000} s, RELAX ${DEFAULT_DURATIONS.RELAX.queueMs / 60000}+${DEFAULT_DURATIONS.RELAX.runMs / 60000} min; an upscale runs 0.25 of that), no account slot limits, no faults.`,
      'Requests count every /mj call in the simulator log (submit/imagine, submit/action, task fetch); images are not downloaded (captureImages: false) by either side.',
      'Detection = simulated ms from SUCCESS to the arrival of the first fetch that returned it; real ms = simulated / time scale. Polling latency scales with the run, webhook latency (HTTP + signal + workflow task + fetch) does not: read polling variants in simulated ms and ours-webhooks in real ms.',
    ],
  };
}
