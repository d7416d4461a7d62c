/**
 * Phase "console": what the console's Jobs gallery costs the server with 200 jobs on the page. One dev server, the
 * simulator and a job worker process; half the jobs are imagines, half are Upscale 1 presses on them (started as the
 * console starts a press: with `lineage` and the `MjParentJob` search attribute), all the tenant's and finished.
 * Then the console (`createConsoleHandler` over `TemporalConsoleBackend`, in this process, on loopback) is signed in
 * and `GET /console/jobs?limit=200` is requested one after another; each request's server time (request in to
 * response finished, measured around the handler) is recorded. The first request is reported apart (cold caches).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { createConsoleHandler, StaticTenantKeys, TemporalConsoleBackend } from '../../src/console';
import { followUpRequest } from '../../src/job-start/follow-up';
import { startJobWorkflow } from '../../src/job-start/start-job-workflow';
import type { JobResult } from '../../src/shared/types';
import type { BenchContext } from '../lib/context';
import { startDevServer } from '../lib/dev-server';
import { scaledPolicy } from '../lib/scale';
import { startBenchSimulator } from '../lib/sim';
import { distribution, mapLimit, round, type Distribution } from '../lib/util';
import { spawnWorker } from '../lib/workers';
import { TIMER_FLOOR } from './mix';

export interface ConsolePhaseResult {
  /** Jobs on the gallery page: imagines, and Upscale 1 presses on them. */
  jobs: { imagines: number; upscales: number; onPage: number };
  /** Server time of the first gallery request (nothing cached). @unit ms */
  coldMs: number;
  /** Server time of the next `requests` gallery requests. @unit ms */
  warmMs: Distribution;
  requests: number;
  /** Bytes of the gallery page. */
  pageBytes: number;
}

/** The phase's target for the report: the gallery of 200 jobs in under 300 ms of server time. */
export function consoleTargets(
  c: ConsolePhaseResult | undefined
): { target: string; goal: string; measured: string; met: boolean | null }[] {
  if (!c) return [];
  return [
    {
      target: `Console gallery of ${c.jobs.onPage} jobs, server time (p90 of ${c.requests} requests)`,
      goal: `< ${CONSOLE_GALLERY_TARGET_MS} ms`,
      measured: `p50 ${c.warmMs.p50} ms, p90 ${c.warmMs.p90} ms, max ${c.warmMs.max} ms; first (cold) ${c.coldMs} ms; ${Math.round(c.pageBytes / 1024)} KiB`,
      met: c.warmMs.p90 === null ? null : c.warmMs.p90 < CONSOLE_GALLERY_TARGET_MS && c.jobs.onPage === 200,
    },
  ];
}

/** The phase's section of the report. */
export function consoleSection(c: ConsolePhaseResult | undefined): string[] {
  if (!c) return [];
  return [
    '',
    `## Console gallery: ${c.jobs.onPage} jobs on one page (${c.jobs.imagines} imagines, ${c.jobs.upscales} Upscale 1 presses on them)`,
    '',
    '| request | server time p50 / p90 / max |',
    '|---|---|',
    `| first \`GET /console/jobs?limit=200\` (cold) | ${c.coldMs} ms |`,
    `| next ${c.requests} | ${c.warmMs.p50} / ${c.warmMs.p90} / ${c.warmMs.max} ms |`,
  ];
}

/** The gallery's server-time target: p90 of the warm requests. @unit ms */
export const CONSOLE_GALLERY_TARGET_MS = 300;

const TENANT = 'bench';
const KEY = 'bench-console-key-0123456789';
const TIME_SCALE = 400;

/** Starts the job and waits for its result. */
async function runJob(
  client: MjJobsClient['client'],
  taskQueue: string,
  workflowId: string,
  input: Parameters<typeof startJobWorkflow>[0]['input']
): Promise<JobResult> {
  await startJobWorkflow({ client, taskQueue, workflowId, input, modeAttribute: 'FAST', tenant: TENANT });
  return client.workflow.getHandle(workflowId).result() as Promise<JobResult>;
}

