/**
 * Secrets stay out of everything Temporal stores and everything we print. A worker runs with a distinctive API key
 * (the simulator requires it, so auth is real) and webhook token through success, failure, a lost submit answer,
 * webhooks, MODAL, cancellation, and a second worker with a WRONG key (auth failure). Then every history, search
 * attribute, describe answer, failure message and log line (ours and the SDK's) is searched for the secrets, raw and
 * in base64 at every alignment.
 *
 * With the AES-GCM codec on (`MJ_ENCRYPTION_KEY`), histories fetched WITHOUT the codec hold no prompt plaintext, a
 * client without the key cannot read the result, and the client with it reads results fine.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PNG } from 'pngjs';
import { request } from 'undici';
import { LocalAssetStore } from '../../src/assets';
import { createTemporalClient, JobFailedError, MjJobsClient } from '../../src/client';
import { ENCRYPTED_ENCODING } from '../../src/codec';
import { loadConfig, redactConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
import { createWorker, installRuntime, type MjWorker } from '../../src/worker';
import { bundleJobWorkflows } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(180_000);

const API_KEY = `mjkey-${randomBytes(18).toString('hex')}`;
const WRONG_KEY = `mjwrong-${randomBytes(18).toString('hex')}`;
const TOKEN = `whtok_${randomBytes(18).toString('hex')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const SECRETS = { API_KEY, WRONG_KEY, TOKEN, ENCRYPTION_KEY };
const FAST = { policy: { initialInterval: '300ms', maxInterval: '1s' } } as const;

/**
 * Every form a secret could take in stored or printed text: itself, URL-encoded, and the core of its base64 and
 * base64url encodings at each of the three byte alignments (a secret inside a longer text encodes differently
 * depending on where it starts).
 */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('hex')]);
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), Buffer.from(secret)]).toString('base64');
    const core = b64.slice(k === 0 ? 0 : 4, -4);
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= 16);
}

/** Which secrets (by name) appear in `text` in any form. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, s]) => secretForms(s).some((f) => text.includes(f)))
    .map(([name]) => name);
}

/** The UTF-8 text of every payload in a proto message tree (histories hold payload data as bytes). */
function payloadTexts(node: unknown, out: string[] = []): string[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return out;
  const o = node as Record<string, unknown>;
  if (o.metadata && o.data instanceof Uint8Array) out.push(Buffer.from(o.data).toString('utf8'));
  for (const v of Object.values(o)) payloadTexts(v, out);
  return out;
}

function maskPng(): Uint8Array {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(255);
  return new Uint8Array(PNG.sync.write(png));
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e));
    if (e instanceof Error) parts.push(e.message, e.stack ?? '', JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

let env: TestWorkflowEnvironment;
let sim: Simulator;
let logs = '';
const sink = new Writable({
  write(chunk, _enc, cb) {
    logs += String(chunk);
    cb();
  },
});
const log = createLogger({ level: 'trace', name: 'secrets-test', destination: sink });
const workers: { w: MjWorker; done: Promise<void> }[] = [];
const receivers: WebhookReceiver[] = [];
let dir: string;
let bundle: Awaited<ReturnType<typeof bundleJobWorkflows>>;
const failures: string[] = [];

function configFor(extra: Record<string, string>): Config {
  return loadConfig({
    MJ_BASE_URL: sim.url,
    MJ_ASSET_DIR: path.join(dir, 'assets'),
    MJ_LOG_LEVEL: 'trace',
    MJ_TASK_QUEUE: `secrets-${randomUUID().slice(0, 8)}`,
    ...extra,
  });
}

async function startWorker(config: Config): Promise<MjWorker> {
  // What `npm run worker` prints at startup, with real secrets in the config.
  log.info({ config: redactConfig(config) }, 'starting worker');
  const w = await createWorker(config, {
    connection: env.nativeConnection,
    namespace: env.namespace,
    installRuntime: false,
    workflowBundle: bundle,
    log,
  });
  workers.push({ w, done: w.run() });
  return w;
}

beforeAll(async () => {
  // Our pino logger becomes the SDK's before any other helper installs a Runtime: SDK, workflow and activity log
  // lines all land in `logs`.
  installRuntime(loadConfig({}), log, createMetrics());
  dir = mkdtempSync(path.join(tmpdir(), 'mj-secrets-'));
  [env, bundle, sim] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    startSimulator({ flavour: 'trueai', apiKey: API_KEY, timeScale: 40, seed: 23 }),
  ]);
}, 120_000);

afterAll(async () => {
  for (const { w } of workers) w.shutdown();
  await Promise.all(workers.map((x) => x.done));
  await Promise.all(receivers.map((r) => r.close()));
  await sim?.close();
  await env?.teardown();
});

