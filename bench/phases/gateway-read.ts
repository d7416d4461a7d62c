/**
 * Phase "gateway-read" (issue 11 §4): what `fetch` and `list-by-condition` cost when clients hammer them with the
 * job worker stopped. One dev server (SQLite, WAL), the simulator, a job worker process and a gateway process
 * (`src/gateway/main.ts`, as `npm run gateway` runs it). Jobs are submitted through the gateway and finished; a few
 * more are submitted after the worker is stopped (they stay SUBMITTED). Then, worker stopped:
 *
 * - `describe`: a bare `WorkflowHandle.describe()` from this process, the floor our `fetch` is compared to;
 * - `fetch`: `GET /mj/task/{id}/fetch` of a random job;
 * - `visibility`: a bare `workflow.list` of the same 100-id query `list-by-condition` sends;
 * - `list`: `POST /mj/task/list-by-condition` with 100 random ids;
 *
 * each by `clients` pollers on a timer (fetch every `fetchEveryMs`, list every `listEveryMs`), every answer checked.
 * Plus what the read path adds to each job's history (memo upserts), counted from the histories.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Agent, request } from 'undici';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { TenantDirectory } from '../../src/tenancy/tenant-directory';
import { MJ_TENANT } from '../../src/shared/search-attributes';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { startBenchSimulator } from '../lib/sim';
import { benchGatewayEnv, spawnGateway, type GatewayProcess } from '../lib/gateway-process';
import { mapLimit, round, waitUntil } from '../lib/util';
import { spawnWorker } from '../lib/workers';
import { runLoad, type LoadResult } from './gateway-read-load';

const TENANT = 'bench';
const LIST_IDS = 100;

export interface GatewayReadPhaseResult {
  jobs: { finished: number; submittedWorkerDown: number; total: number };
  clients: number;
  fetchEveryMs: number;
  listEveryMs: number;
  describe: LoadResult;
  fetch: LoadResult;
  visibility: LoadResult;
  list: LoadResult;
  /** p99 ÷ p99 of the bare describe (and, for list, of the bare visibility query). */
  ratios: { fetchVsDescribe: number | null; listVsDescribe: number | null; listVsVisibility: number | null };
  /** Per finished job: events in its history, memo upserts among them, search-attribute upserts, memo bytes. */
  history: {
    jobs: number;
    eventsPerJob: number | null;
    memoUpsertsPerJob: number | null;
    saUpsertsPerJob: number | null;
    memoBytes: number | null;
  };
  notes: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
type Answer = { status: number; body: any };

