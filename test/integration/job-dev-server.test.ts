/**
 * The job workflow end to end: a real dev server, real activities and MjClient, the simulator over loopback HTTP
 * (sped up), and a tiny webhook receiver that turns notify POSTs into `taskChanged` signals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { LocalAssetStore } from '../../src/assets';
import { MjClient } from '../../src/mj';
import type { MjFlavour } from '../../src/mj/types';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { MJ_STATUS, MJ_TASK_ID } from '../../src/shared/search-attributes';
import { makeStateKey, parseStateKey } from '../../src/shared/state-key';
import type { JobInput, JobResult, PollPolicy } from '../../src/shared/types';
import { getProgressQuery, mjJobWorkflow, provideModalInputUpdate, taskChangedSignal } from '../../src/workflows';
import {
  bundleJobWorkflows,
  historyLength,
  jobFailureOf as failureOf,
  uniqueId,
  uniqueTaskQueue,
} from '../helpers/job-env';
import { eventually } from '../helpers/eventually';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(60_000);

const HOOK_TOKEN = 'hook-token-5f1c2d9e8b7a';
/** Simulated time runs this much faster than real time. */
const TIME_SCALE = 100;
/** Poll fast in real time: the simulator's minute is 0.6 s here. */
const FAST_POLL: Partial<PollPolicy> = { initialInterval: '200ms', maxInterval: '400ms', jitter: 0.1 };

interface Lane {
  flavour: MjFlavour;
  sim: Simulator;
  taskQueue: string;
  worker: Worker;
  running: Promise<void>;
  mj: MjClient;
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let assetDir: string;
let receiver: Server;
let hookUrl: string;
let hooksReceived = 0;
const lanes: Record<string, Lane> = {};

async function openLane(name: string, sim: SimulatorOptions, clientKey?: string): Promise<void> {
  const s = await startSimulator({ timeScale: TIME_SCALE, seed: 11, ...sim });
  // The client's refresh period follows the simulated gateway's (0 there: refreshed on every read), so the gateway
  // poll floor does not hold these tests at new-api's 15 s.
  const mj = new MjClient({
    baseUrl: s.url,
    flavour: s.flavour,
    apiKey: clientKey,
    refreshIntervalMs: sim.gateway?.refreshMs,
  });
  const taskQueue = uniqueTaskQueue(`${__filename}-${name}`);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ mj, store: new LocalAssetStore({ dir: assetDir }), notifyHookUrl: hookUrl }),
  });
  lanes[name] = { flavour: s.flavour, sim: s, taskQueue, worker, running: worker.run(), mj };
}