describe('secrets never leave the worker', () => {
  let jobs: MjJobsClient;
  const jobIds: string[] = [];

  beforeAll(async () => {
    const receiver = await startWebhookReceiver({ client: env.client, token: TOKEN, port: 0, log });
    receivers.push(receiver);
    const config = configFor({
      MJ_API_KEY: API_KEY,
      MJ_WEBHOOK_TOKEN: TOKEN,
      MJ_PUBLIC_BASE_URL: receiver.url,
    });
    const w = await startWorker(config);
    jobs = new MjJobsClient({
      client: env.client,
      store: new LocalAssetStore({ dir: path.join(dir, 'assets') }),
      taskQueue: w.taskQueue,
    });
  });

  it('runs success, failure, a lost answer, webhooks, MODAL and cancellation with the real key', async () => {
    // Success, woken by webhooks (the notifyHook carries the token).
    const ok = await jobs.imagine('a red fox in the snow', FAST);
    const grid = await ok.result();
    expect(grid.task.status).toBe('SUCCESS');
    expect(sim.stats().webhooksSent).toBeGreaterThan(0);
    jobIds.push(ok.jobId);

    // A submit whose answer is lost (reconciled by state), and fetches that fail with 5xx.
    sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', times: 1 });
    sim.faults.add({ endpoint: 'task/fetch', kind: '5xx', times: 2 });
    const lost = await jobs.imagine('a fox whose answer was lost', FAST);
    expect((await lost.result()).task.status).toBe('SUCCESS');
    jobIds.push(lost.jobId);

    // An upstream failure.
    const bad = await jobs.imagine('a storm --sim-fail content-policy', FAST);
    const err = await bad.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    failures.push(errorText(err));
    jobIds.push(bad.jobId);

    // MODAL: U1, then Vary (Region) with a stored mask.
    const up = await jobs.action(ok.jobId, 'U1', FAST);
    await up.result();
    const vary = await jobs.action(up.jobId, 'vary-region', FAST);
    for (let i = 0; (await jobs.progress(vary.jobId)).phase !== 'waiting-input'; i++) {
      if (i > 150) throw new Error('never reached waiting-input');
      await new Promise((r) => setTimeout(r, 200));
    }
    await jobs.provideModalInput(vary.jobId, { prompt: 'a fox wearing a tiny hat', mask: maskPng() });
    expect((await vary.result()).task.status).toBe('SUCCESS');
    jobIds.push(up.jobId, vary.jobId);

    // Cancellation of a running relax job (the upstream task is cancelled too).
    const relax = await jobs.imagine('a slow relax landscape --sim-duration 36000', { mode: 'RELAX' });
    for (let i = 0; !(await jobs.progress(relax.jobId)).taskId; i++) {
      if (i > 150) throw new Error('never submitted');
      await new Promise((r) => setTimeout(r, 200));
    }
    await jobs.cancel(relax.jobId);
    failures.push(errorText(await relax.result().catch((e: unknown) => e)));
    jobIds.push(relax.jobId);

    // Webhook deliveries: a wrong token, and a right one for a task nobody owns.
    const wrong = await request(`${receivers[0]!.url}/webhook/mj/${TOKEN.slice(0, -2)}xx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrong.statusCode).toBe(404);
    await wrong.body.dump();
    const stray = await request(`${receivers[0]!.url}/webhook/mj/${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: '1', status: 'SUCCESS', action: 'IMAGINE' }),
    });
    expect(stray.statusCode).toBe(200);
    await stray.body.dump();
  });

  it('a worker with a wrong key fails the job with AuthFailed, and no key is in the error', async () => {
    const w = await startWorker(configFor({ MJ_API_KEY: WRONG_KEY }));
    const locked = new MjJobsClient({ client: env.client, store: jobs.store, taskQueue: w.taskQueue });
    const h = await locked.imagine('a fox behind a locked door', FAST);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).type).toBe('AuthFailed');
    failures.push(errorText(err));
    jobIds.push(h.jobId);
    expect(leaks(errorText(err))).toEqual([]);
  });

  it('no secret in any history, search attribute, describe answer, failure message or log line', async () => {
    await sim.webhooksIdle();
    const everything: Record<string, string> = {};
    const seen: string[] = [];
    for await (const wf of env.client.workflow.list()) seen.push(wf.workflowId);
    expect(seen).toEqual(expect.arrayContaining(jobIds));
    for (const id of new Set(seen)) {
      const handle = env.client.workflow.getHandle(id);
      const history = await handle.fetchHistory();
      const desc = await handle.describe();
      everything[`history ${id}`] = `${historyToJSON(history)}\n${payloadTexts(history).join('\n')}`;
      everything[`search attributes ${id}`] = JSON.stringify({
        typed: desc.typedSearchAttributes,
        raw: desc.raw.workflowExecutionInfo?.searchAttributes,
        memo: desc.memo,
      });
      everything[`describe ${id}`] = JSON.stringify(desc.raw);
    }
    everything['failure messages'] = failures.join('\n');
    everything.logs = logs;

    // The haystacks are real: the histories are there, the logs hold SDK, workflow and activity lines.
    expect(Object.keys(everything).filter((k) => k.startsWith('history ')).length).toBeGreaterThanOrEqual(
      jobIds.length
    );
    expect(logs).toContain('temporal-sdk');
    expect(logs).toContain('reconciled submit by state');
    expect(logs).toContain('webhook woke workflow');
    expect(failures.join('\n')).toContain('AuthFailed');

    const found = Object.entries(everything)
      .map(([where, text]) => ({ where, secrets: leaks(text) }))
      .filter((r) => r.secrets.length > 0);
    expect(found).toEqual([]);
  });

  it('the search itself finds a secret where one is: the notifyHook the proxy was given carries the token', () => {
    const sent = sim
      .stats()
      .requests.map((r) => r.bodySummary ?? '')
      .join('\n');
    expect(leaks(sent)).toContain('TOKEN');
    expect(leaks(Buffer.from(`{"hook":"${TOKEN}"}`).toString('base64'))).toEqual(['TOKEN']);
    expect(leaks(Buffer.from(`{"k":"${API_KEY}"}`).toString('base64'))).toEqual(['API_KEY']);
  });
});

