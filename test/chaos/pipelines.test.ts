/**
 * Chaos: N concurrent pipelines on a real Temporal dev server (SQLite file, fixed port) and the simulator over
 * loopback, while the suite SIGKILLs worker processes at random moments and brings new ones up, kills and restarts
 * the Temporal server on the same database, and the simulator injects 5xx, 429 + Retry-After, queue full (code 23),
 * transient code 3, slow answers, answers dropped after the task was created, and lost, duplicated and reordered
 * webhooks (delivered to the real webhook receiver).
 *
 * Afterwards, for every job: it reached the terminal state its pipeline implies, it created exactly one upstream
 * task (counted by the simulator per `state`), or none when it should never have started; and no upstream task
 * exists that no workflow owns. Size and seed come from the environment (see `test/helpers/chaos-harness.ts`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Client,
  Connection,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { PNG } from 'pngjs';
import { LocalAssetStore } from '../../src/assets';
import { createLogger } from '../../src/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { BranchProgress, PipelineResult } from '../../src/shared/pipeline-types';
import type { AssetRef } from '../../src/shared/types';
import { parseStateKey } from '../../src/shared/state-key';
import { getPipelineProgressQuery, pipelineWorkflow, provideStepInputUpdate } from '../../src/workflows';
import { DirProgressStore } from '../../src/webhook/progress-store';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
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
import { startRestartableDevServer, type RestartableDevServer } from '../helpers/chaos-temporal';
import { bundleJobWorkflows } from '../helpers/job-env';
import { ChaosTimeline, WorkerSlots } from '../helpers/chaos-schedule';
import type { WorkerProcessConfig } from '../helpers/worker-process';

const settings = chaosSettings();
jest.setTimeout(settings.timeoutMs + 180_000);

const TOKEN = `chaos_${randomUUID().replace(/-/g, '')}`;
const TIME_SCALE = 30;

let dir: string;
let server: RestartableDevServer;
let sim: Simulator;
let connection: Connection;
let client: Client;
let receiver: WebhookReceiver;
let workerConfig: WorkerProcessConfig;
const workers = new WorkerSlots(() => workerConfig);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function maskPng(): Uint8Array {
  const png = new PNG({ width: 32, height: 32 });
  for (let p = 0; p < 32 * 32; p++) png.data.fill(p % 32 < 16 ? 255 : 0, p * 4, p * 4 + 3);
  for (let p = 0; p < 32 * 32; p++) png.data[p * 4 + 3] = 255;
  return PNG.sync.write(png);
}

/** A person answers the waiting Vary (Region) branch; tolerates server restarts and an answer whose reply was lost. */
async function answerRegion(handle: WorkflowHandle, i: number, mask: AssetRef, deadline: number): Promise<void> {
  for (;;) {
    let region: BranchProgress | undefined;
    try {
      region = (await handle.query(getPipelineProgressQuery)).steps.find((s) => s.step === 'region')?.branches[0];
    } catch {
      // Server restarting, or no worker to answer the query right now.
    }
    if (region && region.status !== 'blocked' && region.status !== 'waiting-input') return; // answered earlier
    if (region?.status === 'waiting-input') {
      try {
        await handle.executeUpdate(provideStepInputUpdate, { args: [regionInput(i, mask)] });
        return;
      } catch (err) {
        // A rejection is fine only if an earlier attempt went through (checked on the next round).
        if (err instanceof WorkflowUpdateFailedError && !/not waiting/i.test(err.cause?.message ?? '')) throw err;
      }
    }
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: region input never accepted`);
    await sleep(300);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mj-chaos-'));
  let code: string;
  [server, sim, { code }] = await Promise.all([
    startRestartableDevServer(path.join(dir, 'temporal.sqlite')),
    startSimulator({
      flavour: settings.flavour,
      timeScale: TIME_SCALE,
      seed: settings.seed,
      // Room for every job at once: queue-full must come from the injected faults, not from the load.
      concurrency: { FAST: 500 },
      queueSize: 1_000,
    }),
    bundleJobWorkflows(),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  // As deployed (MJ_PROGRESS_DIR): progress-only deliveries are stored, only first and actionable ones signal.
  receiver = await startWebhookReceiver({
    client,
    token: TOKEN,
    port: 0,
    log: createLogger({ level: 'silent' }),
    progressStore: new DirProgressStore(path.join(dir, 'progress')),
  });
  workerConfig = {
    address: server.address,
    namespace: 'default',
    taskQueue: `chaos-${randomUUID().slice(0, 8)}`,
    bundlePath,
    simUrl: sim.url,
    flavour: settings.flavour,
    assetDir: path.join(dir, 'assets'),
    notifyHookUrl: `${receiver.url}/webhook/mj/${TOKEN}`,
  };
  await workers.start(settings.workers);
}, 180_000);

afterAll(async () => {
  await workers.killAll();
  await receiver?.close();
  await connection?.close();
  await sim?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What a pipeline that did not finish was doing: its progress (or why it cannot be read), failed tasks, children. */
async function stuckReport(handle: WorkflowHandle): Promise<string> {
  const why = (e: unknown) => {
    const err = e as { message?: string; cause?: { message?: string; details?: string } };
    return [err.message, err.cause?.message, err.cause?.details].filter(Boolean).join(' / ');
  };
  const lines: string[] = [];
  const progress = await handle.query(getPipelineProgressQuery).then((p) => JSON.stringify(p), why);
  const tasks = async (id: string) => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const events = history.events ?? [];
    if (events.some((e) => e.workflowTaskFailedEventAttributes)) {
      // Kept for replay (`Worker.runReplayHistory`): a failed task here is usually a determinism bug.
      const file = path.join(tmpdir(), `chaos-stuck-${id.replace(/[^\w.-]+/g, '_')}.json`);
      await writeFile(file, historyToJSON(history));
      lines.push(`history of ${id} written to ${file}`);
    }
    const failed = events.flatMap((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? []);
    return `${events.length} events, last ${String(events.at(-1)?.eventType)}, failed tasks ${JSON.stringify(failed.slice(-2))}`;
  };
  lines.push(`progress: ${progress.slice(0, 1_500)}`, `pipeline: ${await tasks(handle.workflowId).catch(why)}`);
  try {
    for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH "${handle.workflowId}/"` })) {
      lines.push(`${wf.workflowId} ${wf.status.name}: ${await tasks(wf.workflowId).catch(why)}`);
    }
  } catch (e) {
    lines.push(`children not listed: ${why(e)}`);
  }
  return lines.join('\n');
}