/** Signs in through the form as a browser does; the session cookie. */
async function signIn(url: string): Promise<string> {
  const form = await request(`${url}/console/sign-in`);
  const pre = String(form.headers['set-cookie']).split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.body.text())?.[1];
  if (!token) throw new Error('console sign-in form without a token');
  const res = await request(`${url}/console/sign-in`, {
    method: 'POST',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, apiKey: KEY }).toString(),
  });
  await res.body.dump();
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = cookies.find((c) => c.startsWith('mjc_session='));
  if (res.statusCode !== 303 || !session) throw new Error(`console sign-in answered ${res.statusCode}`);
  return session.split(';')[0]!;
}

export async function runConsolePhase(ctx: BenchContext): Promise<ConsolePhaseResult> {
  const pairs = 100;
  const requests = ctx.flags.quick ? 10 : 30;
  ctx.log(`console: ${pairs} imagines + ${pairs} Upscale 1, then ${requests + 1} gallery renders of 200 jobs`);
  const server = await startDevServer({ dir: ctx.tmpDir, name: 'console', log: ctx.log, timerFloor: TIMER_FLOOR });
  const sim = await startBenchSimulator({ timeScale: TIME_SCALE, seed: ctx.flags.seed });
  const taskQueue = `bench-console-${Date.now()}`;
  const assetDir = path.join(ctx.tmpDir, 'assets-console');
  const worker = await spawnWorker({
    address: server.address,
    taskQueue,
    simUrl: sim.url,
    notifyHookUrl: null,
    bundlePath: ctx.bundlePath,
    maxCachedWorkflows: ctx.flags.cache,
    assetDir,
    logFile: path.join(ctx.tmpDir, 'worker-console.log'),
  });
  let http: Server | undefined;
  try {
    const policy = scaledPolicy('FAST', TIME_SCALE);
    const stamp = Date.now();
    const grids = await mapLimit(
      Array.from({ length: pairs }, (_, i) => i),
      50,
      async (i) => {
        const id = `mj-job-bench-console-${stamp}-${i}`;
        const prompt = `a lighthouse number ${i} at dusk, oil painting --v 7`;
        return {
          id,
          result: await runJob(server.client, taskQueue, id, { request: { kind: 'imagine', prompt }, policy }),
        };
      }
    );
    await mapLimit(grids, 50, async (g, i) => {
      const request = followUpRequest({ taskId: g.result.taskId }, { kind: 'upscale', index: 1 });
      const lineage = { parentJobId: g.id, rootJobId: g.id };
      await runJob(server.client, taskQueue, `mj-job-bench-console-${stamp}-u${i}`, { request, policy, lineage });
    });
    ctx.log('console: 200 jobs finished');

    const mj = new MjJobsClient({ client: server.client, store: new LocalAssetStore({ dir: assetDir }), taskQueue });
    const keys = new StaticTenantKeys({ [TENANT]: KEY });
    const backend = new TemporalConsoleBackend({ mj, authenticate: (k) => keys.authenticate(k) });
    const handler = createConsoleHandler({ backend, sessionRate: { perSecond: 1000, burst: 1000 } });
    const times: number[] = [];
    http = createServer((req, res) => {
      const t0 = performance.now();
      const gallery = req.url?.startsWith('/console/jobs?') ?? false;
      res.on('finish', () => {
        if (gallery) times.push(performance.now() - t0);
      });
      void handler(req, res);
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const cookie = await signIn(url);
    let pageBytes = 0;
    let onPage = 0;
    for (let i = 0; i <= requests; i++) {
      const res = await request(`${url}/console/jobs?limit=200`, { headers: { cookie } });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`gallery answered ${res.statusCode}`);
      pageBytes = body.length;
      onPage = body.match(/<article\s+class="card"/g)?.length ?? 0;
    }
    return {
      jobs: { imagines: pairs, upscales: pairs, onPage },
      coldMs: round(times[0] ?? NaN, 1)!,
      warmMs: distribution(times.slice(1).map((v) => round(v, 1)!)),
      requests,
      pageBytes,
    };
  } finally {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await worker.stop();
    await sim.close();
    await server.stop();
  }
}
