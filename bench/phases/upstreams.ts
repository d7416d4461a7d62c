/**
 * Phase "upstreams" (issue 13): what routing across several upstreams costs and how long a result takes. Three
 * simulated upstreams of different prices, speeds and concurrency (cheap and slow, mid, expensive and fast), and
 * the same FAST job mix (imagines, a few upscales pressed on their grid and pinned to its owner) in three scenarios
 * side by side, each with its own namespace (its own upstream pool and cost ledger), simulators, webhook receiver
 * and worker process (the service's `createWorker` with `MJ_UPSTREAMS` built here):
 *
 * - `single-mid`: the mid upstream alone (routing on, one upstream);
 * - `cheapest`: the three with the `cheapest` rule;
 * - `least-loaded`: the three with the default rule (no `routing` in the config);
 *
 * Cost comes from the ledger (`client.cost.spend`) and is checked against the simulators' own accepted tasks
 * times their configured prices; both are reported, with whether they agree. Time to result is real ms from the
 * client's start call to its result. The simulators run at 1× (their durations are set short instead): the pool's
 * waits (a full upstream is asked again after 10 s) are real time and would not scale.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { newWorkflowId } from '../../src/client/job-ids';
import { createLogger } from '../../src/logger';
import type { JobResult } from '../../src/shared/types';
import { startSimulator, type ModeDurations, type Simulator } from '../../src/simulator';
import { priceOf } from '../../src/shared/upstreams/prices';
import type { PricedAction, PriceTable } from '../../src/shared/upstreams/types';
import { MemoryProgressStore } from '../../src/webhook/progress-store';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
import type { BenchContext } from '../lib/context';
import { startDevServer, type DevServer } from '../lib/dev-server';
import { cpuCores, MiB, watchProc } from '../lib/proc';
import { JOB_TAG, taskViews } from '../lib/sim';
import { distribution, errorMessage, mapLimit, round, seededRandom, sleep, type Distribution } from '../lib/util';
import { spawnWorker, type BenchWorker } from '../lib/workers';

export interface UpstreamProfile {
  id: string;
  /** FAST tasks at once: the pool's cap and the simulated account's. */
  concurrency: number;
  /** USD per FAST task. */
  price: { IMAGINE: number; UPSCALE: number };
  /** Real ms (the simulators run at 1×) of a grid; an upscale runs a quarter of `runMs`. */
  durations: ModeDurations;
}

/** Cheap and slow with room, mid, expensive and fast with little room. */
export const PROFILES: readonly UpstreamProfile[] = [
  {
    id: 'cheap',
    concurrency: 6,
    price: { IMAGINE: 0.02, UPSCALE: 0.01 },
    durations: { queueMs: 3_000, runMs: 21_000 },
  },
  { id: 'mid', concurrency: 4, price: { IMAGINE: 0.05, UPSCALE: 0.02 }, durations: { queueMs: 1_500, runMs: 10_500 } },
  { id: 'fast', concurrency: 3, price: { IMAGINE: 0.12, UPSCALE: 0.05 }, durations: { queueMs: 500, runMs: 5_500 } },
];

export type ScenarioName = 'single-mid' | 'cheapest' | 'least-loaded';

interface Scenario {
  name: ScenarioName;
  upstreams: string[];
  /** Undefined: no `routing` in the config, so the default rule (least-loaded) runs. */
  rule?: 'cheapest';
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'single-mid', upstreams: ['mid'] },
  { name: 'cheapest', upstreams: ['cheap', 'mid', 'fast'], rule: 'cheapest' },
  { name: 'least-loaded', upstreams: ['cheap', 'mid', 'fast'] },
];

interface MixEntry {
  id: string;
  arrivalMs: number;
  /** Press U1 on the grid once it is done (a follow-up routed to the grid's owner). */
  upscale: boolean;
}

function makeMix(n: number, upscales: number, seed: number, spreadMs: number): MixEntry[] {
  const rnd = seededRandom(seed);
  const arrivals = Array.from({ length: n }, () => Math.round(rnd() * spreadMs)).sort((a, b) => a - b);
  const every = upscales > 0 ? Math.max(1, Math.floor(n / upscales)) : Infinity;
  return arrivals.map((arrivalMs, i) => ({
    id: `u${String(i + 1).padStart(3, '0')}`,
    arrivalMs,
    upscale: i % every === 0 && Math.floor(i / every) < upscales,
  }));
}

