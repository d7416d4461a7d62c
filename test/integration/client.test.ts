/**
 * The MjJobsClient facade against the real job workflow, a real worker, a dev server and the simulator.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PNG } from 'pngjs';
import { LocalAssetStore } from '../../src/assets';
import { JobFailedError, JobNotFoundError, MjJobsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { MjInputError } from '../../src/mj/errors';
import { PipelineSpecError } from '../../src/pipeline/errors';
import { startSimulator, type Simulator } from '../../src/simulator';
import { JOB_FAILURE } from '../../src/shared/failure-types';
import { createWorker, type MjWorker } from '../../src/worker';
import { bundleJobWorkflows } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(180_000);

let env: TestWorkflowEnvironment;
let sim: Simulator;
let mjWorker: MjWorker;
let workerDone: Promise<void>;
let jobs: MjJobsClient;
let store: LocalAssetStore;
let dir: string;

beforeAll(async () => {
  const [e, bundle] = await Promise.all([createDevServerEnv(), bundleJobWorkflows()]);
  env = e;
  sim = await startSimulator({ timeScale: 40, seed: 11 });
  dir = mkdtempSync(path.join(tmpdir(), 'mj-client-it-'));
  const taskQueue = `client-it-${randomUUID()}`;
  const config = loadConfig({ MJ_BASE_URL: sim.url, MJ_ASSET_DIR: path.join(dir, 'assets'), MJ_TASK_QUEUE: taskQueue });
  mjWorker = await createWorker(config, {
    connection: env.nativeConnection,
    namespace: env.namespace,
    installRuntime: false,
    workflowBundle: bundle,
    log: createLogger({ level: 'silent' }),
  });
  workerDone = mjWorker.run();
  store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  jobs = new MjJobsClient({ client: env.client, store, taskQueue });
});

afterAll(async () => {
  mjWorker?.shutdown();
  await workerDone;
  await sim?.close();
  await env?.teardown();
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The UTF-8 text of every payload anywhere in a history. */
function payloadTexts(node: unknown, out: string[] = []): string[] {
  if (node instanceof Uint8Array || node === null || typeof node !== 'object') return out;
  const o = node as Record<string, unknown>;
  if (o.metadata && o.data instanceof Uint8Array) out.push(Buffer.from(o.data).toString('utf8'));
  for (const v of Object.values(o)) payloadTexts(v, out);
  return out;
}

function maskPng(): Uint8Array {
  const png = new PNG({ width: 16, height: 16 });
  png.data.fill(255);
  return new Uint8Array(PNG.sync.write(png));
}

