/**
 * The MjJobsClient facade against the real job workflow, a real worker, a dev server and the simulator.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PNG } from 'pngjs';
import { LocalAssetStore } from '../../src/assets';
import { JobFailedError, JobNotFoundError, MjJobsClient, ScheduleNotFoundError } from '../../src/client';
import { MjInputError } from '../../src/mj/errors';
import { PipelineSpecError } from '../../src/pipeline/errors';
import { JOB_FAILURE } from '../../src/shared/failure-types';
import type { JobInput } from '../../src/shared/types';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import { startClientStack, type ClientStack } from '../helpers/client-stack';

jest.setTimeout(180_000);

let stack: ClientStack;
let env: TestWorkflowEnvironment;
let jobs: MjJobsClient;
let store: LocalAssetStore;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mj-client-it-'));
  stack = await startClientStack({ name: 'client-it', assetDir: path.join(dir, 'assets'), sim: { seed: 11 } });
  env = stack.env;
  store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  jobs = new MjJobsClient({ client: env.client, store, taskQueue: stack.taskQueue });
});

afterAll(async () => {
  await stack?.stop();
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

  it('describe → the four numbered prompts in result.task.finalPrompt', async () => {
    const r = await (await jobs.describe(maskPng())).result();
    expect(r.task).toMatchObject({ status: 'SUCCESS', action: 'DESCRIBE' });
    expect(r.task.finalPrompt).toMatch(/^1️⃣ .+\n\n2️⃣ .+\n\n3️⃣ .+\n\n4️⃣ .+$/s);
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
    const upJob = await jobs.action(gridJobId, 'U1');
    const up = await upJob.result();
    expect(up.task.action).toBe('UPSCALE');
    const vary = await jobs.action(upJob.jobId, 'vary-region');
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

  it('action on an id that names no job (a typo, a bare task id) is refused at once and starts nothing', async () => {
    const grid = await jobs.result(gridJobId);
    for (const [n, id] of ['nonexistent-job', '1234', 'mj-job-nope', grid.taskId].entries()) {
      const started = Date.now();
      const err = await jobs.action(id, 'U1', { jobId: `typo-${n}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobNotFoundError);
      expect((err as JobNotFoundError).jobId).toBe(id);
      expect((err as Error).message).toContain(id);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expectNoWorkflow(`mj-job-typo-${n}`);
    }
  });

  it("parentOrigin 'external': a task the upstream does not know fails within seconds, naming the id", async () => {
    const started = Date.now();
    const h = await jobs.action('1799999999999999', 'U1', { parentOrigin: 'external' });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({
      type: JOB_FAILURE.parentNotFound,
      details: { field: 'parentTaskId', rule: 'exists', taskId: '1799999999999999' },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    const grid = await jobs.result(gridJobId);
    const up = await jobs.action(grid.taskId, 'U2', { parentOrigin: 'external' });
    expect((await up.result()).task.action).toBe('UPSCALE');
  });

  it('the key chosen with jobId names the job for status, result, progress, action and cancel', async () => {
    const key = `mine-${randomUUID().slice(0, 8)}`;
    const h = await jobs.imagine('a chosen-id lighthouse', { jobId: key });
    const r = await jobs.result(key);
    expect(r.taskId).toBe((await h.result()).taskId);
    expect(await jobs.status(key)).toMatchObject({ kind: 'job', jobId: h.jobId, executionStatus: 'COMPLETED' });
    const up = await jobs.action(key, 'U3');
    expect((await up.result()).task.action).toBe('UPSCALE');
    const relaxKey = `mine-relax-${randomUUID().slice(0, 8)}`;
    const relax = await jobs.imagine('a slow chosen-id tide', { jobId: relaxKey, mode: 'RELAX' });
    expect((await jobs.progress(relaxKey)).mode).toBe('RELAX');
    await jobs.cancel(relaxKey);
    expect(((await relax.result().catch((e: unknown) => e)) as JobFailedError).type).toMatch(/Cancel/);
    // The same key used for a job and a pipeline: the full id must say which.
    await jobs.pipeline({ name: 'p', steps: [{ id: 'grid', imagine: { prompt: 'a twin' } }] }, { jobId: key });
    const twin = await jobs.status(key).catch((e: unknown) => e);
    expect(twin).toBeInstanceOf(MjInputError);
    expect((twin as MjInputError).rule).toContain(`mj-pipeline-${key}`);
  });

  it("starts jobs and pipeline children on today's paths: no patch marker, no TemporalChangeVersion upsert", async () => {
    const job = await jobs.imagine('a versioned fox');
    await job.result();
    const pipe = await jobs.pipeline({ name: 'p', steps: [{ id: 'grid', imagine: { prompt: 'a versioned grid' } }] });
    await pipe.result();
    const children = await until(async () => {
      const ids: string[] = [];
      for await (const wf of env.client.workflow.list({ query: `WorkflowId STARTS_WITH "${pipe.jobId}/"` })) {
        ids.push(wf.workflowId);
      }
      return ids.length > 0 ? ids : undefined;
    }, 'the pipeline child in visibility');
    for (const id of [job.jobId, ...children]) {
      const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      const started = events[0]?.workflowExecutionStartedEventAttributes;
      const input = JSON.parse(Buffer.from(started?.input?.payloads?.[0]?.data ?? []).toString('utf8')) as JobInput;
      expect(input.pathsVersion).toBe(JOB_PATHS_VERSION);
      expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
      const upserted = events.flatMap((e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})
      );
      expect(upserted).not.toContain('TemporalChangeVersion');
      expect(upserted).toContain('MjTaskId');
    }
  });

  it('download(jobId, dir) writes the stored images; a running job is refused', async () => {
    const out = path.join(dir, 'download');
    const files = await jobs.download(gridJobId, out);
    const grid = await jobs.result(gridJobId);
    expect(files).toHaveLength(grid.images.length);
    for (const [i, img] of grid.images.entries()) {
      expect(new Uint8Array(readFileSync(files[i]!))).toEqual(await store.get(img.asset));
    }
    const relax = await jobs.imagine('a long relax meadow', { mode: 'RELAX' });
    const err = await jobs.download(relax.jobId, out).catch((e: unknown) => e);
    expect(err).toMatchObject({ field: 'jobId', rule: expect.stringContaining('finished') });
    await jobs.cancel(relax.jobId);
  });

  it('schedules: create, list, describe, trigger, delete; bad input and unknown ids are typed', async () => {
    const id = `nightly-${randomUUID().slice(0, 8)}`;
    const created = await jobs.schedules.create(id, { cron: '0 2 * * *', batch: 'a fox\n# note\na hare\n' });
    expect(created).toMatchObject({ scheduleId: id, items: 2 });
    expect(created.nextRuns[0]).toMatch(/T02:00:00/);
    expect((await jobs.schedules.list()).map((s) => s.scheduleId)).toContain(id);
    expect(await jobs.schedules.describe(id)).toMatchObject({ scheduleId: id, paused: false });
    await jobs.schedules.trigger(id);
    const batch = await until(async () => {
      const rows = await jobs.list({ type: 'batchWorkflow' });
      return rows.find((r) => r.jobId.startsWith(`mj-batch-${id}`));
    }, 'the triggered batch');
    expect((await jobs.result<{ summary: { succeeded: number } }>(batch.jobId)).summary.succeeded).toBe(2);
    await jobs.schedules.delete(id);
    await expect(jobs.schedules.describe(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(jobs.schedules.delete(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    for (const [call, field] of [
      [() => jobs.schedules.create('x', { cron: 'sometimes', batch: 'a fox' }), 'cron'],
      [() => jobs.schedules.create('bad id', { cron: '@daily', batch: 'a fox' }), 'scheduleId'],
      [() => jobs.schedules.create('y', { cron: '@daily', batch: 'a fox', mode: 'SLOW' as never }), 'mode'],
    ] as const) {
      await expect(call()).rejects.toMatchObject({ name: 'MjInputError', field });
    }
    await expect(jobs.schedules.describe('x')).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('status of a closed job needs no worker: describe, result or failure', async () => {
    const failed = await jobs.imagine('a storm --sim-fail content-policy');
    await failed.result().catch(() => undefined);
    await stack.stopWorker();
    const ok = await jobs.status(gridJobId);
    expect(ok).toMatchObject({ kind: 'job', executionStatus: 'COMPLETED', source: 'closed' });
    const grid = await jobs.result(gridJobId);
    expect(ok.kind === 'job' && ok.progress).toMatchObject({
      phase: 'succeeded',
      taskId: grid.taskId,
      status: 'SUCCESS',
      progressPct: 100,
      previewUrl: grid.task.imageUrl,
    });
    const bad = await jobs.status(failed.jobId);
    expect(bad).toMatchObject({ kind: 'job', executionStatus: 'FAILED', source: 'closed' });
    // The memo supplies what the failure does not: the upstream task and its last status.
    expect(bad.kind === 'job' && bad.progress).toMatchObject({
      phase: 'failed',
      failure: { type: JOB_FAILURE.contentPolicy },
      taskId: expect.stringMatching(/^\d+$/),
      status: 'FAILURE',
      action: 'IMAGINE',
    });
  });
});
