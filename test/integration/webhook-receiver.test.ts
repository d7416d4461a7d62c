/**
 * The webhook receiver against a real dev server, a real worker and the simulator: deliveries wake the owning job
 * (by `state` and by the `MjTaskId` search attribute), and everything else is acknowledged without harm.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Agent, request } from 'undici';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { startSimulator, type Simulator } from '../../src/simulator';
import { makeStateKey } from '../../src/shared/state-key';
import type { PollPolicy } from '../../src/shared/types';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
import { createWorker, type MjWorker } from '../../src/worker';
import { eventually } from '../helpers/eventually';
import { bundleJobWorkflows } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(180_000);

const TOKEN = `tok_${randomUUID().replace(/-/g, '')}`;
// Polls so rare that a job can only finish within the test's time through webhook wake-ups.
const WEBHOOK_ONLY: Partial<PollPolicy> = { initialInterval: '10m', maxInterval: '10m', jitter: 0 };

let env: TestWorkflowEnvironment;
let sim: Simulator;
let receiver: WebhookReceiver;
let mjWorker: MjWorker;
let workerDone: Promise<void>;
let jobs: MjJobsClient;
let agent: Agent;
let bundle: WorkflowBundleWithSourceMap;
const receiverMetrics = createMetrics();
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  [env, bundle] = await Promise.all([createDevServerEnv(), bundleJobWorkflows()]);
  sim = await startSimulator({ timeScale: 40, seed: 7 });
  receiver = await startWebhookReceiver({ client: env.client, token: TOKEN, port: 0, log, metrics: receiverMetrics });
  const taskQueue = `webhook-it-${randomUUID()}`;
  const assetDir = mkdtempSync(path.join(tmpdir(), 'mj-webhook-it-'));
  const config = loadConfig({ MJ_BASE_URL: sim.url, MJ_ASSET_DIR: assetDir, MJ_TASK_QUEUE: taskQueue });
  mjWorker = await createWorker(config, {
    connection: env.nativeConnection,
    namespace: env.namespace,
    installRuntime: false,
    workflowBundle: bundle,
    log,
    notifyHookUrl: `${receiver.url}/webhook/mj/${TOKEN}`,
  });
  workerDone = mjWorker.run();
  jobs = new MjJobsClient({ client: env.client, store: new LocalAssetStore({ dir: assetDir }), taskQueue });
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
});

afterAll(async () => {
  mjWorker?.shutdown();
  await workerDone;
  await agent?.close();
  await receiver?.close();
  await sim?.close();
  await env?.teardown();
});

async function post(
  body: unknown,
  opts: { token?: string; raw?: string; contentType?: string; to?: WebhookReceiver } = {}
) {
  const res = await request(`${(opts.to ?? receiver).url}/webhook/mj/${opts.token ?? TOKEN}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': opts.contentType ?? 'application/json' },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
}

async function wakeups(): Promise<Record<string, number>> {
  return Object.fromEntries(
    (await receiverMetrics.webhookWakeups.get()).values.map((v) => [String(v.labels.result), v.value])
  );
}

function taskJson(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    action: 'IMAGINE',
    status: 'IN_PROGRESS',
    progress: '10%',
    prompt: 'x',
    state: null,
    properties: {},
    buttons: [],
    ...over,
  };
}

describe('webhook receiver on a real server', () => {
  it('wakes jobs by state: a job whose polls are 10 minutes apart finishes in seconds', async () => {
    const before = await wakeups();
    const started = Date.now();
    const h = await jobs.imagine('a lighthouse at dawn', { policy: WEBHOOK_ONLY });
    const result = await h.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(Date.now() - started).toBeLessThan(60_000);
    const progress = await jobs.progress(h.jobId);
    expect(progress.wakeups).toBeGreaterThan(0);
    expect((await wakeups()).signaled ?? 0).toBeGreaterThan(before.signaled ?? 0);
  });

  it('counts upstream requests through the dispatcher interceptor', async () => {
    const values = (await mjWorker.metrics.upstreamRequests.get()).values;
    const submits = values.filter((v) => v.labels.endpoint === 'submit/imagine' && v.labels.status === '200');
    expect(submits.reduce((n, v) => n + v.value, 0)).toBeGreaterThan(0);
    expect(values.some((v) => v.labels.endpoint === 'task/:id/fetch')).toBe(true);
  });

  it('routes by the MjTaskId search attribute when state is missing (gateways)', async () => {
    const h = await jobs.imagine('a slow relax painting', { mode: 'RELAX', policy: WEBHOOK_ONLY });
    const taskId = await eventually(async () => (await jobs.progress(h.jobId)).taskId, 'the upstream task id');
    const wakeupsBefore = (await jobs.progress(h.jobId)).wakeups;
    // Visibility is eventually consistent: retry until the search attribute is indexed.
    const res = await eventually(async () => {
      const r = await post(taskJson(taskId, { state: '' }));
      return r.status === 202 ? r : undefined;
    }, 'a search-attribute route');
    expect(res.body).toEqual({ result: 'signaled' });
    await eventually(
      async () => ((await jobs.progress(h.jobId)).wakeups > wakeupsBefore ? true : undefined),
      'the wake-up'
    );
    await jobs.cancel(h.jobId);
  });

  it('acknowledges an unknown task and a closed job with 200 and changes nothing', async () => {
    const unknown = await post(taskJson(`unknown-${randomUUID()}`));
    expect(unknown).toEqual({ status: 200, body: { result: 'not_found' } });

    const h = await jobs.imagine('a closed case');
    const done = await h.result();
    const closed = await post(
      // A late repeat of the final state (progress differs from the simulator's own delivery, so no dedupe hit).
      taskJson(done.taskId, { status: 'SUCCESS', progress: '100% (late)', state: makeStateKey(h.jobId, 0) })
    );
    expect(closed).toEqual({ status: 200, body: { result: 'closed' } });
  });

  it('survives duplicated deliveries: every delivery signals, the job completes exactly once', async () => {
    // No receiver-side dedupe here: each duplicate becomes a signal, and the workflow must absorb them.
    const noDedupe = await startWebhookReceiver({ client: env.client, token: TOKEN, port: 0, dedupeWindowMs: 0, log });
    try {
      const ruleId = sim.faults.add({ kind: 'webhook-duplicate', times: Infinity });
      const h = await jobs.imagine('twice told tale', { policy: WEBHOOK_ONLY });
      const taskId = await eventually(async () => (await jobs.progress(h.jobId)).taskId, 'the task id');
      const body = taskJson(taskId, { state: makeStateKey(h.jobId, 0), progress: '50%' });
      const [a, b] = await Promise.all([post(body, { to: noDedupe }), post(body, { to: noDedupe })]);
      expect([a.status, b.status]).toEqual([202, 202]);
      const result = await h.result();
      sim.faults.remove(ruleId);
      expect(result.task.status).toBe('SUCCESS');
      const events = (await env.client.workflow.getHandle(h.jobId).fetchHistory()).events ?? [];
      const completions = events.filter((e) => e.workflowExecutionCompletedEventAttributes);
      expect(completions).toHaveLength(1);
      expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBeGreaterThanOrEqual(2);
    } finally {
      sim.faults.clear();
      await noDedupe.close();
    }
  });

  it('checks the token and the body before touching Temporal', async () => {
    const before = await wakeups();
    expect((await post(taskJson('1'), { token: `${TOKEN.slice(0, -1)}x` })).status).toBe(404);
    expect((await post(taskJson('1'), { token: 'short' })).status).toBe(404);
    expect((await post(null, { raw: '{not json' })).status).toBe(400);
    expect((await post({ status: 'SUCCESS' })).status).toBe(400);
    expect((await post(null, { raw: 'id=1', contentType: 'text/plain' })).status).toBe(415);
    expect((await post(null, { raw: JSON.stringify(taskJson('1', { prompt: 'x'.repeat(300_000) })) })).status).toBe(
      413
    );
    const after = await wakeups();
    expect((after.unauthorized ?? 0) - (before.unauthorized ?? 0)).toBe(2);
    expect(after.signaled ?? 0).toBe(before.signaled ?? 0);
  });
});