async function json(agent: Agent, url: string, key: string, body?: unknown): Promise<Answer> {
  const res = await request(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'mj-api-secret': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

async function submitJobs(agent: Agent, url: string, key: string, n: number, tag: string): Promise<string[]> {
  return mapLimit(
    Array.from({ length: n }, (_, i) => i),
    8,
    async (i) => {
      const r = await json(agent, `${url}/mj/submit/imagine`, key, { prompt: `bench ${tag} ${i} --v 6.1` });
      if (r.status !== 200 || r.body?.code !== 1)
        throw new Error(`submit answered ${r.status} ${JSON.stringify(r.body)}`);
      return String(r.body.result);
    }
  );
}

async function historyCost(client: Client, ids: string[]): Promise<GatewayReadPhaseResult['history']> {
  let events = 0;
  let memo = 0;
  let sa = 0;
  let bytes = 0;
  const sample = ids.slice(0, 50);
  for (const taskId of sample) {
    const handle = client.workflow.getHandle(jobWorkflowId(TENANT, taskId));
    const h = await handle.fetchHistory();
    for (const e of h.events ?? []) {
      events++;
      if (e.workflowPropertiesModifiedEventAttributes) memo++;
      if (e.upsertWorkflowSearchAttributesEventAttributes) sa++;
    }
    bytes += JSON.stringify((await handle.describe()).memo ?? {}).length;
  }
  const per = (v: number) => (sample.length ? round(v / sample.length, 1) : null);
  return {
    jobs: sample.length,
    eventsPerJob: per(events),
    memoUpsertsPerJob: per(memo),
    saUpsertsPerJob: per(sa),
    memoBytes: per(bytes),
  };
}

const ratio = (a: LoadResult, b: LoadResult): number | null =>
  a.latencyMs.p99 !== null && b.latencyMs.p99 ? round(a.latencyMs.p99 / b.latencyMs.p99, 2) : null;

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

function sampleIds(ids: readonly string[], n: number): string[] {
  const copy = [...ids];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

function listQuery(ids: readonly string[]): string {
  const wf = ids.map((t) => `"${jobWorkflowId(TENANT, t)}"`).join(', ');
  return `WorkflowId IN (${wf}) AND ${MJ_TENANT.name} = "${TENANT}" AND ExecutionStatus != "ContinuedAsNew"`;
}

interface MeasureOptions {
  client: Client;
  agent: Agent;
  url: string;
  key: string;
  all: string[];
  clients: number;
  fetchEveryMs: number;
  listEveryMs: number;
  durationMs: number;
}

/** The four loads, one after the other, every answer checked. */
async function measure(
  o: MeasureOptions
): Promise<Pick<GatewayReadPhaseResult, 'describe' | 'fetch' | 'visibility' | 'list'>> {
  const expectFetch = (id: string, r: Answer) =>
    r.status === 200 && r.body?.id === id ? null : `fetch ${id}: ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;

  // A short warm-up of both paths, so connection set-up is not measured.
  await runLoad({
    clients: 20,
    everyMs: 200,
    durationMs: 2_000,
    request: async () => {
      const id = pick(o.all);
      await o.client.workflow.getHandle(jobWorkflowId(TENANT, id)).describe();
      return expectFetch(id, await json(o.agent, `${o.url}/mj/task/${id}/fetch`, o.key));
    },
  });
  const describe = await runLoad({
    clients: o.clients,
    everyMs: o.fetchEveryMs,
    durationMs: o.durationMs,
    request: async () => {
      const id = pick(o.all);
      const d = await o.client.workflow.getHandle(jobWorkflowId(TENANT, id)).describe();
      return d.workflowId.endsWith(id) ? null : `describe ${id}`;
    },
  });
  const fetch = await runLoad({
    clients: o.clients,
    everyMs: o.fetchEveryMs,
    durationMs: o.durationMs,
    request: async () => {
      const id = pick(o.all);
      return expectFetch(id, await json(o.agent, `${o.url}/mj/task/${id}/fetch`, o.key));
    },
  });
  const visibility = await runLoad({
    clients: o.clients,
    everyMs: o.listEveryMs,
    durationMs: o.durationMs,
    request: async () => {
      const want = sampleIds(o.all, LIST_IDS);
      let n = 0;
      for await (const _ of o.client.workflow.list({ query: listQuery(want), pageSize: LIST_IDS })) n++;
      return n === want.length ? null : `visibility: ${n} of ${want.length}`;
    },
  });
  const list = await runLoad({
    clients: o.clients,
    everyMs: o.listEveryMs,
    durationMs: o.durationMs,
    request: async () => {
      const want = sampleIds(o.all, LIST_IDS);
      const r = await json(o.agent, `${o.url}/mj/task/list-by-condition`, o.key, { ids: want });
      const got = Array.isArray(r.body) ? (r.body as { id: string }[]) : [];
      return r.status === 200 && got.length === want.length && got.every((t, i) => t.id === want[i])
        ? null
        : `list: ${r.status}, ${got.length} of ${want.length}`;
    },
  });
  return { describe, fetch, visibility, list };
}

export async function runGatewayReadPhase(ctx: BenchContext): Promise<GatewayReadPhaseResult> {
  const quick = ctx.flags.quick;
  const finishedJobs = ctx.flags.jobs ?? (quick ? 120 : 300);
  const downJobs = quick ? 10 : 30;
  const clients = 200;
  const fetchEveryMs = Number(process.env.BENCH_GW_FETCH_EVERY_MS) || 1_000;
  const listEveryMs = Number(process.env.BENCH_GW_LIST_EVERY_MS) || 5_000;
  const durationMs = quick ? 15_000 : 30_000;
  const dir = path.join(ctx.tmpDir, 'gateway-read');
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  const cacheOff = process.env.BENCH_GW_READ_CACHE === 'off';
  if (cacheOff) notes.push('view cache OFF (BENCH_GW_READ_CACHE=off): every fetch and every id of a list describes');

  const server = await startDevServer({ dir, name: 'gateway-read', log: ctx.log });
  const sim = await startBenchSimulator({ timeScale: 120, seed: ctx.flags.seed, maxRequestLog: 10_000 });
  const agent = new Agent({ connections: clients + 16, keepAliveTimeout: 30_000 });
  const jobQueue = `gw-read-jobs-${randomBytes(4).toString('hex')}`;
  const gwQueue = `gw-read-gateway-${randomBytes(4).toString('hex')}`;
  const assetDir = path.join(dir, 'assets');
  let worker: Awaited<ReturnType<typeof spawnWorker>> | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    worker = await spawnWorker({
      address: server.address,
      taskQueue: jobQueue,
      simUrl: sim.url,
      notifyHookUrl: null,
      bundlePath: ctx.bundlePath,
      maxCachedWorkflows: ctx.flags.cache,
      assetDir,
      logFile: path.join(dir, 'worker.log'),
    });
    gateway = await spawnGateway(
      {
        ...(await benchGatewayEnv({
          temporalAddress: server.address,
          simUrl: sim.url,
          jobQueue,
          gatewayQueue: gwQueue,
          assetDir,
        })),
        // BENCH_GW_READ_CACHE=off measures the read path without its view cache (every poll describes).
        ...(cacheOff ? { MJ_GATEWAY_READ_CACHE_MS: '0', MJ_GATEWAY_READ_CACHE_CLOSED_MS: '0' } : {}),
      },
      path.join(dir, 'gateway.log')
    );
    const { apiKey: key } = await new TenantDirectory(server.client, { taskQueue: gwQueue, cacheMs: 1_000 }).createKey(
      TENANT
    );
    ctx.log(`gateway-read: gateway at ${gateway.url}; submitting ${finishedJobs} jobs`);

    const ids = await submitJobs(agent, gateway.url, key, finishedJobs, 'done');
    const done = await waitUntil(
      async () => {
        let open = 0;
        for (let i = 0; i < ids.length; i += LIST_IDS) {
          const r = await json(agent, `${gateway!.url}/mj/task/list-by-condition`, key, {
            ids: ids.slice(i, i + LIST_IDS),
          });
          open += (r.body as { progress: string }[]).filter((t) => t.progress !== '100%').length;
        }
        return open === 0;
      },
      Math.min(180_000, Math.max(30_000, ctx.remainingMs() / 3)),
      1_000
    );
    if (!done) notes.push('not every job finished before the worker was stopped (some are read while open)');
    await worker.stop();
    worker = undefined;
    const downIds = await submitJobs(agent, gateway.url, key, downJobs, 'down');
    const all = [...ids, ...downIds];
    ctx.log(`gateway-read: worker stopped; ${all.length} jobs; ${clients} clients for ${durationMs / 1000} s per load`);

    const history = await historyCost(server.client, ids);
    const { describe, fetch, visibility, list } = await measure({
      client: server.client,
      agent,
      url: gateway.url,
      key,
      all,
      clients,
      fetchEveryMs,
      listEveryMs,
      durationMs,
    });
    notes.push(
      `fetch every ${fetchEveryMs} ms per client (chat UIs poll every 2–5 s), list-by-condition every ${listEveryMs} ms per client (new-api: 15 s per channel)`,
      'gateway in its own process (npm run gateway), clients and the bare Temporal calls in the bench process; one dev server (SQLite, WAL) on the same 2 cores'
    );
    return {
      jobs: { finished: ids.length, submittedWorkerDown: downIds.length, total: all.length },
      clients,
      fetchEveryMs,
      listEveryMs,
      describe,
      fetch,
      visibility,
      list,
      ratios: {
        fetchVsDescribe: ratio(fetch, describe),
        listVsDescribe: ratio(list, describe),
        listVsVisibility: ratio(list, visibility),
      },
      history,
      notes,
    };
  } finally {
    await gateway?.stop();
    await worker?.stop();
    await agent.close();
    await sim.close();
    await server.stop();
  }
}