function priceTable(p: UpstreamProfile): PriceTable {
  return { currency: 'USD', default: { FAST: p.price.IMAGINE }, byAction: { UPSCALE: { FAST: p.price.UPSCALE } } };
}

/** The `MJ_UPSTREAMS` JSON of a scenario (no keys: the simulators ask none). */
export function upstreamsJson(s: Scenario, urls: Record<string, string>): string {
  const upstreams = s.upstreams.map((id) => {
    const p = PROFILES.find((x) => x.id === id)!;
    return {
      id,
      flavour: 'trueai',
      baseUrl: urls[id],
      modes: { FAST: { concurrency: p.concurrency } },
      prices: priceTable(p),
    };
  });
  return JSON.stringify(s.rule ? { upstreams, routing: { rule: s.rule, modePreference: ['FAST'] } } : { upstreams });
}

interface JobOutcome {
  entry: string;
  kind: 'imagine' | 'upscale';
  ms: number | null;
  upstreamId?: string;
  failovers: number;
  error?: string;
  /** Upscales: the grid's owner, to check the follow-up stayed there. */
  parentUpstreamId?: string;
}

export interface ScenarioSummary {
  scenario: ScenarioName;
  rule: string;
  upstreams: string[];
  jobs: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  timeToResultMs: { all: Distribution; imagine: Distribution; upscale: Distribution };
  /** Jobs per owner upstream. */
  byUpstream: Record<string, number>;
  failovers: number;
  /** Upscales whose owner was not their grid's owner (must be 0). */
  unpinned: number;
  cost: {
    /** `client.cost.spend({})` of this scenario's ledger, USD. */
    ledger: { charged: number; refunded: number; net: number; charges: number } | null;
    ledgerByUpstream: Record<string, number>;
    /** The simulators' accepted tasks × the configured price of their action, USD. */
    simulators: { amount: number; tasks: number; accepted: number; unpriced: number };
    simulatorsByUpstream: Record<string, number>;
    /** Ledger net = simulators' amount and charges = tasks, to the micro-unit. */
    agree: boolean;
    per100Jobs: number | null;
  };
  /** Every request the simulators logged (submits, fetches), per job; and their webhook deliveries. */
  upstreamRequestsPerJob: number | null;
  webhooks: { sent: number; failed: number };
  worker: { maxRssMiB: number; cpuCores: number | null };
}

export interface UpstreamsPhaseResult {
  imagines: number;
  upscales: number;
  arrivalSpreadMs: number;
  profiles: readonly UpstreamProfile[];
  scenarios: Partial<Record<ScenarioName, ScenarioSummary>>;
  serverCpuCores: number | null;
  notes: string[];
}

interface Lane {
  scenario: Scenario;
  namespace: string;
  taskQueue: string;
  client: Client;
  mj: MjJobsClient;
  sims: Map<string, Simulator>;
  receiver: WebhookReceiver;
  worker: BenchWorker;
}