/** The production receiver is engineer D's; this one only routes by `state` and signals, as the hint contract says. */
function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(req.url === `/hook/${HOOK_TOKEN}` ? 200 : 403).end();
      if (req.url !== `/hook/${HOOK_TOKEN}`) return;
      hooksReceived++;
      const task = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: string;
        state?: string;
        status?: string;
        progress?: string;
      };
      const owner = parseStateKey(task.state)?.workflowId;
      if (!owner) return;
      env.client.workflow
        .getHandle(owner)
        .signal(taskChangedSignal, { taskId: String(task.id), status: task.status, progress: task.progress })
        .catch(() => undefined); // a hint for a finished job is dropped, like the real receiver's
    });
  });
  return new Promise((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
}

beforeAll(async () => {
  [env, bundle, assetDir] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    mkdtemp(path.join(tmpdir(), 'job-dev-')),
    startReceiver(),
  ]);
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/${HOOK_TOKEN}`;
  await Promise.all([
    openLane('trueai', { flavour: 'trueai' }),
    // Refreshed on every read and one row per task: these tests predate the new-api model.
    openLane('gateway', { flavour: 'gateway', remix: true, gateway: { refreshMs: 0, duplicateRows: false } }),
    openLane('novicezk', { flavour: 'novicezk' }),
    openLane('locked', { flavour: 'trueai', apiKey: 'the-right-key' }, 'a-wrong-key'),
    // A simulated hour in three real seconds.
    openLane('relax', { flavour: 'trueai', timeScale: 1_200 }),
  ]);
}, 120_000);

afterAll(async () => {
  for (const lane of Object.values(lanes)) lane.worker.shutdown();
  await Promise.all(Object.values(lanes).map((l) => l.running));
  await Promise.all(Object.values(lanes).map(async (l) => Promise.all([l.mj.close(), l.sim.close()])));
  await new Promise((resolve) => receiver?.close(resolve));
  await env?.teardown();
  if (assetDir) await rm(assetDir, { recursive: true, force: true });
});

afterEach(() => {
  for (const lane of Object.values(lanes)) lane.sim.faults.clear();
});

async function start(lane: string, input: Partial<JobInput> & Pick<JobInput, 'request'>) {
  const workflowId = uniqueId();
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue: lanes[lane].taskQueue,
    workflowId,
    args: [{ mode: 'FAST', policy: FAST_POLL, ...input }],
  });
  return { handle, workflowId, stateKey: makeStateKey(workflowId, 0) };
}

const imagine = (prompt: string): JobInput['request'] => ({ kind: 'imagine', prompt });

async function historyText(handle: WorkflowHandle): Promise<string> {
  return JSON.stringify(await handle.fetchHistory());
}

describe('trueai over HTTP', () => {
  let grid: JobResult;

  it('runs an imagine to SUCCESS with buttons and captured images, submitting once', async () => {
    const { handle, stateKey } = await start('trueai', { request: imagine('a red fox in snow --v 7') });
    grid = await handle.result();
    expect(grid.task.status).toBe('SUCCESS');
    expect(grid.task.buttons.map((b) => b.intent.kind)).toEqual(
      expect.arrayContaining(['upscale', 'variation', 'reroll'])
    );
    expect(grid.images.length).toBeGreaterThanOrEqual(1);
    expect(lanes.trueai.sim.stats().submitsByState[stateKey]).toBe(1);
    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.get(MJ_TASK_ID)).toBe(grid.taskId);
    expect(sa.get(MJ_STATUS)).toBe('SUCCESS');
    const text = await historyText(handle);
    expect(text).not.toContain(HOOK_TOKEN);
    expect(text).not.toContain('properties');
  });

  it('upscales U2 of that grid through the button the activity found', async () => {
    const { handle, stateKey } = await start('trueai', {
      request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'upscale', index: 2 } },
    });
    const result = await handle.result();
    expect(result.task.action).toBe('UPSCALE');
    expect(result.task.buttons.map((b) => b.intent.kind)).toEqual(expect.arrayContaining(['vary-region', 'zoom-out']));
    expect(lanes.trueai.sim.stats().submitsByState[stateKey]).toBe(1);
    const actionBody = lanes.trueai.sim
      .stats()
      .requests.find((r) => r.path.endsWith('/submit/action') && r.bodySummary?.includes(grid.taskId));
    expect(actionBody?.bodySummary).toContain('upsample::2');
  });

  it('runs a relax job of a simulated hour', async () => {
    const { handle } = await start('relax', {
      request: imagine('a slow lighthouse --sim-duration 3600'),
      mode: 'RELAX',
      policy: { initialInterval: '500ms', maxInterval: '1s', jitter: 0.1 },
    });
    const result = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(result.task.finishTime! - result.task.submitTime!).toBeGreaterThanOrEqual(3_600_000);
    expect(result.timings.finishedAt! - result.timings.startedAt).toBeLessThan(3_600_000 / 1_200 + 10_000);
  });

  it('reconciles a lost submit response by state instead of submitting twice', async () => {
    lanes.trueai.sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', times: 1 });
    const { handle, stateKey } = await start('trueai', { request: imagine('a lost answer') });
    const result = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(lanes.trueai.sim.stats().submitsByState[stateKey]).toBe(1);
    expect(lanes.trueai.sim.stats().faultsInjected['drop-response']).toBeGreaterThanOrEqual(1);
    expect(await historyText(handle)).toContain('findTaskByState');
    expect(result.submits).toBe(1);
  });

  it('wakes on the webhook long before the next poll', async () => {
    const before = hooksReceived;
    const { handle } = await start('trueai', {
      request: imagine('woken by a hook'),
      policy: { initialInterval: '1m', maxInterval: '1m' },
    });
    const result = await handle.result();
    expect(hooksReceived).toBeGreaterThan(before);
    expect(result.timings.finishedAt! - result.timings.submittedAt!).toBeLessThan(30_000);
    expect((await handle.query(getProgressQuery)).wakeups).toBeGreaterThan(0);
  });

  it('finishes by polling when every webhook is lost', async () => {
    lanes.trueai.sim.faults.add({ endpoint: 'webhook', kind: 'webhook-lose', times: Infinity });
    const { handle } = await start('trueai', {
      request: imagine('hooks lost'),
      policy: { initialInterval: '300ms', maxInterval: '1s' },
    });
    const result = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(lanes.trueai.sim.stats().webhooksDropped).toBeGreaterThan(0);
    expect((await handle.query(getProgressQuery)).wakeups).toBe(0);
  });

  it('takes no extra step for duplicated webhooks', async () => {
    lanes.trueai.sim.faults.add({ endpoint: 'webhook', kind: 'webhook-duplicate', times: Infinity });
    const { handle, stateKey } = await start('trueai', {
      request: imagine('hooks twice'),
      policy: { initialInterval: '1m', maxInterval: '1m' },
    });
    const result = await handle.result();
    await lanes.trueai.sim.webhooksIdle();
    const progress = await handle.query(getProgressQuery);
    expect(result.task.status).toBe('SUCCESS');
    expect(lanes.trueai.sim.stats().submitsByState[stateKey]).toBe(1);
    // The duplicates really went out, and woke the job (it polls once a minute), yet nothing ran twice.
    expect(lanes.trueai.sim.stats().faultsInjected['webhook-duplicate']).toBeGreaterThan(0);
    expect(progress.wakeups).toBeGreaterThan(0);
    const captures = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'captureImages'
    );
    expect(captures).toHaveLength(1);
  });

  it('cancels the upstream task when the job is cancelled', async () => {
    const { handle } = await start('trueai', { request: imagine('cancel me --sim-duration 36000'), mode: 'RELAX' });
    const taskId = await eventually(async () => (await handle.query(getProgressQuery)).taskId, 'the task id');
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.query(getProgressQuery)).upstreamCancel).toEqual({ cancelled: true });
    expect(lanes.trueai.sim.task(taskId)).toMatchObject({ status: 'FAILURE', failReason: '取消任务' });
  });
});

describe('terminal failures surface as typed failures', () => {
  it.each([
    ['trueai', 'a fox --sim-fail content-policy', 'ContentPolicy'],
    ['trueai', 'a fox bannedword', 'ContentPolicy'],
    ['trueai', 'a fox --sim-fail invalid-parameter', 'InvalidParameter'],
    ['trueai', 'a fox --sim-fail invalid-link', 'InvalidLink'],
    ['trueai', 'a fox --sim-fail internal', 'UpstreamFailure'],
    ['trueai', 'a fox --sim-timeout', 'UpstreamTimeout'],
    ['novicezk', 'a fox bannedword', 'BannedPrompt'],
    ['trueai', '   ', 'ValidationRejected'],
    ['locked', 'a fox', 'AuthFailed'],
  ])('%s: "%s" → %s', async (lane, prompt, type) => {
    const { handle } = await start(lane, { request: imagine(prompt) });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(JSON.stringify(failure)).not.toContain(HOOK_TOKEN);
  });

  it('ButtonNotFound lists what the grid offers; Unsupported where the flavour has no /action', async () => {
    const grid = await (await start('trueai', { request: imagine('a grid') })).handle.result();
    const missing = await start('trueai', {
      request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'vary-region' } },
    });
    const notFound = await failureOf(missing.handle);
    expect(notFound.type).toBe('ButtonNotFound');
    expect(notFound.message).toMatch(/available: .*U1/);

    const nGrid = await (await start('novicezk', { request: imagine('a novicezk grid') })).handle.result();
    const pan = await start('novicezk', {
      request: { kind: 'action', parentTaskId: nGrid.taskId, intent: { kind: 'pan', direction: 'left' } },
    });
    expect((await failureOf(pan.handle)).type).toBe('Unsupported');
    // U/V/reroll still work there, through /submit/change.
    const up = await start('novicezk', {
      request: { kind: 'action', parentTaskId: nGrid.taskId, intent: { kind: 'upscale', index: 1 } },
    });
    expect((await up.handle.result()).task.status).toBe('SUCCESS');
  });
});

describe('gateway', () => {
  it('parks a Remix variation in MODAL although the gateway answered 1, then completes on the update', async () => {
    const grid = await (await start('gateway', { request: imagine('a gateway grid --v 7') })).handle.result();
    const { handle, stateKey } = await start('gateway', {
      request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'variation', index: 3 } },
      policy: { ...FAST_POLL, modalTimeout: '1h' },
    });
    const waiting = await eventually(async () => {
      const p = await handle.query(getProgressQuery);
      return p.phase === 'waiting-modal' ? p : undefined;
    }, 'the job to wait for its modal input');
    expect(waiting.waitingFor).toMatchObject({ kind: 'modal', needs: ['prompt'] });
    const submitResponses = lanes.gateway.sim.stats().requests.filter((r) => r.path.endsWith('/submit/action'));
    expect(submitResponses.at(-1)?.status).toBe(200);

    const before = await historyLength(handle);
    await expect(handle.executeUpdate(provideModalInputUpdate, { args: [{ prompt: ' ' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError
    );
    expect(await historyLength(handle)).toBe(before);

    const ack = await handle.executeUpdate(provideModalInputUpdate, {
      args: [{ prompt: 'a gateway grid, in autumn --v 7' }],
    });
    expect(ack).toEqual({ taskId: waiting.waitingFor!.taskId, accepted: true });
    const result = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(result.taskId).toBe(waiting.waitingFor!.taskId);
    expect(lanes.gateway.sim.stats().submitsByState[stateKey]).toBe(1);
  });

  it('refuses to resubmit blindly after a lost answer, since a gateway cannot be searched', async () => {
    lanes.gateway.sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', times: 1 });
    const { handle, stateKey } = await start('gateway', { request: imagine('lost at the gateway') });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('SubmitOutcomeUnknown');
    expect(lanes.gateway.sim.stats().submitsByState[stateKey]).toBe(1);
  });
});
