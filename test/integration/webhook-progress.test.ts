/**
 * Progress-only webhooks wake nobody: against a real dev server, the simulator, a job worker, the webhook
 * receiver with a progress directory and the gateway reading the same directory, each posted percentage shows in
 * the client's `progress` and `status` (the CLI's bars) and in the gateway's `progress` field within a second,
 * while the job's history gets no signal for any of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { makeStateKey } from '../../src/shared/state-key';
import { DirProgressStore } from '../../src/webhook/progress-store';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
import { createWorker, type MjWorker } from '../../src/worker';
import { call, log, startGatewayStack, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

const TOKEN = `tok_${randomUUID().replace(/-/g, '')}`;
const progressDir = mkdtempSync(path.join(tmpdir(), 'mj-progress-it-'));

let stack: GatewayStack;
let receiver: WebhookReceiver;
let worker: MjWorker;
let workerDone: Promise<void>;
let jobs: MjJobsClient;
let agent: Agent;
let key: string;

beforeAll(async () => {
  // Real time: a relax task stays SUBMITTED upstream for minutes, so every percentage below is the test's own.
  stack = await startGatewayStack({ sim: { timeScale: 1 }, jobWorker: false, env: { MJ_PROGRESS_DIR: progressDir } });
  receiver = await startWebhookReceiver({
    client: stack.env.client,
    token: TOKEN,
    port: 0,
    log,
    progressStore: new DirProgressStore(progressDir),
  });
  worker = await createWorker(stack.config, {
    connection: stack.env.nativeConnection,
    namespace: stack.env.namespace,
    installRuntime: false,
    workflowBundle: stack.bundle,
    log,
    notifyHookUrl: `${receiver.url}/webhook/mj/${TOKEN}`,
    workerOptions: { shutdownGraceTime: '1s' },
  });
  workerDone = worker.run();
  jobs = new MjJobsClient({
    client: stack.env.client,
    store: new LocalAssetStore({ dir: mkdtempSync(path.join(tmpdir(), 'mj-progress-assets-')) }),
    taskQueue: stack.config.worker.taskQueue,
    progressStore: new DirProgressStore(progressDir),
  });
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
});

afterAll(async () => {
  worker?.shutdown();
  await workerDone;
  await receiver?.close();
  await agent?.close();
  await stack?.stop();
});

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await request(`${receiver.url}/webhook/mj/${TOKEN}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: await res.body.json() };
}

/** Polls `fn` every 50 ms until it returns a value; the elapsed ms and the value, or a throw after `timeoutMs`. */
async function within<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await fn()) !== undefined) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signals(workflowId: string): Promise<number> {
  const events = (await stack.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

test('each progress webhook shows within a second in the client, status and gateway, and signals nobody', async () => {
  const submit = await call(stack, 'POST', '/mj/submit/imagine', {
    key,
    body: { botType: 'MID_JOURNEY', prompt: 'a slow relax harbour', accountFilter: { modes: ['RELAX'] } },
  });
  expect(submit.status).toBe(200);
  const gatewayId: string = submit.json.result;
  const tenant = (await stack.gateway.tenants.authenticate(key))!;
  const jobId = jobWorkflowId(tenant, gatewayId);
  const taskId = await (async () => {
    for (let i = 0; i < 200; i++) {
      const p = await jobs.progress(jobId);
      if (p.taskId) return p.taskId;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no upstream task id');
  })();
  // The simulator's own SUBMITTED delivery is the task's first: it signals once, so the job knows webhooks work.
  await within(async () => ((await signals(jobId)) >= 1 ? true : undefined), 10_000, 'the first webhook signal');
  const before = await signals(jobId);
  const fetchesBefore = (await jobs.progress(jobId)).fetches;

  for (const pct of [12, 37, 64]) {
    const delivery = {
      id: taskId,
      action: 'IMAGINE',
      status: 'IN_PROGRESS',
      progress: `${pct}%`,
      prompt: 'a slow relax harbour',
      state: makeStateKey(jobId, 0),
      properties: {},
      buttons: [],
    };
    const arrived = Date.now();
    expect(await post(delivery)).toEqual({ status: 200, body: { result: 'stored' } });
    const shown = await Promise.all([
      within(async () => ((await jobs.progress(jobId)).progressPct === pct ? true : undefined), 1_000, 'progress'),
      within(
        async () => {
          const s = await jobs.status(jobId);
          return s.kind === 'job' && s.progress.progressPct === pct && s.progress.phase === 'running'
            ? true
            : undefined;
        },
        1_000,
        'status'
      ),
      within(
        async () => {
          const r = await call(stack, 'GET', `/mj/task/${gatewayId}/fetch`, { key });
          return r.json?.progress === `${pct}%` && r.json?.status === 'IN_PROGRESS' ? true : undefined;
        },
        1_000,
        'gateway progress'
      ),
    ]);
    expect(Date.now() - arrived).toBeLessThan(1_500);
    expect(Math.max(...shown)).toBeLessThan(1_000);
  }
  // An older percentage arriving late does not move the bar back.
  expect(
    await post({
      id: taskId,
      status: 'IN_PROGRESS',
      progress: '20%',
      state: makeStateKey(jobId, 0),
      action: 'IMAGINE',
      prompt: 'x',
      properties: {},
      buttons: [],
    })
  ).toEqual({ status: 200, body: { result: 'stored' } });
  expect((await jobs.progress(jobId)).progressPct).toBe(64);

  expect(await signals(jobId)).toBe(before);
  expect((await jobs.progress(jobId)).fetches).toBe(fetchesBefore);
  await jobs.cancel(jobId);
});
