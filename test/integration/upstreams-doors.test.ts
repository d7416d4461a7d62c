/**
 * Follow-ups pressed through every door with several upstreams: the gateway's `/mj/submit/action` and
 * `/mj/submit/change`, and the console's backend, on grids owned by each of three upstreams (cheapest first, so
 * anything not pinned would go to "x"). A press goes to the grid's owner with the owner up; with the owner disabled
 * or down it waits there (never moved) and completes there, woken by the pool before its own re-check: when an
 * operator enables the disabled owner, and when the down owner answers the pool's probe again. A real dev server, three simulators on loopback, the real pool, activities, gateway and console
 * backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { TemporalConsoleBackend } from '../../src/console/temporal-backend';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { createLogger } from '../../src/logger';
import type { SimulatorOptions } from '../../src/simulator';
import type { JobProgress, JobResult } from '../../src/shared/types';
import type { UpstreamView } from '../../src/shared/upstreams/types';
import { getProgressQuery } from '../../src/workflows/job/messages';
import { eventually } from '../helpers/eventually';
import { bundleJobWorkflows } from '../helpers/job-env';
import { startUpstreamLane, type UpstreamLane } from '../helpers/upstream-lane';

jest.setTimeout(240_000);

const SIM: SimulatorOptions = {
  durations: { FAST: { queueMs: 300, runMs: 1_500 }, RELAX: { queueMs: 500, runMs: 1_500 } },
  seed: 29,
};
const IDS = ['x', 'y', 'z'] as const;
type Id = (typeof IDS)[number];

const view = (id: Id, price: number): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority: 0,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 6 } },
  prices: { currency: 'USD', default: { FAST: price } },
});

let lane: UpstreamLane;
let gateway: RunningGateway;
let console_: TemporalConsoleBackend;
let key: string;
let dir: string;
const TENANT = 'doors';
/** A SUCCESS grid per owner: our task id, its workflow id and its buttons' custom ids by label. */
const grids = new Map<Id, { taskId: string; workflowId: string; buttons: Map<string, string> }>();