describe('AES-GCM payload codec', () => {
  const PROMPT = `a chartreuse okapi reading ${randomUUID()}`;
  let coded: MjJobsClient;
  let codecClient: Client;

  beforeAll(async () => {
    const base = { MJ_API_KEY: API_KEY, MJ_ENCRYPTION_KEY: ENCRYPTION_KEY, MJ_ENCRYPTION_KEY_ID: 'k2025' };
    // The receiver signals through a client with the codec, like `src/webhook/main.ts`.
    codecClient = (
      await createTemporalClient(configFor(base), { connection: env.connection, namespace: env.namespace })
    ).client;
    const receiver = await startWebhookReceiver({ client: codecClient, token: TOKEN, port: 0, log });
    receivers.push(receiver);
    const config = configFor({ ...base, MJ_WEBHOOK_TOKEN: TOKEN, MJ_PUBLIC_BASE_URL: receiver.url });
    const w = await startWorker(config);
    coded = await MjJobsClient.connect({
      config: { ...config, worker: { ...config.worker, taskQueue: w.taskQueue } },
      connection: env.connection,
      namespace: env.namespace,
    });
  });

  it('stores only ciphertext: no prompt in raw history, no reading without the key, results fine with it', async () => {
    const webhooksBefore = sim.stats().webhooksSent;
    const h = await coded.imagine(PROMPT, FAST);
    const result = await h.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(result.task.prompt).toBe(PROMPT);
    expect(sim.stats().webhooksSent).toBeGreaterThan(webhooksBefore);

    // Fetched with the plain client (no codec): what the Temporal server and its database hold.
    const raw = await env.client.workflow.getHandle(h.jobId).fetchHistory();
    const events = raw.events ?? [];
    const text = `${historyToJSON(raw)}\n${payloadTexts(raw).join('\n')}`;
    for (const form of [PROMPT, 'chartreuse okapi', ...secretForms(PROMPT)]) expect(text).not.toContain(form);
    expect(leaks(text)).toEqual([]);

    // Every payload we put there is encrypted: input, activity inputs and results, signals, the result.
    const encoding = (p?: temporal.api.common.v1.IPayload | null) =>
      p?.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString() : undefined;
    const ours = events.flatMap((e) => [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []),
      // A local activity marker's `result` is ours; its `data` is the SDK's own bookkeeping (ids, times).
      ...(e.markerRecordedEventAttributes?.details?.result?.payloads ?? []),
      ...(e.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ]);
    expect(events.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(true);
    expect(events.some((e) => e.markerRecordedEventAttributes?.details?.result)).toBe(true);
    expect(ours.length).toBeGreaterThan(5);
    expect(new Set(ours.map(encoding))).toEqual(new Set([ENCRYPTED_ENCODING]));

    // Without the key the result cannot be read at all.
    await expect(env.client.workflow.getHandle(h.jobId).result()).rejects.toThrow();
  });
});
