/**
 * A whole stack for gateway tests: a real dev server, the simulator, a job worker and a gateway (server + its own
 * worker) on loopback, plus a small HTTP client. Not a test file itself (jest matches *.test.ts only).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Agent, request } from 'undici';
import { loadConfig, type Config } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway';
import type { GatewayOptions } from '../../src/config/gateway';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { createLogger } from '../../src/logger';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { createWorker, type MjWorker } from '../../src/worker';
import { getProgressQuery } from '../../src/workflows';
import { bundleJobWorkflows } from './job-env';
import { createDevServerEnv } from './temporal';

export const log = createLogger({ level: 'silent' });

export interface GatewayStack {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  config: Config;
  bundle: WorkflowBundleWithSourceMap;
  gateway: RunningGateway;
  url: string;
  agent: Agent;
  startJobWorker(): Promise<void>;
  stopJobWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatewayStack(
  opts: {
    sim?: SimulatorOptions;
    gateway?: Partial<GatewayOptions>;
    jobWorker?: boolean;
    /** More `MJ_*` settings for the gateway's and the job worker's config. */
    env?: Record<string, string>;
  } = {}
): Promise<GatewayStack> {
  const [env, bundle] = await Promise.all([createDevServerEnv(), bundleJobWorkflows()]);
  const sim = await startSimulator({
    timeScale: 40,
    seed: 11,
    concurrency: { FAST: 12, RELAX: 12, TURBO: 12 },
    queueSize: 50,
    ...opts.sim,
  });
  const assetDir = mkdtempSync(path.join(tmpdir(), 'mj-gw-it-'));
  const config = loadConfig({
    MJ_BASE_URL: sim.url,
    MJ_ASSET_DIR: assetDir,
    MJ_TASK_QUEUE: `gw-jobs-${randomUUID()}`,
    MJ_LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const gateway = await startGateway({
    config,
    gateway: {
      secret: randomBytes(32).toString('hex'),
      port: 0,
      taskQueue: `gw-${randomUUID()}`,
      tenantCacheMs: 200,
      // The suites submit in bursts; the rate limit itself is tested with per-tenant options (gateway-tenants).
      submitsPerMinute: 600,
      ...opts.gateway,
    },
    log,
    connection: env.connection,
    nativeConnection: env.nativeConnection,
    namespace: env.namespace,
    workflowBundle: bundle,
  });
  let jobWorker: MjWorker | undefined;
  let jobWorkerDone: Promise<void> | undefined;
  const stack: GatewayStack = {
    env,
    sim,
    config,
    bundle,
    gateway,
    url: gateway.server.url,
    agent: new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 }),
    async startJobWorker() {
      jobWorker = await createWorker(config, {
        connection: env.nativeConnection,
        namespace: env.namespace,
        installRuntime: false,
        workflowBundle: bundle,
        log,
        notifyHookUrl: null,
        workerOptions: { shutdownGraceTime: '1s' },
      });
      jobWorkerDone = jobWorker.run();
    },
    async stopJobWorker() {
      jobWorker?.shutdown();
      await jobWorkerDone;
      jobWorker = undefined;
    },
    async stop() {
      await stack.stopJobWorker();
      await gateway.stop();
      await stack.agent.close();
      await sim.close();
      await env.teardown();
    },
  };
  if (opts.jobWorker ?? true) await stack.startJobWorker();
  return stack;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(
  stack: GatewayStack,
  method: string,
  urlPath: string,
  opts: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined) headers['mj-api-secret'] = opts.key;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await request(`${stack.url}${urlPath}`, {
    method: method as 'GET',
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    dispatcher: stack.agent,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** Polls fetch until the task is in one of `statuses` (or the deadline passes). */
export async function waitForStatus(
  stack: GatewayStack,
  key: string,
  taskId: string,
  statuses: string[],
  timeoutMs = 60_000
): Promise<Reply['json']> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const r = await call(stack, 'GET', `/mj/task/${taskId}/fetch`, { key });
    last = r.json;
    if (r.status === 200 && statuses.includes(r.json.status)) return r.json;
    await new Promise((res) => setTimeout(res, 250));
  }
  const tenant = await stack.gateway.tenants.authenticate(key);
  const progress = await stack.env.client.workflow
    .getHandle(jobWorkflowId(tenant ?? '', taskId))
    .query(getProgressQuery)
    .catch((err: Error) => err.message);
  throw new Error(
    `task ${taskId} not in ${statuses.join('/')} after ${timeoutMs} ms: ${JSON.stringify(last)}; job: ${JSON.stringify(progress)}`
  );
}
