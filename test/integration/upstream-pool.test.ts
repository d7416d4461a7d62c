/**
 * The upstream pool on a real dev server (SQLite file, restartable): reservations, reports and operator switches
 * through the real router client (update-with-start), state that survives a worker restart and a server restart,
 * idempotent reserves, a config change from another worker, and the reclaim of a closed workflow's reservation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { MockAgent } from 'undici';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MjUpstreamsClient } from '../../src/client/upstreams';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { PoolRouterClient } from '../../src/upstreams/router-client';
import type { ReserveRequest, RoutingSettings, UpstreamView } from '../../src/shared/upstreams/types';
import { createUpstreamSet } from '../../src/upstreams/upstream-set';
import { upstreamToken } from '../../src/webhook/token';
import { upstreamPoolWorkflow } from '../../src/workflows';
import { createWorker } from '../../src/worker';
import type { UpstreamPoolSnapshot } from '../../src/workflows/upstreams/messages';
import { startRestartableDevServer, type RestartableDevServer } from '../helpers/chaos-temporal';
import { eventually } from '../helpers/eventually';
import { runCliJson, type CliRun } from '../helpers/cli-process';

jest.setTimeout(240_000);

const view = (id: string, extra: Partial<UpstreamView>): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority: 0,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 2 } },
  prices: { currency: 'USD', default: { FAST: 0.1 } },
  ...extra,
});
const VIEWS = [
  view('a', {
    modes: { FAST: { concurrency: 2 }, RELAX: { concurrency: 1 } },
    prices: { currency: 'USD', default: { FAST: 0.1, RELAX: 0.02 } },
  }),
  view('b', { priority: 1, modes: { FAST: { concurrency: 1 } }, prices: { currency: 'USD', default: { FAST: 0.05 } } }),
];
const WEBHOOK_TOKEN = 'tok_9c41e7a2b58f03d6e1a7c4b9';
const ROUTING: RoutingSettings = { rule: 'least-loaded', modePreference: ['FAST', 'RELAX'] };

let dir: string;
let server: RestartableDevServer;
let bundle: WorkflowBundleWithSourceMap;
let client: Client;
let connection: Connection;
const taskQueue = `pool-${randomUUID()}`;
const poolId = `pool-${randomUUID()}`;
let holderId: string;
let config: Config;

interface RunningWorker {
  stop(): Promise<void>;
}
const workers = new Set<RunningWorker>();

/** The real worker process wiring (`createWorker` with `MJ_UPSTREAMS`), so the pool and its activities are its own. */
async function startWorker(): Promise<RunningWorker> {
  const native = await NativeConnection.connect({ address: server.address });
  const { worker, run } = await createWorker(config, {
    connection: native,
    taskQueue,
    workflowBundle: bundle,
    installRuntime: false,
    log: createLogger({ level: 'silent' }),
  });
  const running = run();
  const handle: RunningWorker = {
    async stop() {
      if (!workers.delete(handle)) return;
      worker.shutdown();
      await running;
      await native.close();
    },
  };
  workers.add(handle);
  return handle;
}

function router(views = VIEWS, routing = ROUTING): PoolRouterClient {
  return new PoolRouterClient({
    client,
    taskQueue,
    workflowId: poolId,
    upstreams: { views: () => structuredClone(views), routing: () => structuredClone(routing) },
    pool: { reclaimInterval: '2s' },
  });
}

const req = (requestId: string, extra: Partial<ReserveRequest> = {}): ReserveRequest => ({
  requestId,
  workflowId: holderId,
  action: 'IMAGINE',
  features: [],
  modes: [],
  ...extra,
});

const upstream = (s: UpstreamPoolSnapshot, id: string) => s.upstreams.find((u) => u.id === id)!;

