/**
 * Chaos on the production path: concurrent pipelines (imagine → U1, U2 → zoom-out on U1, Vary (Region) on U2 that a
 * person answers, every 4th grid refused by the content filter) on the multi-process cluster while the suite kill -9s
 * the history, matching and frontend services (each comes back on its ports), crashes PostgreSQL (immediate
 * shutdown, crash recovery at start), kill -9s worker processes, and the simulator injects its faults.
 *
 * Asserted as in test/chaos: every job reaches the state its pipeline implies, each created exactly one upstream
 * task (none when it should never start), and no upstream task exists without its workflow. Sizes and seed come
 * from the same CHAOS_* variables (test/helpers/chaos-harness.ts); CHAOS_SERVER_RESTARTS is the number of rounds
 * of the four server faults. @default 1
 */
import { randomUUID } from 'node:crypto';
import { JobNotFoundError } from '../../src/client';
import { parseStateKey } from '../../src/shared/state-key';
import type { PipelineResult } from '../../src/shared/pipeline-types';
import { pipelineWorkflow } from '../../src/workflows';
import {
  chaosFaults,
  chaosPipeline,
  chaosSettings,
  regionInput,
  SeededRandom,
  table,
  type ChaosPipeline,
  type ExpectedJob,
} from '../helpers/chaos-harness';
import { maskPng, startStack, type Stack } from './stack';

const settings = chaosSettings({ CHAOS_SERVER_RESTARTS: '1', ...process.env });
jest.setTimeout(settings.timeoutMs + 300_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SERVER_FAULTS = ['history', 'matching', 'frontend', 'postgres'] as const;
type ServerFault = (typeof SERVER_FAULTS)[number];

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'chaos',
    workers: settings.workers,
    sim: {
      flavour: settings.flavour,
      seed: settings.seed,
      concurrency: { FAST: 500 },
      queueSize: 1_000,
    },
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

/** Retries a call while a service or PostgreSQL is down; gives up at the deadline. */
async function patiently<T>(what: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof JobNotFoundError || Date.now() > deadline) {
        throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      }
      await sleep(500);
    }
  }
}

/** The person answers the Vary (Region) step once it waits; an answer whose reply was lost is checked next round. */
async function answerRegion(p: ChaosPipeline, i: number, mask: Uint8Array, deadline: number): Promise<void> {
  const ref = await stack.mj.store.put(mask, { contentType: 'image/png', prefix: 'masks' });
  const { step, branch, modal } = regionInput(i, ref);
  for (;;) {
    const s = await stack.mj.status(p.pipelineId).catch(() => undefined);
    const region = s?.kind === 'pipeline' ? s.progress.steps.find((x) => x.step === step)?.branches[0] : undefined;
    if (region && region.status !== 'blocked' && region.status !== 'waiting-input') return;
    if (region?.status === 'waiting-input') {
      const sent = await stack.mj
        .provideStepInput(p.pipelineId, { step, branch, prompt: modal.prompt, mask })
        .then(() => true)
        .catch(() => false);
      if (sent) return;
    }
    if (Date.now() > deadline) throw new Error(`${p.pipelineId}: region input never accepted`);
    await sleep(300);
  }
}

/** One server fault, and the cluster healthy again. */
async function inject(fault: ServerFault, downMs: number): Promise<void> {
  if (fault === 'postgres') await stack.cluster.restartPostgres({ downMs });
  else await stack.cluster.restartService(fault, { signal: 'SIGKILL', downMs });
  await stack.cluster.waitHealthy();
}

async function workflowStatus(id: string, deadline: number): Promise<string | null> {
  return patiently(`describe ${id}`, deadline, () =>
    stack.mj.client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name as string | null,
        (err: unknown) => {
          if ((err as Error).name === 'WorkflowNotFoundError') return null;
          throw err;
        }
      )
  );
}

