/**
 * Phase "streams": the gateway's event streams (`GET /mj/task/{id}/events`) under load. One dev server, the
 * simulator sending webhooks to a receiver in this process (progress kept in a directory store beside the workflows,
 * as `mj start` runs it), a job worker process and a gateway process watching that directory.
 *
 * - batch A: `jobs` imagines with no stream open: upstream requests per job (the simulator's request log);
 * - batch B: `jobs` more, each watched by `streams / jobs` SSE clients opened right after its submit; every client
 *   checks its events (seqs only grow, none twice, the stream ends after the final event) and records the delay
 *   from the event's `at` to its arrival: for a progress step `at` is when the webhook receiver got the delivery
 *   (webhook → SSE client), for a published memo it is the history event's time (publish → SSE client).
 *
 * The gateway's resident memory is sampled from /proc during batch B, and upstream requests per job compared.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Agent, request } from 'undici';
import { TenantDirectory } from '../../src/tenancy/tenant-directory';
import { DirProgressStore } from '../../src/webhook/progress-store';
import { startWebhookReceiver, WEBHOOK_PATH_PREFIX } from '../../src/webhook/receiver';
import type { JobEvent } from '../../src/shared/job-events';
import { isTerminalPhase } from '../../src/shared/job-phases';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { benchGatewayEnv, spawnGateway, type GatewayProcess } from '../lib/gateway-process';
import { MiB, watchProc } from '../lib/proc';
import { startBenchSimulator } from '../lib/sim';
import { distribution, mapLimit, round, waitUntil, type Distribution } from '../lib/util';
import { spawnWorker } from '../lib/workers';

const TENANT = 'bench';

export interface StreamsPhaseResult {
  jobs: number;
  streams: number;
  timeScale: number;
  /** Streams the gateway answered 200; refused ones (its caps) and failures. */
  opened: number;
  refused: number;
  /** Streams that ended after their job's final event, each event once and in order. */
  endedClean: number;
  /** Streams with an event out of order or twice, or cut before the final event. */
  wrong: number;
  events: number;
  /** Real ms: webhook receipt → SSE client (progress steps), and memo publish → SSE client. */
  latencyMs: { webhookToClient: Distribution; publishToClient: Distribution };
  gatewayRssMiB: { before: number | null; peak: number | null };
  upstreamRequestsPerJob: { withoutStreams: number | null; withStreams: number | null };
  notes: string[];
}

interface StreamStats {
  status: number;
  events: number;
  clean: boolean;
  webhook: number[];
  publish: number[];
}

/** One SSE client on its own connection: reads frames until the stream ends, checking the order of seqs. */
function watch(url: string, key: string): Promise<StreamStats> {
  return new Promise((resolve) => {
    const s: StreamStats = { status: 0, events: 0, clean: false, webhook: [], publish: [] };
    let last = 0;
    let final = false;
    let ordered = true;
    let buf = '';
    const req = http.get(url, { agent: false, headers: { 'mj-api-secret': key } }, (res) => {
      s.status = res.statusCode ?? 0;
      if (s.status !== 200) {
        res.resume();
        return resolve(s);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!block.includes('event: job')) continue;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          const e = JSON.parse(data!.slice(6)) as JobEvent;
          if (e.seq <= last) ordered = false;
          last = e.seq;
          s.events++;
          (Number.isInteger(e.seq) ? s.publish : s.webhook).push(now - e.at);
          if (isTerminalPhase(e.memo.phase)) final = true;
        }
      });
      res.on('end', () => {
        s.clean = ordered && final;
        resolve(s);
      });
      res.on('error', () => resolve(s));
    });
    req.on('error', () => resolve(s));
  });
}