async function api(method: 'GET' | 'POST', urlPath: string, body?: unknown) {
  const res = await fetch(`${gateway.server.url}${urlPath}`, {
    method,
    headers: { 'mj-api-secret': key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const handleOf = (workflowId: string) => lane.env.client.workflow.getHandle(workflowId);
const gatewayJob = (taskId: string) => handleOf(jobWorkflowId(TENANT, taskId));
const progressOf = (workflowId: string): Promise<JobProgress> => handleOf(workflowId).query(getProgressQuery);
const resultOf = async (workflowId: string) => (await handleOf(workflowId).result()) as JobResult;

/** An imagine through the gateway, to SUCCESS; answers the task's owner. */
async function gridVia(): Promise<{ taskId: string; owner: string }> {
  const r = await api('POST', '/mj/submit/imagine', { prompt: `a grid ${randomUUID().slice(0, 6)}` });
  expect(r.json).toMatchObject({ code: 1 });
  const result = (await gatewayJob(r.json.result).result()) as JobResult;
  return { taskId: r.json.result, owner: result.owner!.upstreamId };
}

/** Presses `label` on the grid of `owner` through the gateway (`/mj/submit/action`); answers the job's workflow id. */
async function pressViaGateway(owner: Id, label: string): Promise<string> {
  const grid = grids.get(owner)!;
  const r = await api('POST', '/mj/submit/action', { taskId: grid.taskId, customId: grid.buttons.get(label) });
  expect(r.json).toMatchObject({ code: 1 });
  return jobWorkflowId(TENANT, r.json.result);
}

/** Presses `label` on the grid of `owner` through the console's backend; answers the job's workflow id. */
async function pressViaConsole(owner: Id, label: string): Promise<string> {
  const grid = grids.get(owner)!;
  return console_.action(TENANT, grid.workflowId, grid.buttons.get(label)!);
}

type UpstreamWait = Extract<JobProgress['waitingFor'], { kind: 'upstream' }>;

async function waitingOn(workflowId: string, owner: Id): Promise<UpstreamWait> {
  return eventually(
    async () => {
      const w = (await progressOf(workflowId)).waitingFor;
      expect(w).toMatchObject({ kind: 'upstream', upstreamId: owner });
      return w as UpstreamWait;
    },
    `${workflowId} waiting for its owner ${owner}`,
    90_000
  );
}

beforeAll(async () => {
  lane = await startUpstreamLane(
    'up-doors',
    IDS.map((id, i) => ({ view: view(id, 0.01 * (i + 1)), sim: SIM })),
    { rule: 'cheapest', modePreference: ['FAST'] }
  );
  dir = await mkdtemp(path.join(tmpdir(), 'up-doors-'));
  const config = loadConfig({
    MJ_BASE_URL: lane.sims.get('x')!.url,
    MJ_ASSET_DIR: path.join(dir, 'assets'),
    MJ_TASK_QUEUE: lane.taskQueue,
    MJ_LOG_LEVEL: 'silent',
  });
  gateway = await startGateway({
    config,
    gateway: { secret: randomBytes(32).toString('hex'), port: 0, taskQueue: `gw-${randomUUID()}`, tenantCacheMs: 200 },
    log: createLogger({ level: 'silent' }),
    connection: lane.env.connection,
    nativeConnection: lane.env.nativeConnection,
    namespace: lane.env.namespace,
    workflowBundle: await bundleJobWorkflows(),
  });
  key = (await gateway.tenants.createKey(TENANT)).apiKey;
  const mj = new MjJobsClient({
    client: lane.env.client,
    store: new LocalAssetStore({ dir: path.join(dir, 'assets') }),
    taskQueue: lane.taskQueue,
  });
  console_ = new TemporalConsoleBackend({ mj, authenticate: async () => TENANT });

  // One grid per upstream: the cheaper ones taken out in turn, then all put back.
  for (const [i, id] of IDS.entries()) {
    for (const other of IDS.slice(0, i)) await lane.router.setEnabled({ upstreamId: other, enabled: false });
    const g = await gridVia();
    expect(g.owner).toBe(id);
    const fetched = await api('GET', `/mj/task/${g.taskId}/fetch`);
    const buttons = new Map<string, string>(
      (fetched.json.buttons as { label: string; customId: string }[]).map((b) => [b.label, b.customId])
    );
    grids.set(id, { taskId: g.taskId, workflowId: jobWorkflowId(TENANT, g.taskId), buttons });
  }
  for (const id of IDS) await lane.router.setEnabled({ upstreamId: id, enabled: true });
}, 200_000);

afterAll(async () => {
  await gateway?.stop();
  await lane?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('with the owner up, gateway and console presses on each upstream run on the grid’s owner', async () => {
  const presses: [Id, string][] = [];
  for (const owner of IDS) {
    presses.push([owner, await pressViaGateway(owner, 'U1')]);
    presses.push([owner, await pressViaConsole(owner, 'U2')]);
    // The change endpoint is a follow-up as well.
    const change = await api('POST', '/mj/submit/change', {
      taskId: grids.get(owner)!.taskId,
      action: 'UPSCALE',
      index: 3,
    });
    expect(change.json).toMatchObject({ code: 1 });
    presses.push([owner, jobWorkflowId(TENANT, change.json.result)]);
  }
  const results = await Promise.all(presses.map(([, id]) => resultOf(id)));
  expect(results.map((r) => r.owner?.upstreamId)).toEqual(presses.map(([owner]) => owner));
  // Each carried the pin from its start: no press was ever refused by another upstream.
  expect(results.map((r) => r.failovers ?? 0)).toEqual(presses.map(() => 0));
});

test('with the owner disabled, presses wait for it and are woken by "upstreams enable" before their re-check', async () => {
  await lane.router.setEnabled({ upstreamId: 'y', enabled: false, message: 'maintenance' });
  const viaGateway = await pressViaGateway('y', 'U4');
  const viaConsole = await pressViaConsole('y', 'V1');
  const waits = await Promise.all([viaGateway, viaConsole].map((id) => waitingOn(id, 'y')));
  for (const w of waits) expect(w.reason).toMatch(/^disabled/);

  await lane.router.setEnabled({ upstreamId: 'y', enabled: true });
  const results = await Promise.all([viaGateway, viaConsole].map(resultOf));
  for (const [i, r] of results.entries()) {
    expect(r.owner?.upstreamId).toBe('y');
    // Order, not speed: accepted on "y" before the wait's own timer would have let the job ask again.
    expect(r.timings.submittedAt!).toBeLessThan(waits[i]!.until!);
  }
});

test('with the owner down, presses wait (never moved) and are woken when it answers again, before its cooldown ends', async () => {
  const acceptedElsewhere = () => lane.accepted('x') + lane.accepted('y');
  const before = acceptedElsewhere();
  await lane.kill('z');
  // The outage as the pool learns it from a refused submit, with a long cooldown so the order below has room.
  const outage = { requestId: `outage-${randomUUID()}`, workflowId: 'outage', action: 'IMAGINE' as const };
  expect(await lane.router.reserve({ ...outage, features: [], modes: ['FAST'], pin: 'z' })).toMatchObject({
    kind: 'routed',
    upstreamId: 'z',
  });
  await lane.router.report(outage.requestId, 'z', {
    kind: 'failover',
    reason: 'connection',
    retryAfterMs: 4 * 60_000,
    message: 'connection refused',
  });
  const viaGateway = await pressViaGateway('z', 'V2');
  const viaConsole = await pressViaConsole('z', 'V3');
  const waits = await Promise.all([viaGateway, viaConsole].map((id) => waitingOn(id, 'z')));
  for (const w of waits) expect(w.reason).toBe('cooldown:connection');

  // No operator: the pool's probe finds it answering again and wakes the presses.
  await lane.revive('z');
  const results = await Promise.all([viaGateway, viaConsole].map(resultOf));
  for (const [i, r] of results.entries()) {
    expect(r.owner?.upstreamId).toBe('z');
    expect(r.timings.submittedAt!).toBeLessThan(waits[i]!.until!);
  }
  expect(acceptedElsewhere()).toBe(before);
});