/** What went wrong with one job, or nothing. */
async function jobProblems(job: ExpectedJob, result: PipelineResult, deadline: number): Promise<string[]> {
  const o = result.outcomes.find((x) => `${x.step}/${x.branch}` === job.key);
  const submits = stack.sim.stats().submitsByState[job.stateKey] ?? 0;
  const status = await workflowStatus(job.jobId, deadline);
  const wrong: string[] = [];
  if (o?.status !== job.status) wrong.push(`branch ${o?.status} (want ${job.status})`);
  if (job.failureType && o?.failure?.type !== job.failureType) wrong.push(`failure ${o?.failure?.type}`);
  const want = job.submits === 0 ? null : job.status === 'succeeded' ? 'COMPLETED' : 'FAILED';
  if (status !== want) wrong.push(`workflow ${status} (want ${want})`);
  if (submits !== job.submits) wrong.push(`${submits} upstream submits (want ${job.submits})`);
  if (job.status === 'succeeded') {
    const task = o?.taskId ? (stack.sim.task(o.taskId) as { status?: string; state?: string } | undefined) : undefined;
    if (task?.status !== 'SUCCESS' || task.state !== job.stateKey) wrong.push(`result task ${o?.taskId} wrong`);
  }
  return wrong.map((w) => `${job.jobId}: ${w}`);
}

/** The run's timeline and its one-row table, in the format of test/chaos. */
function printSummary(
  events: string[],
  elapsed: number,
  run: {
    pipelines: number;
    jobs: number;
    startedJobs: number;
    injected: number;
    workerKills: number;
    serverFaults: number;
  },
  bad: { lost: number; duplicated: number; orphans: number }
): void {
  const stats = stack.sim.stats();
  const timeline = events
    .sort((a, b) => parseFloat(a) - parseFloat(b))
    .map((e) => `  ${e}`)
    .join('\n');
  const header = ['pipelines', 'jobs', 'jobs started', 'upstream tasks', 'faults injected', 'worker kills'];
  header.push('server faults', 'webhooks sent/dropped', 'lost', 'duplicated', 'orphans');
  const row: (string | number)[] = [
    run.pipelines,
    run.jobs,
    run.startedJobs,
    stats.tasks,
    run.injected,
    run.workerKills,
    run.serverFaults,
  ];
  row.push(`${stats.webhooksSent}/${stats.webhooksDropped}`, bad.lost, bad.duplicated, bad.orphans);
  process.stdout.write(
    `\ncluster chaos run (seed ${settings.seed}, flavour ${settings.flavour}, ${settings.workers} workers, ` +
      `${elapsed.toFixed(1)} s)\n${timeline}\n  ${stack.allWorkers.length} worker processes in all\n` +
      `${table([header, row])}\nfaults by kind: ${JSON.stringify(stats.faultsInjected)}\n`
  );
}

