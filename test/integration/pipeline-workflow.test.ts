/**
 * pipelineWorkflow on the time-skipping server with a FAKE mjJobWorkflow (see test/helpers/pipeline-fake-workflows.ts).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import { parsePipelineSpec } from '../../src/pipeline';
import { PIPELINE_FAILURE } from '../../src/shared/failure-types';
import type { PipelineInput, PipelineResult } from '../../src/shared/pipeline-types';
import { getPipelineProgressQuery } from '../../src/workflows/pipeline/messages';
import {
  catSpec,
  createHarness,
  FakeJobs,
  MASK,
  outcomeOf,
  startPipeline,
  uid,
  withWorker,
  type Harness,
} from '../helpers/pipeline-harness';
import { eventually } from '../helpers/eventually';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, 120_000);
afterAll(async () => {
  await h?.env.teardown();
});

const start = (tq: string, input: PipelineInput, id?: string) => startPipeline(h, tq, input, id);
const outcome = (r: PipelineResult, key: string) => outcomeOf(r, key);

describe('pipelineWorkflow (fake jobs)', () => {
  it('runs the cat example as a DAG: fan-out, deterministic child ids, parent task ids, given modal input', async () => {
    const spec = catSpec();
    spec.steps[3]!.input = { prompt: 'a cat with a hat', mask: MASK };
    const input = parsePipelineSpec(spec);
    const jobs = new FakeJobs();
    const id = uid('mj-pipeline-cat');
    const result = await withWorker(h, jobs, async (tq) => (await start(tq, input, id)).result());

    expect(result.summary).toEqual({ total: 10, succeeded: 10, failed: 0, skipped: 0, cancelled: 0, jobsStarted: 10 });
    expect(result.outcomes.map((o) => `${o.step}/${o.branch}`)).toEqual([
      'grid/main',
      'ups/U1',
      'ups/U2',
      'ups/U3',
      'ups/U4',
      'zoom/U1',
      'zoom/U2',
      'zoom/U3',
      'zoom/U4',
      'region/U2',
    ]);
    for (const o of result.outcomes) {
      expect(o.jobId).toBe(`${id}/${o.step}/${o.branch}`);
      expect(o.taskId).toBe(`task-${o.jobId}`);
    }
    expect(jobs.started(id).sort()).toEqual(result.outcomes.map((o) => `${o.step}/${o.branch}`).sort());
    // Each child starts only after its parent branch ended, and gets the parent's task id at run time.
    for (const o of result.outcomes.filter((x) => x.step !== 'grid')) {
      const parentKey = o.step === 'ups' ? 'grid/main' : `ups/${o.branch}`;
      expect(jobs.index(o.jobId, 'start')).toBeGreaterThan(jobs.index(`${id}/${parentKey}`, 'end'));
      expect(jobs.input(o.jobId).request).toMatchObject({ kind: 'action', parentTaskId: `task-${id}/${parentKey}` });
    }
    expect(jobs.input(`${id}/ups/U3`).request).toMatchObject({ intent: { kind: 'upscale', index: 3 } });
    expect(jobs.input(`${id}/zoom/U4`).request).toMatchObject({ intent: { kind: 'zoom-out', factor: 2 } });
    expect(jobs.input(`${id}/region/U2`)).toMatchObject({
      request: { intent: { kind: 'vary-region' } },
      modal: { prompt: 'a cat with a hat', mask: MASK },
      mode: 'FAST',
      account: 'default',
    });
    expect(outcome(result, 'region/U2')).toMatchObject({ intent: 'vary-region', status: 'succeeded' });
    // Default concurrency 4: the four upscales ran together, never more.
    expect(jobs.maxRunning).toBe(4);
  });

  it('pins follow-ups to the owner of their parent and tags every child with the pipeline id', async () => {
    const spec = catSpec();
    spec.steps[3]!.input = { prompt: 'a cat with a hat', mask: MASK };
    const input: PipelineInput = { ...parsePipelineSpec(spec), costTags: { tenant: 'acme' } };
    // The grid ran on upstream "b", the U2 upscale on "c": each child goes where its own parent lives.
    const jobs = new FakeJobs().behave('/grid/main', { owner: 'b' }).behave('/ups/U2', { owner: 'c' });
    const id = uid('mj-pipeline-owner');
    await withWorker(h, jobs, async (tq) => (await start(tq, input, id)).result());
    expect(jobs.input(`${id}/ups/U1`).request).toMatchObject({ kind: 'action', upstreamId: 'b' });
    expect(jobs.input(`${id}/zoom/U2`).request).toMatchObject({ kind: 'action', upstreamId: 'c' });
    // A parent without an owner (one upstream) pins nothing.
    expect(jobs.input(`${id}/zoom/U1`).request).not.toHaveProperty('upstreamId');
    expect(jobs.input(`${id}/grid/main`).request).not.toHaveProperty('upstreamId');
    for (const jobId of [`${id}/grid/main`, `${id}/ups/U3`]) {
      expect(jobs.input(jobId).costTags).toEqual({ tenant: 'acme', pipelineId: id });
    }
  });

  it('keeps going when a branch fails: descendants skipped, siblings succeed, pipeline completes', async () => {
    const spec = catSpec();
    spec.steps[3]!.input = { prompt: 'hat', mask: MASK };
    const jobs = new FakeJobs().behave('/ups/U2', {
      delay: '1s',
      fail: { type: 'ContentPolicy', message: 'Banned prompt detected' },
    });
    const id = uid('mj-pipeline-fail');
    const result = await withWorker(h, jobs, async (tq) => (await start(tq, parsePipelineSpec(spec), id)).result());

    expect(result.summary).toEqual({ total: 10, succeeded: 7, failed: 1, skipped: 2, cancelled: 0, jobsStarted: 8 });
    expect(outcome(result, 'ups/U2')).toMatchObject({
      status: 'failed',
      failure: { type: 'ContentPolicy', message: 'Banned prompt detected' },
    });
    for (const key of ['zoom/U2', 'region/U2']) {
      expect(outcome(result, key)).toMatchObject({
        status: 'skipped',
        jobId: `${id}/${key}`,
        failure: { type: PIPELINE_FAILURE.parentFailed },
      });
      expect(outcome(result, key).taskId).toBeUndefined();
    }
    expect(jobs.started(id)).not.toContain('zoom/U2');
    for (const b of ['U1', 'U3', 'U4']) expect(outcome(result, `zoom/${b}`).status).toBe('succeeded');
  });

  it('fails a waiting branch after inputTimeout and still completes', async () => {
    const input = parsePipelineSpec({ ...catSpec(), inputTimeout: '2h' });
    const jobs = new FakeJobs();
    const result = await withWorker(h, jobs, async (tq) => (await start(tq, input)).result());
    expect(outcome(result, 'region/U2')).toMatchObject({
      status: 'failed',
      failure: { type: PIPELINE_FAILURE.inputExpired },
    });
    expect(result.summary).toMatchObject({ succeeded: 9, failed: 1 });
  });

  it('cancelling the pipeline cancels running children and marks the rest cancelled', async () => {
    const jobs = new FakeJobs().behave('/ups/U1', { delay: '1d' }).behave('/ups/U2', { delay: '1d' });
    const input = parsePipelineSpec({ ...catSpec(), concurrency: 2 });
    const id = uid('mj-pipeline-cancel');
    await withWorker(h, jobs, async (tq) => {
      const handle = await start(tq, input, id);
      await eventually(async () => {
        const q = await handle.query(getPipelineProgressQuery);
        return q.running === 2 && jobs.started(id).includes('ups/U2') ? q : undefined;
      }, 'two upscales to run');
      await handle.cancel();
      // Wait for the cancellation to settle before awaiting the result: awaiting it unlocks time skipping, and the
      // server could then fire the children's one-day timers before the cancel reached them.
      await eventually(
        async () => ((await handle.query(getPipelineProgressQuery)).done ? true : undefined),
        'cancel to settle'
      );
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const p = await handle.query(getPipelineProgressQuery);
      const statuses = Object.fromEntries(
        p.steps.flatMap((s) => s.branches.map((b) => [`${s.step}/${b.branch}`, b.status]))
      );
      expect(statuses).toMatchObject({
        'grid/main': 'succeeded',
        'ups/U1': 'cancelled',
        'ups/U2': 'cancelled',
        'ups/U3': 'cancelled',
        'zoom/U1': 'cancelled',
        'region/U2': 'cancelled',
      });
      expect(p.done).toBe(true);
    });
    expect(
      jobs.events
        .filter((e) => e.outcome === 'cancelled')
        .map((e) => e.id.slice(id.length + 1))
        .sort()
    ).toEqual(['ups/U1', 'ups/U2']);
    expect(jobs.started(id).sort()).toEqual(['grid/main', 'ups/U1', 'ups/U2']);
  });

  it('never starts a job twice: the same pipeline id run again reports DuplicateJob and pays nothing', async () => {
    const input = parsePipelineSpec({
      name: 'once',
      steps: [
        { id: 'grid', imagine: { prompt: 'a cat' } },
        { id: 'u', from: 'grid', action: 'U1' },
      ],
    });
    const jobs = new FakeJobs();
    const id = uid('mj-pipeline-dup');
    const [first, second] = await withWorker(h, jobs, async (tq) => {
      const a = await (await start(tq, input, id)).result();
      const b = await (await start(tq, input, id)).result();
      return [a, b];
    });
    expect(first.summary.succeeded).toBe(2);
    expect(outcome(second, 'grid/main')).toMatchObject({
      status: 'failed',
      failure: { type: PIPELINE_FAILURE.duplicateJob },
    });
    expect(outcome(second, 'u/U1').status).toBe('skipped');
    expect(second.summary.jobsStarted).toBe(0);
    expect(jobs.started(id)).toEqual(['grid/main', 'u/U1']);
  });

  it('fails with PipelineInvalid when started with a broken graph', async () => {
    const jobs = new FakeJobs();
    const bad: PipelineInput = {
      name: 'bad',
      steps: [
        { id: 'a', kind: 'action', from: 'b', input: { kind: 'none' }, intents: [] },
        { id: 'b', kind: 'action', from: 'a', input: { kind: 'none' }, intents: [] },
      ],
    };
    const err = await withWorker(h, jobs, async (tq) => (await start(tq, bad)).result().catch((e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe(PIPELINE_FAILURE.invalid);
    expect(cause.message).toMatch(/cycle/);
    expect(jobs.events).toEqual([]);
  });
});