/** The parts of the health that must survive restarts (timestamps compared as they are). */
function durable(s: UpstreamPoolSnapshot) {
  return { upstreams: s.upstreams, reservations: s.reservations, totals: s.totals, configVersion: s.configVersion };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mj-pool-'));
  const upstreams = VIEWS.map((v) => ({ ...v, baseUrl: `http://127.0.0.1:9/${v.id}`, apiKey: `key-${v.id}` }));
  config = loadConfig({
    MJ_UPSTREAMS: JSON.stringify({ upstreams, routing: ROUTING }),
    MJ_ASSET_DIR: join(dir, 'assets'),
  });
  server = await startRestartableDevServer(join(dir, 'temporal.db'));
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows') });
  // A running workflow to hold reservations (any long-running one does): a second, idle pool.
  holderId = `holder-${randomUUID()}`;
  await client.workflow.start(upstreamPoolWorkflow, {
    taskQueue,
    workflowId: holderId,
    args: [{ config: { version: 'x', views: VIEWS, routing: ROUTING } }],
  });
});

afterEach(async () => {
  // A failed test leaves no worker polling a server that is about to stop.
  await Promise.all([...workers].map((w) => w.stop()));
});

afterAll(async () => {
  await client?.workflow
    .getHandle(poolId)
    .terminate('test done')
    .catch(() => undefined);
  await client?.workflow
    .getHandle(holderId)
    .terminate('test done')
    .catch(() => undefined);
  await connection?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('routing, idempotent reserves, reports and operator switches survive a worker and a server restart', async () => {
  let worker = await startWorker();
  const pool = router();

  const first = await pool.reserve(req('j1#1'));
  expect(first).toEqual({ kind: 'routed', upstreamId: 'a', mode: 'FAST', price: 0.1, currency: 'USD' });
  await expect(pool.reserve(req('j1#1', { modes: ['RELAX'] }))).resolves.toEqual(first);
  await pool.report('j1#1', 'a', { kind: 'accepted', taskId: 't1' });
  await pool.report('j1#1', 'a', { kind: 'accepted', taskId: 't1' });

  // A failover cools `a` down: the next request goes to the lower tier `b`, which is then disabled for auth.
  expect(await pool.reserve(req('j2#1'))).toMatchObject({ kind: 'routed', upstreamId: 'a' });
  await pool.report('j2#1', 'a', { kind: 'failover', reason: 'queue-full', retryAfterMs: 120_000, message: '23' });
  expect(await pool.reserve(req('j3#1'))).toMatchObject({ kind: 'routed', upstreamId: 'b', price: 0.05 });
  await pool.report('j3#1', 'b', { kind: 'disable', reason: 'auth', message: 'HTTP 401' });
  const waiting = await pool.reserve(req('j4#1'));
  expect(waiting).toMatchObject({ kind: 'wait', reason: 'cooldown:queue-full', upstreamId: 'a' });

  const before = await pool.health();
  expect(upstream(before, 'a')).toMatchObject({
    inFlight: { FAST: 1 },
    accepted: { FAST: 1 },
    cooldownReason: 'queue-full',
    blocked: 'cooldown:queue-full',
  });
  expect(upstream(before, 'b')).toMatchObject({ inFlight: {}, disabled: { reason: 'auth', message: 'HTTP 401' } });
  expect(before.totals).toEqual({ reserved: 3, accepted: 1, failovers: 1, released: 2, reclaimed: 0 });

  await worker.stop();
  worker = await startWorker();
  expect(durable(await pool.health())).toEqual(durable(before));

  await worker.stop();
  await server.restart();
  worker = await startWorker();
  const after = await eventually(() => pool.health(), 'the pool to answer after the server restart', 60_000);
  expect(durable(after)).toEqual(durable(before));
  await expect(pool.reserve(req('j1#1'))).resolves.toEqual(first);
  expect(await pool.reserve(req('j4#1'))).toEqual(waiting);

  // Operator puts `b` back; a release frees `a`'s slot; both are idempotent.
  const b = await pool.setEnabled({ upstreamId: 'b', enabled: true });
  expect(b.disabled).toBeUndefined();
  expect(await pool.reserve(req('j5#1'))).toMatchObject({ kind: 'routed', upstreamId: 'b' });
  await pool.release('j1#1', 'a');
  await pool.release('j1#1', 'a');
  await pool.release('j5#1', 'b');
  const end = await pool.health();
  expect(upstream(end, 'a').inFlight).toEqual({});
  expect(upstream(end, 'b').inFlight).toEqual({});
  expect(end.totals).toMatchObject({ reserved: 4, released: 4 });
  await worker.stop();
});

test('a worker with another config reconfigures the pool on its first reserve', async () => {
  const worker = await startWorker();
  try {
    const changed = [view('c', { prices: { currency: 'EUR', default: { FAST: 0.3 } } })];
    const other = router(changed, { rule: 'cheapest', modePreference: ['FAST'] });
    expect(await other.reserve(req('k1#1'))).toEqual({
      kind: 'routed',
      upstreamId: 'c',
      mode: 'FAST',
      price: 0.3,
      currency: 'EUR',
    });
    const s = await other.health();
    expect(s.configVersion).toBe(other.config.version);
    expect(s.upstreams.map((u) => u.id)).toEqual(['c']);
    expect(s.routing.rule).toBe('cheapest');
    await other.release('k1#1', 'c');
  } finally {
    await worker.stop();
  }
});

test('a reservation of a closed workflow is reclaimed; a running holder keeps its own', async () => {
  const worker = await startWorker();
  try {
    const pool = router();
    await pool.reserve(req('live#1'));
    const held = (await pool.health()).reservations;
    const goneId = `gone-${randomUUID()}`;
    await client.workflow.start(upstreamPoolWorkflow, {
      taskQueue,
      workflowId: goneId,
      args: [{ config: { version: 'x', views: VIEWS, routing: ROUTING } }],
    });
    await pool.reserve(req('gone#1', { workflowId: goneId }));
    expect((await pool.health()).reservations).toBe(held + 1);
    await client.workflow.getHandle(goneId).terminate('test: crash while holding');

    const s = await eventually(async () => {
      const h = await pool.health();
      return h.totals.reclaimed === 1 ? h : undefined;
    }, 'the closed workflow reservation to be reclaimed');
    expect(s.reservations).toBe(held);
    await pool.release('live#1', 'a');
  } finally {
    await worker.stop();
  }
});

test('the pool continues as new with its reservations, counts and cooldowns', async () => {
  const worker = await startWorker();
  try {
    const pool = new PoolRouterClient({
      client,
      taskQueue,
      workflowId: `${poolId}-can`,
      upstreams: { views: () => structuredClone(VIEWS), routing: () => structuredClone(ROUTING) },
      pool: { continueAsNewAfterEvents: 30, reclaimInterval: '1h' },
    });
    const first = await pool.reserve(req('c1#1'));
    await pool.report('c1#1', 'a', { kind: 'accepted', taskId: 'tc1' });
    await pool.reserve(req('c2#1'));
    await pool.report('c2#1', 'a', { kind: 'failover', reason: 'rate-limited', retryAfterMs: 3_600_000, message: '' });
    for (let i = 3; i <= 14; i++) {
      await pool.reserve(req(`c${i}#1`, { pin: 'b' }));
      await pool.release(`c${i}#1`, 'b');
    }
    const s = await pool.health();
    expect(s.generation).toBeGreaterThanOrEqual(1);
    expect(upstream(s, 'a')).toMatchObject({
      inFlight: { FAST: 1 },
      accepted: { FAST: 1 },
      cooldownReason: 'rate-limited',
    });
    expect(s.totals).toMatchObject({ reserved: 14, accepted: 1, failovers: 1, released: 13 });
    await expect(pool.reserve(req('c1#1'))).resolves.toEqual(first);
    await client.workflow.getHandle(`${poolId}-can`).terminate('test done');
  } finally {
    await worker.stop();
  }
});

test("the pool's history holds views only: no base URL, API key or webhook token", async () => {
  const worker = await startWorker();
  const agent = new MockAgent();
  try {
    const set = createUpstreamSet(config, agent);
    const id = `${poolId}-secrets`;
    const pool = new PoolRouterClient({ client, taskQueue, workflowId: id, upstreams: set });
    await pool.reserve(req('s1#1'));
    await pool.report('s1#1', 'a', { kind: 'disable', reason: 'auth', message: 'HTTP 401' });
    // Every payload decoded to its text, plus the events themselves, so the search sees what the server stores.
    const texts: string[] = [];
    const events = JSON.stringify((await client.workflow.getHandle(id).fetchHistory()).events, (k, v: unknown) => {
      if (k === 'data' && typeof v === 'string') texts.push(Buffer.from(v, 'base64').toString('utf8'));
      return v;
    });
    const history = [events, ...texts].join('\n');
    expect(history).toContain('"concurrency":2');
    expect(history).toContain('HTTP 401');
    for (const secret of ['key-a', 'key-b', '127.0.0.1:9', WEBHOOK_TOKEN, upstreamToken(WEBHOOK_TOKEN, 'a')]) {
      expect(history).not.toContain(secret);
    }
    await client.workflow.getHandle(id).terminate('test done');
  } finally {
    await agent.close();
    await worker.stop();
  }
});

describe('operators: npm run cli -- upstreams [disable|enable] (client.upstreams, the default pool id)', () => {
  const cli = (args: string[]): Promise<CliRun> =>
    runCliJson(args, {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      MJ_TASK_QUEUE: taskQueue,
      MJ_LOG_LEVEL: 'silent',
    });

  test('health, disable with a note, an unknown id named, enable; no pool yet is "not found"', async () => {
    const before = await cli(['upstreams']);
    expect(before).toMatchObject({ code: 3, json: { ok: false } });

    const worker = await startWorker();
    // The default id (UPSTREAM_POOL_ID), as a worker's router uses it: started by the first reserve.
    const pool = new PoolRouterClient({
      client,
      taskQueue,
      upstreams: { views: () => structuredClone(VIEWS), routing: () => structuredClone(ROUTING) },
    });
    expect(await pool.reserve(req('ops#1'))).toMatchObject({ kind: 'routed', upstreamId: 'a' });

    const disabled = await cli(['upstreams', 'disable', 'b', '--message', 'maintenance window']);
    expect(disabled).toMatchObject({
      code: 0,
      json: { ok: true, upstream: { id: 'b', disabled: { reason: 'operator' } } },
    });
    expect(disabled.json.upstream.disabled.message).toBe('maintenance window');

    const health = await cli(['upstreams']);
    expect(health.code).toBe(0);
    const ids = health.json.pool.upstreams.map((u: UpstreamPoolSnapshot['upstreams'][number]) => u.id);
    expect(ids).toEqual(['a', 'b']);
    expect(upstream(health.json.pool, 'a').inFlight).toEqual({ FAST: 1 });
    expect(upstream(health.json.pool, 'b').disabled).toMatchObject({ reason: 'operator' });
    // The pool never holds a URL or key, so the CLI cannot print one.
    expect(JSON.stringify(health.json)).not.toMatch(/127\.0\.0\.1:9|key-a|key-b/);

    const unknown = await cli(['upstreams', 'disable', 'nope']);
    expect(unknown).toMatchObject({ code: 2, json: { ok: false, error: { field: 'upstreamId' } } });

    const enabled = await cli(['upstreams', 'enable', 'b']);
    expect(enabled).toMatchObject({ code: 0, json: { ok: true, upstream: { id: 'b' } } });
    const mj = new MjUpstreamsClient(client);
    expect(upstream((await mj.health())!, 'b').disabled).toBeUndefined();
    await worker.stop();
  });
});