it(`${settings.pipelines} pipelines through kill -9 of history, matching, frontend and workers, a PostgreSQL crash and upstream faults`, async () => {
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1_000).toFixed(1)}s`;
  const rng = new SeededRandom(settings.seed);
  const runId = randomUUID().slice(0, 8);
  const mask = maskPng();
  const policy = { initialInterval: '500ms', maxInterval: '2s', jitter: 0.2 } as const;
  const pipelines = Array.from({ length: settings.pipelines }, (_, i) => chaosPipeline(i, runId, policy));
  const jobs = pipelines.flatMap((p) => p.jobs);
  for (const rule of chaosFaults(rng.fork(1), jobs)) stack.sim.faults.add(rule);
  for (const p of pipelines) {
    await stack.mj.client.workflow.start(pipelineWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: p.pipelineId,
      args: [p.input],
    });
  }
  const deadline = Date.now() + settings.timeoutMs;
  let settled = 0;
  const results = Promise.all(
    pipelines.map((p) =>
      patiently(`result of ${p.pipelineId}`, deadline, () => stack.mj.result<PipelineResult>(p.pipelineId)).finally(
        () => settled++
      )
    )
  );
  results.catch(() => undefined);

  // Two timelines at seeded moments of the window: worker kills, and the server faults one after another.
  const chaos = rng.fork(2);
  const events: string[] = [];
  const moments = (n: number, from: number) =>
    Array.from({ length: n }, () => from + chaos.int(Math.max(1, settings.windowMs - from))).sort((a, b) => a - b);
  const until = (offset: number) => sleep(Math.max(0, started + offset - Date.now()));
  let workerKills = 0;
  let serverFaults = 0;
  let hitRunning = 0;
  const killer = (async () => {
    for (const offset of moments(settings.workerKills, 1_500)) {
      await until(offset);
      const slot = chaos.int(stack.workers.length);
      const victim = stack.workers[slot]!;
      if (settled < pipelines.length) hitRunning++;
      expect(await victim.kill('SIGKILL')).toBe('SIGKILL');
      workerKills++;
      events.push(`${at()} kill -9 worker ${slot} (pid ${victim.child.pid})`);
      await sleep(chaos.int(1_500));
      await stack.respawnWorker(slot);
    }
  })();
  const faults: ServerFault[] = Array.from({ length: settings.serverRestarts }, () => [...SERVER_FAULTS]).flat();
  const server = (async () => {
    for (const [n, offset] of moments(faults.length, 3_000).entries()) {
      await until(offset);
      const fault = faults[n]!;
      const downMs = 300 + chaos.int(1_700);
      if (settled < pipelines.length) hitRunning++;
      const t = at();
      const pid = fault === 'postgres' ? stack.cluster.postgres.pid : stack.cluster.services[fault].pid;
      await inject(fault, downMs);
      serverFaults++;
      const what = fault === 'postgres' ? 'PostgreSQL immediate shutdown' : `kill -9 ${fault}`;
      events.push(`${t} ${what} (pid ${pid}), healthy again ${at()} (down ${downMs} ms + startup)`);
    }
  })();
  const answering = pipelines.map((p, i) => ({ p, i })).filter(({ p }) => !p.doomed);
  const answerAt = moments(answering.length, 3_000);
  const chaosOver = Promise.all([killer, server]);
  const answers = answering.map(({ p, i }, n) =>
    (n === answering.length - 1 ? chaosOver : until(answerAt[n]!)).then(() => answerRegion(p, i, mask, deadline))
  );
  await chaosOver;
  events.push(`${at()} chaos over (the last Vary (Region) answer goes out now)`);
  await Promise.all(answers);
  const outcomes = await results;
  await stack.sim.webhooksIdle();
  const elapsed = (Date.now() - started) / 1_000;

  // ---- invariants ----------------------------------------------------------------------------------------------
  const problems: string[] = [];
  let lost = 0;
  for (const [n, p] of pipelines.entries()) {
    if (outcomes[n]!.outcomes.length !== p.jobs.length) problems.push(`${p.pipelineId}: wrong number of outcomes`);
    for (const job of p.jobs) {
      const wrong = await jobProblems(job, outcomes[n]!, deadline);
      if (wrong.length > 0 && job.status === 'succeeded') lost++;
      problems.push(...wrong);
    }
  }
  const stats = stack.sim.stats();
  const duplicated = Object.entries(stats.submitsByState).filter(([, k]) => k > 1);
  for (const [state, k] of duplicated) problems.push(`state ${state} submitted ${k} times`);
  const ours = new Set(jobs.map((j) => j.jobId));
  const orphans = (stack.sim.tasks() as { id: string; state?: string | null }[]).filter(
    (t) => !ours.has(parseStateKey(t.state)?.workflowId ?? '')
  );
  for (const t of orphans) problems.push(`upstream task ${t.id} (state ${t.state}) has no workflow`);

  // ---- summary -------------------------------------------------------------------------------------------------
  const injected = Object.values(stats.faultsInjected).reduce((a, b) => a + b, 0);
  const startedJobs = jobs.filter((j) => j.submits === 1).length;
  const summary = { pipelines: pipelines.length, jobs: jobs.length, startedJobs, injected, workerKills, serverFaults };
  printSummary(events, elapsed, summary, { lost, duplicated: duplicated.length, orphans: orphans.length });

  expect(problems).toEqual([]);
  expect(stats.tasks).toBe(startedJobs);
  expect({ workerKills, serverFaults, hitRunning }).toEqual({
    workerKills: settings.workerKills,
    serverFaults: faults.length,
    hitRunning: settings.workerKills + faults.length,
  });
  expect(injected).toBeGreaterThanOrEqual(startedJobs);
});