async function startLane(ctx: BenchContext, server: DevServer, scenario: Scenario, seed: number): Promise<Lane> {
  const namespace = `bench-up-${scenario.name}`;
  const taskQueue = `bench-up-${scenario.name}-${Date.now()}`;
  const sims = new Map<string, Simulator>();
  for (const id of scenario.upstreams) {
    const p = PROFILES.find((x) => x.id === id)!;
    sims.set(
      id,
      await startSimulator({
        flavour: 'trueai',
        host: '127.0.0.1',
        seed,
        durations: { FAST: p.durations },
        concurrency: { FAST: p.concurrency },
        queueSize: 1_000,
        maxRequestLog: 200_000,
      })
    );
  }
  const client = new Client({ connection: server.connection, namespace });
  const token = randomBytes(24).toString('base64url');
  const receiver = await startWebhookReceiver({
    client,
    token,
    upstreamIds: scenario.upstreams,
    port: 0,
    host: '127.0.0.1',
    log: createLogger({ level: 'warn', name: 'bench-up-receiver' }),
    progressStore: new MemoryProgressStore(),
  });
  const urls = Object.fromEntries([...sims].map(([id, s]) => [id, s.url]));
  const worker = await spawnWorker({
    address: server.address,
    namespace,
    taskQueue,
    simUrl: sims.get(scenario.upstreams[0])!.url,
    notifyHookUrl: null,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir: path.join(ctx.tmpDir, `assets-up-${scenario.name}`),
    logFile: path.join(ctx.tmpDir, `worker-up-${scenario.name}.log`),
    env: {
      MJ_UPSTREAMS: upstreamsJson(scenario, urls),
      MJ_PUBLIC_BASE_URL: receiver.url,
      MJ_WEBHOOK_TOKEN: token,
    },
  });
  const store = new LocalAssetStore({ dir: path.join(ctx.tmpDir, `client-assets-up-${scenario.name}`) });
  const mj = new MjJobsClient({ client, store, taskQueue, mode: 'FAST' });
  return { scenario, namespace, taskQueue, client, mj, sims, receiver, worker };
}

async function timed<T>(f: () => Promise<T>, deadline: number): Promise<{ value: T; ms: number }> {
  const t = Date.now();
  const value = await Promise.race([
    f(),
    sleep(deadline - Date.now()).then(() => Promise.reject(new Error('bench deadline passed'))),
  ]);
  return { value, ms: Date.now() - t };
}

/** The workflow id of an entry's imagine or upscale (the client's `jobId`). */
function jobIdOf(lane: Lane, entry: string, t0: number, kind: JobOutcome['kind']): string {
  return `bench-up-${lane.scenario.name}-${entry}-${t0}${kind === 'upscale' ? '-u1' : ''}`;
}

/** One mix entry: the imagine, then (for some) U1 on its grid, each timed from its start call to its result. */
async function runEntry(lane: Lane, e: MixEntry, t0: number, deadline: number): Promise<JobOutcome[]> {
  await sleep(t0 + e.arrivalMs - Date.now());
  const out: JobOutcome[] = [];
  const jobId = jobIdOf(lane, e.id, t0, 'imagine');
  let grid: JobResult | undefined;
  try {
    const r = await timed(async () => {
      const h = await lane.mj.imagine(`${JOB_TAG}${e.id} a lighthouse on a cliff at dusk --v 7`, {
        jobId,
        mode: 'FAST',
        captureImages: false,
      });
      return h.result();
    }, deadline);
    grid = r.value;
    out.push({
      entry: e.id,
      kind: 'imagine',
      ms: r.ms,
      upstreamId: grid.owner?.upstreamId,
      failovers: grid.failovers ?? 0,
    });
  } catch (err) {
    out.push({ entry: e.id, kind: 'imagine', ms: null, failovers: 0, error: errorMessage(err) });
  }
  if (!e.upscale || !grid) return out;
  try {
    const r = await timed(async () => {
      const h = await lane.mj.action(jobId, 'U1', { jobId: jobIdOf(lane, e.id, t0, 'upscale'), captureImages: false });
      return h.result();
    }, deadline);
    out.push({
      entry: e.id,
      kind: 'upscale',
      ms: r.ms,
      upstreamId: r.value.owner?.upstreamId,
      parentUpstreamId: grid.owner?.upstreamId,
      failovers: r.value.failovers ?? 0,
    });
  } catch (err) {
    out.push({ entry: e.id, kind: 'upscale', ms: null, failovers: 0, error: errorMessage(err) });
  }
  return out;
}

const PRICED: Record<string, PricedAction> = { IMAGINE: 'IMAGINE', UPSCALE: 'UPSCALE' };
const micro = (v: number) => Math.round(v * 1e6);

