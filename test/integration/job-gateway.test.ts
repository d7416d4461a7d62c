/**
 * The job workflow behind the simulator's new-api gateway, end to end: a real dev server, real activities
 * and MjClient, the gateway flavour over loopback HTTP with new-api's defaults (a 15 s refresh, stubs, duplicate
 * rows, the image relay, the dropped speed prefix). Simulated time runs {@link SCALE} times faster than real time,
 * so the client's refresh setting and every policy below are in real milliseconds: 15 simulated seconds are 150 ms.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PNG } from 'pngjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createActivities } from '../../src/activities';
import { LocalAssetStore } from '../../src/assets';
import { MjClient } from '../../src/mj';
import {
  DEFAULT_DURATIONS,
  ManualClock,
  startSimulator,
  type SimClock,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator';
import { MAX_UPSTREAM_AUTH_RETRIES } from '../../src/shared/defaults';
import { JOB_FAILURE } from '../../src/shared/failure-types';
import { JOB_MEMO_KEY } from '../../src/shared/job-memo';
import { MJ_STATUS } from '../../src/shared/search-attributes';
import { makeStateKey } from '../../src/shared/state-key';
import type { JobInput, JobResult, PollPolicy } from '../../src/shared/types';
import { getProgressQuery, mjJobWorkflow } from '../../src/workflows';
import { bundleJobWorkflows, jobFailureOf as failureOf, uniqueId, uniqueTaskQueue } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(90_000);

/** Simulated ms per real ms. */
const SCALE = 100;
/** new-api's poller period, simulated ms. */
const GATEWAY_REFRESH = 15_000;
const DAY = 24 * 3_600_000;
/**
 * Real ms: polls every 50–100 ms (5–10 simulated seconds), faster than the gateway refreshes, so only the floor keeps
 * the job from polling faster. Deadlines far away unless a test says otherwise.
 */
const QUICK: Partial<PollPolicy> = {
  initialInterval: '50ms',
  maxInterval: '100ms',
  jitter: 0.1,
  queuedTimeout: '20s',
  stallTimeout: '20s',
  totalTimeout: '60s',
};

interface Lane {
  sim: Simulator;
  mj: MjClient;
  taskQueue: string;
  worker: Worker;
  running: Promise<void>;
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let assetDir: string;
const lanes: Record<string, Lane> = {};
let pump: NodeJS.Timeout | undefined;

/** A ManualClock moved forward in small steps at {@link SCALE}, so a test can also jump it a day at once. */
function pumpedClock(): ManualClock {
  const clock = new ManualClock(Date.now());
  pump = setInterval(() => clock.advance(10 * SCALE), 10);
  return clock;
}

async function openLane(name: string, sim: SimulatorOptions, client: { refreshIntervalMs?: number } = {}) {
  const clock: SimClock | undefined = sim.clock;
  const s = await startSimulator({
    flavour: 'gateway',
    seed: 17,
    maxRequestLog: 20_000,
    ...(clock ? {} : { timeScale: SCALE }),
    ...sim,
  });
  // The client's refresh setting is the gateway's period in the worker's (real) time.
  const mj = new MjClient({
    baseUrl: s.url,
    flavour: 'gateway',
    refreshIntervalMs: client.refreshIntervalMs ?? GATEWAY_REFRESH / SCALE,
  });
  const taskQueue = uniqueTaskQueue(`${__filename}-${name}`);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ mj, store: new LocalAssetStore({ dir: assetDir }) }),
  });
  lanes[name] = { sim: s, mj, taskQueue, worker, running: worker.run() };
}

beforeAll(async () => {
  [env, bundle, assetDir] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    mkdtemp(path.join(tmpdir(), 'job-gw-')),
  ]);
  await Promise.all([
    // new-api out of the box; a job runs two simulated minutes, long enough for several polls.
    openLane('gateway', { durations: { FAST: { queueMs: 5_000, runMs: 120_000 } } }),
    // A worker that was not told the gateway refreshes slowly polls into the stubs; this clock stands still until
    // the test moves it, so the gateway's poller has not run yet and every read is a stub.
    openLane('eager', { clock: new ManualClock(Date.now()) }, { refreshIntervalMs: 0 }),
    // The channel's account runs everything at RELAX speed, whatever prefix the job sent (new-api drops it).
    openLane('relax', { durations: { FAST: DEFAULT_DURATIONS.RELAX } }),
    // A task that never leaves the queue, and no gateway one-hour rule to end it first.
    openLane('stuck', { durations: { FAST: { queueMs: 30 * DAY, runMs: 1_000 } }, gatewayTaskTimeout: 0 }),
    // A clock the test can jump a day ahead, to let the upstream's signed links expire.
    openLane('expiring', { clock: pumpedClock() }),
  ]);
}, 120_000);

afterAll(async () => {
  if (pump) clearInterval(pump);
  for (const lane of Object.values(lanes)) lane.worker.shutdown();
  await Promise.all(Object.values(lanes).map((l) => l.running));
  await Promise.all(Object.values(lanes).map(async (l) => Promise.all([l.mj.close(), l.sim.close()])));
  await env?.teardown();
  if (assetDir) await rm(assetDir, { recursive: true, force: true });
});