describe('MjJobsClient', () => {
  let gridJobId: string;

  it('imagine → result with the task snapshot and captured images', async () => {
    const h = await jobs.imagine('a red fox in the snow --ar 3:2');
    expect(h.jobId).toMatch(/^mj-job-/);
    expect(h.alreadyStarted).toBe(false);
    const r = await h.result();
    expect(r.task.status).toBe('SUCCESS');
    expect(r.task.action).toBe('IMAGINE');
    expect(r.images.length).toBeGreaterThan(0);
    expect(await store.has(r.images[0]!.asset)).toBe(true);
    expect(await jobs.result(h.jobId)).toEqual(r);
    const p = await jobs.progress(h.jobId);
    expect(p.phase).toBe('succeeded');
    gridJobId = h.jobId;
  });

  it('is idempotent for a caller-supplied jobId (same id, same workflow, even after it finished)', async () => {
    const key = `order-${randomUUID()}`;
    const first = await jobs.imagine('a blue heron', { jobId: key });
    const second = await jobs.imagine('a blue heron', { jobId: key });
    expect(first.jobId).toBe(`mj-job-${key}`);
    expect(second).toMatchObject({ jobId: first.jobId, alreadyStarted: true });
    const r1 = await first.result();
    const third = await jobs.imagine('a blue heron', { jobId: first.jobId });
    expect(third.alreadyStarted).toBe(true);
    expect((await third.result()).taskId).toBe(r1.taskId);
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = "${first.jobId}"` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
  });

  it('rejects bad input with a typed error naming the field, before anything starts', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => jobs.imagine('   ', { jobId: 'bad-1' }), 'prompt'],
      [() => jobs.imagine('ok', { jobId: 'bad 2 with spaces' }), 'jobId'],
      [() => jobs.imagine('ok', { jobId: 'bad-3', mode: 'SLOW' as never }), 'mode'],
      [() => jobs.blend(['https://example.com/a.png'], { jobId: 'bad-4' }), 'images'],
      [() => jobs.blend(['https://example.com/a.png', path.join(dir, 'missing.png')], { jobId: 'bad-5' }), 'images[1]'],
      [() => jobs.action(gridJobId, 'zoom-sideways', { jobId: 'bad-6' }), 'intent'],
      [() => jobs.action(gridJobId, 'pan left', { jobId: 'bad-7' }), 'intent'],
      [() => jobs.describe('data:image/png;base64,AAAA', { jobId: 'bad-8' }), 'image'],
      [() => jobs.video('ok', { jobId: 'bad-9', batchSize: 3 as never }), 'batchSize'],
    ];
    for (const [call, field] of cases) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e
      );
      expect(err).toBeInstanceOf(MjInputError);
      expect((err as MjInputError).field).toBe(field);
    }
    for (const id of ['bad-1', 'bad-3', 'bad-4', 'bad-5', 'bad-6', 'bad-7', 'bad-8', 'bad-9'])
      await expectNoWorkflow(`mj-job-${id}`);
    await expect(
      jobs.pipeline({ name: 'p', steps: [{ id: 'a', action: 'U9' }] }, { jobId: 'bad-p' })
    ).rejects.toBeInstanceOf(PipelineSpecError);
    await expectNoWorkflow('mj-pipeline-bad-p');
  });

  it('provideModalInput stores the mask first; only its reference reaches history', async () => {
    const grid = await jobs.result(gridJobId);
    const up = await (await jobs.action(gridJobId, 'U1')).result();
    expect(up.task.action).toBe('UPSCALE');
    const vary = await jobs.action(up.taskId, 'vary-region');
    await until(
      async () => ((await jobs.progress(vary.jobId)).phase === 'waiting-input' ? true : undefined),
      'waiting-input'
    );
    const maskFile = path.join(dir, 'mask.png');
    const bytes = maskPng();
    writeFileSync(maskFile, bytes);
    await jobs.provideModalInput(vary.jobId, { prompt: 'a tiny hat', mask: maskFile });
    const r = await vary.result();
    expect(r.task.status).toBe('SUCCESS');
    expect(r.taskId).not.toBe(grid.taskId);

    const raw = await env.client.workflow.getHandle(vary.jobId).fetchHistory();
    // Payload data is bytes (base64 once rendered as JSON): decode every payload to see what history really holds.
    const history = `${historyToJSON(raw)}\n${payloadTexts(raw).join('\n')}`;
    expect(payloadTexts(raw).some((t) => t.includes('a tiny hat'))).toBe(true);
    expect(history).not.toMatch(/base64/i);
    expect(history).not.toContain('data:image');
    expect(history).not.toContain(Buffer.from(bytes).toString('base64').slice(0, 40));
    const stored = await store.put(bytes, { contentType: 'image/png', prefix: 'masks' });
    expect(history).toContain(stored.key);
    expect(history).toContain(stored.sha256);
  });

  it('reports a failed job as JobFailedError with the failure type', async () => {
    const h = await jobs.imagine('a storm --sim-fail content-policy');
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).type).toBe(JOB_FAILURE.contentPolicy);
    expect((err as JobFailedError).jobId).toBe(h.jobId);
  });

  it('lists jobs by search attributes, and cancels', async () => {
    const h = await jobs.imagine('a long relax landscape', { mode: 'RELAX' });
    const taskId = await until(async () => (await jobs.progress(h.jobId)).taskId, 'the task id');
    const rows = await until(async () => {
      const r = await jobs.list({ taskId });
      return r.length > 0 ? r : undefined;
    }, 'visibility');
    expect(rows.map((r) => r.jobId)).toEqual([h.jobId]);
    expect(rows[0]).toMatchObject({ mode: 'RELAX', action: 'IMAGINE', executionStatus: 'RUNNING' });
    const relax = await until(async () => {
      const r = await jobs.list({ mode: 'RELAX', executionStatus: 'Running' });
      return r.some((x) => x.jobId === h.jobId) ? r : undefined;
    }, 'mode filter');
    expect(relax.every((r) => r.mode === 'RELAX')).toBe(true);

    await jobs.cancel(h.jobId);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).type).toMatch(/Cancel/);
  });

  it('throws JobNotFoundError for unknown ids', async () => {
    await expect(jobs.result('mj-job-does-not-exist')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(jobs.status('mj-job-does-not-exist')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(jobs.action('mj-job-does-not-exist', 'U1')).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