/** Waits for a pipeline across server restarts: describe until closed, then read the result. */
async function settle(handle: WorkflowHandle, deadline: number): Promise<PipelineResult> {
  for (;;) {
    try {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') return (await handle.result()) as PipelineResult;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw err;
      // The server is down for a moment: try again.
    }
    if (Date.now() > deadline) {
      throw new Error(`pipeline ${handle.workflowId} not done in time: ${await stuckReport(handle)}`);
    }
    await sleep(500);
  }
}

/** Reads a job's Temporal status, retrying while the server restarts; null when no workflow has that id. */
async function jobStatus(jobId: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.workflow.getHandle(jobId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      if (attempt >= 20) throw err;
      await sleep(500);
    }
  }
}

it(`${settings.pipelines} concurrent pipelines through worker kills, server restarts and upstream faults: none lost, none paid twice`, async () => {
  const started = Date.now();
  const rng = new SeededRandom(settings.seed);
  const runId = randomUUID().slice(0, 8);
  const mask = await new LocalAssetStore({ dir: workerConfig.assetDir }).put(maskPng(), {
    contentType: 'image/png',
    prefix: 'masks',
  });
  const policy = { initialInterval: '500ms', maxInterval: '2s', jitter: 0.2 } as const;
  const pipelines: ChaosPipeline[] = Array.from({ length: settings.pipelines }, (_, i) =>
    chaosPipeline(i, runId, policy)
  );
  const jobs: ExpectedJob[] = pipelines.flatMap((p) => p.jobs);
  for (const rule of chaosFaults(rng.fork(1), jobs)) sim.faults.add(rule);

  const handles = await Promise.all(
    pipelines.map((p) =>
      client.workflow.start(pipelineWorkflow, {
        taskQueue: workerConfig.taskQueue,
        workflowId: p.pipelineId,
        args: [p.input],
      })
    )
  );
  const deadline = Date.now() + settings.timeoutMs;
  let settled = 0;
  const results = Promise.all(handles.map((h) => settle(h, deadline).finally(() => settled++)));
  results.catch(() => undefined);

  // The chaos schedule: kills and server restarts at seeded moments of the window, two timelines side by side, and a
  // person answering each Vary (Region) branch at a seeded moment; the last answer waits until the chaos is over, so
  // every kill and restart hits running pipelines.
  const chaos = new ChaosTimeline(rng.fork(2), settings.windowMs);
  let hitRunning = 0;
  const running = () => {
    if (settled < handles.length) hitRunning++;
  };
  const killer = chaos.killWorkers(workers, settings.workerKills, running);
  const restarter = chaos.restartServer(server, settings.serverRestarts, running);
  const answering = pipelines.filter((p) => !p.doomed);
  const answerAt = chaos.moments(answering.length, 3_000);
  const chaosOver = Promise.all([killer, restarter]);
  const answers = answering.map((p, n) =>
    (n === answering.length - 1 ? chaosOver : chaos.until(answerAt[n]!)).then(() =>
      answerRegion(handles[pipelines.indexOf(p)]!, pipelines.indexOf(p), mask, deadline)
    )
  );
  const [kills] = await chaosOver;
  const events = chaos.events;
  events.push(`${chaos.at()} chaos over (the last Vary (Region) answer goes out now)`);
  await Promise.all(answers);
  const outcomes = await results;
  await Promise.all(workers.slots);
  await sim.webhooksIdle();
  const elapsed = (Date.now() - started) / 1_000;

  // ---- invariants ----------------------------------------------------------------------------------------------
  const problems: string[] = [];
  const stats = sim.stats();
  const byState = stats.submitsByState;
  const jobIds = new Set(jobs.map((j) => j.jobId));
  let lost = 0;
  for (const [n, result] of outcomes.entries()) {
    const p = pipelines[n]!;
    const got = new Map(result.outcomes.map((o) => [`${o.step}/${o.branch}`, o]));
    if (got.size !== p.jobs.length) problems.push(`${p.pipelineId}: ${got.size} outcomes, expected ${p.jobs.length}`);
    for (const job of p.jobs) {
      const o = got.get(job.key);
      const submits = byState[job.stateKey] ?? 0;
      const status = await jobStatus(job.jobId);
      const wrong: string[] = [];
      if (o?.status !== job.status) wrong.push(`branch ${o?.status} (want ${job.status})`);
      if (job.failureType && o?.failure?.type !== job.failureType) wrong.push(`failure ${o?.failure?.type}`);
      if (o?.jobId !== job.jobId) wrong.push(`jobId ${o?.jobId}`);
      if (job.submits === 1 && status !== (job.status === 'succeeded' ? 'COMPLETED' : 'FAILED')) {
        wrong.push(`workflow ${status}`);
      }
      if (job.submits === 0 && status !== null) wrong.push(`a workflow exists (${status}) for a skipped branch`);
      if (submits !== job.submits) wrong.push(`${submits} upstream submits (want ${job.submits})`);
      if (job.status === 'succeeded') {
        const task = o?.taskId ? (sim.task(o.taskId) as { status?: string; state?: string } | undefined) : undefined;
        if (task?.status !== 'SUCCESS' || task.state !== job.stateKey) {
          wrong.push(`result task ${o?.taskId} is ${JSON.stringify({ status: task?.status, state: task?.state })}`);
        }
      }
      if (wrong.length > 0) {
        if (job.status === 'succeeded' && o?.status !== 'succeeded') lost++;
        problems.push(`${job.jobId}: ${wrong.join('; ')}`);
      }
    }
  }
  const duplicated = Object.entries(byState).filter(([, n]) => n > 1);
  for (const [state, n] of duplicated) problems.push(`state ${state} was submitted ${n} times`);
  const orphans = (sim.tasks() as { id: string; state?: string | null }[]).filter((t) => {
    const owner = parseStateKey(t.state)?.workflowId;
    return !owner || !jobIds.has(owner);
  });
  for (const t of orphans) problems.push(`upstream task ${t.id} (state ${JSON.stringify(t.state)}) has no workflow`);
  for (const t of sim.tasks() as { id: string; state?: string | null }[]) {
    const owner = parseStateKey(t.state)?.workflowId;
    if (owner && jobIds.has(owner) && (await jobStatus(owner)) === null) {
      problems.push(`upstream task ${t.id} belongs to ${owner}, which does not exist`);
    }
  }

  // ---- summary -------------------------------------------------------------------------------------------------
  const faults = Object.values(stats.faultsInjected).reduce((a, b) => a + b, 0);
  const started_ = jobs.filter((j) => j.submits === 1).length;
  process.stdout.write(
    `\nchaos run (seed ${settings.seed}, flavour ${settings.flavour}, ${settings.workers} workers, ${elapsed.toFixed(1)} s)\n` +
      `${events
        .sort((a, b) => parseFloat(a) - parseFloat(b))
        .map((e) => `  ${e}`)
        .join('\n')}\n  ${workers.all.length} worker processes in all\n` +
      `${table([
        [
          'pipelines',
          'jobs',
          'jobs started',
          'upstream tasks',
          'faults injected',
          'worker kills',
          'server restarts',
          'webhooks sent/dropped',
          'lost',
          'duplicated',
          'orphans',
        ],
        [
          pipelines.length,
          jobs.length,
          started_,
          stats.tasks,
          faults,
          kills,
          server.restarts,
          `${stats.webhooksSent}/${stats.webhooksDropped}`,
          lost,
          duplicated.length,
          orphans.length,
        ],
      ])}\n` +
      `faults by kind: ${JSON.stringify(stats.faultsInjected)}\n`
  );

  expect(problems).toEqual([]);
  expect({ lost, duplicated: duplicated.length, orphans: orphans.length }).toEqual({
    lost: 0,
    duplicated: 0,
    orphans: 0,
  });
  expect(stats.tasks).toBe(started_);
  // The run really was chaotic: every planned kill and restart happened while pipelines were still running.
  expect({ kills, restarts: server.restarts, hitRunning }).toEqual({
    kills: settings.workerKills,
    restarts: settings.serverRestarts,
    hitRunning: settings.workerKills + settings.serverRestarts,
  });
  expect(faults).toBeGreaterThanOrEqual(started_);
});