async function start(lane: string, input: Partial<JobInput> = {}, workflowId = uniqueId('gw')) {
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue: lanes[lane].taskQueue,
    workflowId,
    args: [{ request: { kind: 'imagine', prompt: 'a lighthouse at dusk' }, mode: 'FAST', policy: QUICK, ...input }],
  });
  return handle;
}

/** The simulator's log of one task's fetches (simulated arrival time and the status answered). */
function fetchesOf(lane: string, taskId: string) {
  return lanes[lane].sim
    .stats()
    .requests.filter((r) => r.path === `/mj/task/${taskId}/fetch`)
    .map((r) => ({ at: r.at, answered: r.answered }));
}

/** The upstream task id, once the job's submit was accepted. */
async function taskIdOf(handle: WorkflowHandle): Promise<string> {
  for (;;) {
    const { taskId } = await handle.query(getProgressQuery);
    if (taskId) return taskId;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const decode = (data: Uint8Array | null | undefined): unknown =>
  data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined;

/** Every status the job ever published: memo upserts and MjStatus search-attribute upserts. */
async function publishedStatuses(handle: WorkflowHandle): Promise<unknown[]> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const out: unknown[] = [];
  for (const e of events) {
    const memo = e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.[JOB_MEMO_KEY];
    if (memo) out.push((decode(memo.data) as { status?: unknown }).status);
    const attr = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[MJ_STATUS.name];
    if (attr) out.push(decode(attr.data));
  }
  return out;
}

describe('behind new-api: polling', () => {
  it('never fetches sooner than the gateway refreshes, and never sees a stub', async () => {
    const handle = await start('gateway');
    const result: JobResult = await handle.result();
    const fetches = fetchesOf('gateway', result.taskId);
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    const gaps = fetches.slice(1).map((f, i) => f.at - fetches[i].at);
    // The policy alone would poll every 5–10 simulated seconds.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(GATEWAY_REFRESH * 0.95);
    // The first fetch waits a refresh after the submit, by when the gateway's poller has filled the row.
    expect(fetches.map((f) => f.answered)).not.toContain('');
    expect(result.fetches).toBe(fetches.length);
  });

  it('a worker that polls into the stubs reads them as not yet known: no "" status is ever published', async () => {
    const { sim } = lanes.eager;
    const handle = await start('eager');
    const taskId = await taskIdOf(handle);
    while (fetchesOf('eager', taskId).length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(new Set(fetchesOf('eager', taskId).map((f) => f.answered))).toEqual(new Set(['']));
    expect((await handle.query(getProgressQuery)).status).toBeUndefined();
    sim.completeNow(taskId);
    (sim.clock as ManualClock).advance(GATEWAY_REFRESH);
    const result: JobResult = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    const statuses = await publishedStatuses(handle);
    expect(statuses).toContain('SUCCESS');
    expect(statuses).not.toContain('');
  });
});

describe('behind new-api: deadlines do not assume the requested mode ran', () => {
  it('a FAST job that runs at RELAX speed succeeds past the FAST total while it advances', async () => {
    // FAST's total here is 5 s real (8 simulated minutes); the RELAX-speed job needs 15 simulated minutes.
    const policy: Partial<PollPolicy> = { ...QUICK, totalTimeout: '5s', stallTimeout: '2s', queuedTimeout: '5s' };
    const handle = await start('relax', { policy });
    const result: JobResult = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(result.task.mode).toBeNull(); // new-api dropped it: only progress told the job it was alive
    const elapsed = (result.timings.finishedAt ?? 0) - result.timings.startedAt;
    expect(elapsed).toBeGreaterThan(5_000);
    expect(result.images.length).toBe(5);
  });

  it('a task stuck in the queue is still failed, at the queued deadline', async () => {
    const handle = await start('stuck', { policy: { ...QUICK, queuedTimeout: '2s' } });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(failure.details?.[0]).toMatchObject({ deadline: 'queued', status: 'SUBMITTED' });
  });
});

describe('behind new-api: a wrong upstream key (code 5)', () => {
  it(`fails UpstreamAuthFailed after ${MAX_UPSTREAM_AUTH_RETRIES + 1} submits, naming the upstream key`, async () => {
    const workflowId = uniqueId('gw-key');
    const state = makeStateKey(workflowId, 0);
    const { sim } = lanes.gateway;
    sim.faults.add({ kind: 'gateway-bad-upstream-key', match: { state }, times: Infinity });
    try {
      const failure = await failureOf(await start('gateway', {}, workflowId));
      expect(failure.type).toBe(JOB_FAILURE.upstreamAuth);
      expect(failure.message).toMatch(/check the upstream key/);
      expect(failure.details?.[0]).toMatchObject({
        field: 'upstreamKey',
        rule: 'accepted-by-upstream',
        phase: 'submitting',
        code: 'MJ_UPSTREAM_AUTH',
        attempts: MAX_UPSTREAM_AUTH_RETRIES + 1,
      });
      const refused = sim.stats().requests.filter((r) => r.fault === 'gateway-bad-upstream-key');
      expect(refused.filter((r) => r.bodySummary?.includes(state))).toHaveLength(MAX_UPSTREAM_AUTH_RETRIES + 1);
      expect(sim.stats().submitsByState[state]).toBeUndefined();
    } finally {
      sim.faults.clear();
    }
  });
});

/** A PNG mask that repaints the top middle. */
function maskPng(size = 64): Uint8Array {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    const [x, y] = [i % size, Math.floor(i / size)];
    png.data.fill(x > size / 4 && x < (3 * size) / 4 && y < size / 3 ? 255 : 0, i * 4, i * 4 + 3);
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

describe('behind new-api: a modal, its duplicate rows, and middleware refusals', () => {
  it('imagine → U1 → Vary (Region) with a mask: the stale older row after the modal does not park the job again', async () => {
    const { sim } = lanes.gateway;
    const grid: JobResult = await (await start('gateway')).result();
    const up: JobResult = await (
      await start('gateway', {
        request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'upscale', index: 1 } },
      })
    ).result();
    const mask = await new LocalAssetStore({ dir: assetDir }).put(maskPng(), {
      contentType: 'image/png',
      prefix: 'masks',
    });
    const handle = await start('gateway', {
      request: { kind: 'action', parentTaskId: up.taskId, intent: { kind: 'vary-region' } },
      modal: { prompt: 'a lighthouse wearing a tiny hat', mask },
    });
    const region: JobResult = await handle.result();
    expect(region.task.status).toBe('SUCCESS');
    expect(region.images).toHaveLength(5);
    // new-api kept two rows for the child: its poller asked for the id twice, and fetch answered the older row
    // (MODAL) after the modal was submitted, which did not park the job again.
    const fetched = fetchesOf('gateway', region.taskId).map((f) => f.answered);
    const modalAt = sim.stats().requests.findIndex((r) => r.path.endsWith('/mj/submit/modal'));
    expect(modalAt).toBeGreaterThanOrEqual(0);
    expect(fetched).toContain('SUCCESS');
    const afterModal = sim
      .stats()
      .requests.slice(modalAt)
      .filter((r) => r.path === `/mj/task/${region.taskId}/fetch`)
      .map((r) => r.answered);
    // The first read after the modal is stale: the older row, a stub or still MODAL, depending on the poller's cycle.
    expect(['', 'MODAL']).toContain(afterModal[0]);
    expect(afterModal.at(-1)).toBe('SUCCESS');
    expect(sim.stats().requests.filter((r) => r.path.endsWith('/mj/submit/modal'))).toHaveLength(1);
    expect((await handle.query(getProgressQuery)).phase).toBe('succeeded');
  });

  it('no channel for the model (503, OpenAI envelope) is back-pressure: the same submit again, then success', async () => {
    const workflowId = uniqueId('gw-channel');
    const state = makeStateKey(workflowId, 0);
    const { sim } = lanes.gateway;
    sim.faults.add({ kind: 'gateway-no-channel', match: { state }, times: 1 });
    try {
      const result: JobResult = await (await start('gateway', {}, workflowId)).result();
      expect(result.submits).toBe(2);
      expect(sim.stats().submitsByState[state]).toBe(1);
    } finally {
      sim.faults.clear();
    }
  });
});

describe('behind new-api: image capture', () => {
  it('captures at the first SUCCESS it sees, before any other read of the task', async () => {
    const handle = await start('gateway');
    const result: JobResult = await handle.result();
    expect(result.images).toHaveLength(5);
    const log = lanes.gateway.sim.stats().requests.filter((r) => r.path.includes(result.taskId));
    const firstSuccess = log.findIndex((r) => r.answered === 'SUCCESS');
    expect(firstSuccess).toBeGreaterThanOrEqual(0);
    expect(log[firstSuccess + 1]).toMatchObject({ method: 'GET', path: `/mj/image/${result.taskId}`, status: 200 });
  });

  it('a relay that died before the job saw SUCCESS fails CaptureFailed / ImageExpired once, without refetch loops', async () => {
    const lane = lanes.expiring;
    const clock = lane.sim.clock as ManualClock;
    const handle = await start('expiring');
    const taskId = await taskIdOf(handle);
    // The upstream finishes and its signed link expires a day later, before the job's next read (a worker that was
    // down for a day). The gateway's row still says SUCCESS with its relay URL.
    lane.sim.completeNow(taskId);
    clock.advance(DAY + 60_000);
    const failure = await failureOf(handle);
    expect(failure.type).toBe(JOB_FAILURE.captureFailed);
    expect(failure.details?.[0]).toEqual({
      taskId,
      phase: 'capturing',
      reason: 'ImageExpired',
      field: 'imageUrl',
      rule: 'relay-alive',
    });
    const relayGets = lane.sim.stats().requests.filter((r) => r.path === `/mj/image/${taskId}`);
    expect(relayGets.map((r) => r.status)).toEqual([404]);
    const successFetches = fetchesOf('expiring', taskId).filter((f) => f.answered === 'SUCCESS');
    expect(successFetches).toHaveLength(1);
  });
});