async function submit(agent: Agent, url: string, key: string, prompt: string): Promise<string> {
  const res = await request(`${url}/mj/submit/imagine`, {
    method: 'POST',
    headers: { 'mj-api-secret': key, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
    dispatcher: agent,
  });
  const body = (await res.body.json()) as { code?: number; result?: string };
  if (body.code !== 1 || !body.result) throw new Error(`submit answered ${res.statusCode} ${JSON.stringify(body)}`);
  return body.result;
}

/** Waits until every task of `ids` shows 100 % (or `timeoutMs` passes). */
async function allDone(agent: Agent, url: string, key: string, ids: string[], timeoutMs: number): Promise<boolean> {
  return waitUntil(
    async () => {
      const res = await request(`${url}/mj/task/list-by-condition`, {
        method: 'POST',
        headers: { 'mj-api-secret': key, 'content-type': 'application/json' },
        body: JSON.stringify({ ids }),
        dispatcher: agent,
      });
      const tasks = (await res.body.json()) as { status: string }[];
      return tasks.length === ids.length && tasks.every((t) => t.status === 'SUCCESS' || t.status === 'FAILURE');
    },
    timeoutMs,
    1_000
  );
}

export async function runStreamsPhase(ctx: BenchContext): Promise<StreamsPhaseResult> {
  const quick = ctx.flags.quick;
  const jobs = ctx.flags.jobs ?? (quick ? 10 : 50);
  const streams = Number(process.env.BENCH_STREAMS) || (quick ? 1_000 : 5_000);
  const perJob = Math.max(1, Math.round(streams / jobs));
  // A FAST imagine lasts 50 s simulated: about 25 s real, long enough to open every stream while the jobs run.
  const timeScale = 2;
  const dir = path.join(ctx.tmpDir, 'streams');
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  const server = await startDevServer({ dir, name: 'streams', log: ctx.log });
  const sim = await startBenchSimulator({ timeScale, seed: ctx.flags.seed, maxRequestLog: 1_000_000 });
  const agent = new Agent({ connections: 32 });
  const progressDir = path.join(dir, 'progress');
  const token = randomBytes(24).toString('base64url');
  const receiver = await startWebhookReceiver({
    client: server.client,
    token,
    port: 0,
    host: '127.0.0.1',
    progressStore: new DirProgressStore(progressDir),
  });
  const jobQueue = `streams-jobs-${randomBytes(4).toString('hex')}`;
  const gwQueue = `streams-gateway-${randomBytes(4).toString('hex')}`;
  const assetDir = path.join(dir, 'assets');
  let worker: Awaited<ReturnType<typeof spawnWorker>> | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    worker = await spawnWorker({
      address: server.address,
      taskQueue: jobQueue,
      simUrl: sim.url,
      notifyHookUrl: `${receiver.url}${WEBHOOK_PATH_PREFIX}${token}`,
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
        MJ_PROGRESS_DIR: progressDir,
        MJ_GATEWAY_MAX_STREAMS_PER_TENANT: String(streams + 100),
        MJ_GATEWAY_MAX_STREAMS: String(streams + 100),
      },
      path.join(dir, 'gateway.log')
    );
    const url = gateway.url;
    const dirClient = new TenantDirectory(server.client, { taskQueue: gwQueue, cacheMs: 1_000 });
    const { apiKey: key } = await dirClient.createKey(TENANT);
    const waitMs = Math.min(300_000, Math.max(60_000, ctx.remainingMs() / 3));

    ctx.log(`streams: batch A, ${jobs} jobs without streams`);
    const before = sim.stats().requests.length;
    const a = await mapLimit(
      Array.from({ length: jobs }, (_, i) => i),
      8,
      (i) => submit(agent, url, key, `streams a ${i} --v 6.1`)
    );
    if (!(await allDone(agent, url, key, a, waitMs))) notes.push('batch A: not every job finished in time');
    const afterA = sim.stats().requests.length;

    ctx.log(`streams: batch B, ${jobs} jobs with ${perJob} streams each (${perJob * jobs} streams)`);
    const rss = watchProc(gateway.pid, 500);
    const rssBefore = rss.samples()[0]?.rssBytes ?? null;
    const watching: Promise<StreamStats>[] = [];
    const b = await mapLimit(
      Array.from({ length: jobs }, (_, i) => i),
      8,
      async (i) => {
        const id = await submit(agent, url, key, `streams b ${i} --v 6.1`);
        for (let k = 0; k < perJob; k++) watching.push(watch(`${url}/mj/task/${id}/events`, key));
        return id;
      }
    );
    if (!(await allDone(agent, url, key, b, waitMs))) notes.push('batch B: not every job finished in time');
    const results = await Promise.all(watching);
    const samples = rss.stop();
    const afterB = sim.stats().requests.length;

    const opened = results.filter((r) => r.status === 200);
    const perJobOf = (n: number) => (jobs ? round(n / jobs, 2) : null);
    notes.push(
      'the SSE clients run in the benchmark process, on the same cores as the gateway: their own queueing is in the latency'
    );
    return {
      jobs,
      streams: results.length,
      timeScale,
      opened: opened.length,
      refused: results.length - opened.length,
      endedClean: opened.filter((r) => r.clean).length,
      wrong: opened.filter((r) => !r.clean).length,
      events: opened.reduce((n, r) => n + r.events, 0),
      latencyMs: {
        webhookToClient: distribution(opened.flatMap((r) => r.webhook)),
        publishToClient: distribution(opened.flatMap((r) => r.publish)),
      },
      gatewayRssMiB: {
        before: rssBefore === null ? null : round(rssBefore / MiB, 0),
        peak: samples.length ? round(Math.max(...samples.map((s) => s.rssBytes)) / MiB, 0) : null,
      },
      upstreamRequestsPerJob: { withoutStreams: perJobOf(afterA - before), withStreams: perJobOf(afterB - afterA) },
      notes,
    };
  } finally {
    await gateway?.stop();
    await worker?.stop();
    await receiver.close();
    await agent.close();
    await sim.close();
    await server.stop();
  }
}