/** The simulators' side of the cost: every task they created, priced by its action in the scenario's tables. */
function simulatorCost(lane: Lane): ScenarioSummary['cost']['simulators'] & { byUpstream: Record<string, number> } {
  let amount = 0;
  let tasks = 0;
  let accepted = 0;
  let unpriced = 0;
  const byUpstream: Record<string, number> = {};
  for (const [id, sim] of lane.sims) {
    const table = priceTable(PROFILES.find((x) => x.id === id)!);
    let sum = 0;
    for (const t of taskViews(sim)) {
      const action = PRICED[t.action];
      if (!action) unpriced++;
      else sum += micro(priceOf(table, action, 'FAST'));
      tasks++;
    }
    accepted += Object.values(sim.stats().acceptedByEndpoint).reduce((a, b) => a + b, 0);
    byUpstream[id] = sum / 1e6;
    amount += sum;
  }
  return { amount: amount / 1e6, tasks, accepted, unpriced, byUpstream };
}

async function ledgerCost(lane: Lane, expectedCharges: number) {
  // Charges are recorded by the submit before it answers; a short bounded wait only covers a slow query path.
  const until = Date.now() + 15_000;
  let usd = (await lane.mj.cost.spend({})).byCurrency.USD;
  while ((usd?.charges ?? 0) < expectedCharges && Date.now() < until) {
    await sleep(500);
    usd = (await lane.mj.cost.spend({})).byCurrency.USD;
  }
  const byUpstream: Record<string, number> = {};
  for (const id of lane.scenario.upstreams)
    byUpstream[id] = (await lane.mj.cost.spend({ upstreamId: id })).byCurrency.USD?.net ?? 0;
  return {
    total: usd ? { charged: usd.charged, refunded: usd.refunded, net: usd.net, charges: usd.charges } : null,
    byUpstream,
  };
}

function summarise(
  lane: Lane,
  outcomes: JobOutcome[],
  ledger: Awaited<ReturnType<typeof ledgerCost>>,
  worker: ScenarioSummary['worker']
): ScenarioSummary {
  const ok = outcomes.filter((o) => o.ms !== null);
  const dist = (kind?: JobOutcome['kind']) =>
    distribution(ok.filter((o) => !kind || o.kind === kind).map((o) => o.ms!));
  const failures: Record<string, number> = {};
  for (const o of outcomes) if (o.error) failures[o.error.slice(0, 80)] = (failures[o.error.slice(0, 80)] ?? 0) + 1;
  const byUpstream: Record<string, number> = {};
  for (const o of ok) byUpstream[o.upstreamId ?? '?'] = (byUpstream[o.upstreamId ?? '?'] ?? 0) + 1;
  let requests = 0;
  const webhooks = { sent: 0, failed: 0 };
  for (const sim of lane.sims.values()) {
    const st = sim.stats();
    requests += st.requests.length;
    webhooks.sent += st.webhooksSent;
    webhooks.failed += st.webhooksFailed;
  }
  const sims = simulatorCost(lane);
  const { byUpstream: simulatorsByUpstream, ...simulators } = sims;
  const agree =
    ledger.total !== null &&
    micro(ledger.total.net) === micro(simulators.amount) &&
    ledger.total.charges === simulators.tasks &&
    simulators.tasks === simulators.accepted &&
    simulators.unpriced === 0;
  return {
    scenario: lane.scenario.name,
    rule: lane.scenario.upstreams.length === 1 ? 'one upstream' : (lane.scenario.rule ?? 'least-loaded (default)'),
    upstreams: lane.scenario.upstreams,
    jobs: outcomes.length,
    succeeded: ok.length,
    failed: outcomes.length - ok.length,
    failures,
    timeToResultMs: { all: dist(), imagine: dist('imagine'), upscale: dist('upscale') },
    byUpstream,
    failovers: outcomes.reduce((n, o) => n + o.failovers, 0),
    unpinned: ok.filter((o) => o.kind === 'upscale' && o.upstreamId !== o.parentUpstreamId).length,
    cost: {
      ledger: ledger.total,
      ledgerByUpstream: ledger.byUpstream,
      simulators,
      simulatorsByUpstream,
      agree,
      per100Jobs: ledger.total && outcomes.length ? round((ledger.total.net / outcomes.length) * 100, 3) : null,
    },
    upstreamRequestsPerJob: outcomes.length ? round(requests / outcomes.length, 2) : null,
    webhooks,
    worker,
  };
}

async function runLane(lane: Lane, mix: MixEntry[], t0: number, deadline: number, log: (m: string) => void) {
  const watch = watchProc(lane.worker.pid);
  const outcomes = (await Promise.all(mix.map((e) => runEntry(lane, e, t0, deadline)))).flat();
  const samples = watch.stop();
  // Whatever outlived the deadline is stopped, so nothing runs past the phase.
  await mapLimit(
    outcomes.filter((o) => o.error),
    8,
    async (o) => {
      // The client's key becomes the workflow id `mj-job-<key>`.
      const id = newWorkflowId('job', jobIdOf(lane, o.entry, t0, o.kind));
      await lane.client.workflow
        .getHandle(id)
        .terminate('bench deadline')
        .catch(() => undefined);
    }
  );
  const ledger = await ledgerCost(lane, simulatorCost(lane).tasks);
  const worker = {
    maxRssMiB: round(samples.reduce((m, x) => Math.max(m, x.rssBytes), 0) / MiB, 1)!,
    cpuCores: round(cpuCores(samples[0], samples[samples.length - 1])),
  };
  const s = summarise(lane, outcomes, ledger, worker);
  log(
    `upstreams ${s.scenario}: ${s.succeeded}/${s.jobs} ok, ledger ${s.cost.ledger?.net ?? '–'} USD vs simulators ${s.cost.simulators.amount} (${s.cost.agree ? 'agree' : 'DISAGREE'}), p50 ${s.timeToResultMs.all.p50} ms`
  );
  return s;
}

async function closeLane(lane: Lane): Promise<void> {
  await lane.worker.stop();
  await lane.receiver.close();
  await Promise.all([...lane.sims.values()].map((s) => s.close().catch(() => undefined)));
}

export async function runUpstreamsPhase(ctx: BenchContext): Promise<UpstreamsPhaseResult> {
  const quick = ctx.flags.quick;
  const imagines = ctx.flags.jobs ?? (quick ? 8 : 30);
  const upscales = Math.max(1, Math.round(imagines / 5));
  const spreadMs = quick ? 8_000 : 40_000;
  const mix = makeMix(imagines, upscales, ctx.flags.seed, spreadMs);
  const budgetMs = Math.min(quick ? 100_000 : 200_000, Math.max(60_000, ctx.remainingMs() - 30_000));
  ctx.log(
    `upstreams: ${imagines} FAST imagines + ${upscales} upscales over ${spreadMs / 1000} s, ${SCENARIOS.length} scenarios side by side, at most ${Math.round(budgetMs / 1000)} s`
  );
  const server = await startDevServer({
    dir: ctx.tmpDir,
    name: 'upstreams',
    log: ctx.log,
    namespaces: SCENARIOS.map((s) => `bench-up-${s.name}`),
  });
  const scenarios: UpstreamsPhaseResult['scenarios'] = {};
  let serverCpu: number | null;
  const lanes: Lane[] = [];
  try {
    for (const s of SCENARIOS) lanes.push(await startLane(ctx, server, s, ctx.flags.seed));
    const serverWatch = watchProc(server.pid);
    const t0 = Date.now() + 500;
    const deadline = t0 + budgetMs;
    const results = await Promise.all(lanes.map((l) => runLane(l, mix, t0, deadline, ctx.log)));
    const samples = serverWatch.stop();
    serverCpu = round(cpuCores(samples[0], samples[samples.length - 1]));
    for (const r of results) scenarios[r.scenario] = r;
  } finally {
    await Promise.all(lanes.map(closeLane));
    await server.stop();
  }
  return {
    imagines,
    upscales,
    arrivalSpreadMs: spreadMs,
    profiles: PROFILES,
    scenarios,
    serverCpuCores: serverCpu,
    notes: [
      'Simulators at 1× (durations set short instead: the pool asks a full upstream again after 10 s of real time, which would not scale), trueai flavour, FAST only, webhooks on (a token per upstream), captureImages off, no faults.',
      'Time to result = real ms from the client call (imagine, or U1 on its finished grid) to its result; an upscale is routed to its grid’s owner only.',
      'Cost per 100 jobs = ledger net spend ÷ jobs (imagines + upscales) × 100; cross-checked with each simulator’s created tasks × the configured price of their action.',
    ],
  };
}
