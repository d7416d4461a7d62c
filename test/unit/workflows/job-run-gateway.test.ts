/**
 * `JobRun` behind a new-api gateway, without a server: a stub is "not yet known", no read comes sooner
 * than the gateway refreshes, deadlines do not assume the requested mode ran, code 5 is bounded, and a dead image
 * relay ends the job with a typed reason. Each change is also checked on its pre-issue path (`patched()` false),
 * which is what a replay of an old history takes.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FetchedTask } from '../../../src/activities';
import type { SpeedMode, TaskStatus } from '../../../src/mj/types';
import { MAX_UPSTREAM_AUTH_RETRIES } from '../../../src/shared/defaults';
import { JOB_FAILURE, MJ_ERROR_CODE } from '../../../src/shared/failure-types';
import { MJ_STATUS } from '../../../src/shared/search-attributes';
import type { JobInput, JobResult } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { JOB_PATCH } from '../../../src/workflows/job/patches';
import { FakeHost, mjFailure, snapshot, T0 } from '../../helpers/job-run-host';

const MIN = 60_000;
const HOUR = 60 * MIN;
const REFRESH = 15_000;

const imagine = (extra: Partial<JobInput> = {}): JobInput => ({
  request: { kind: 'imagine', prompt: 'a fox' },
  mode: 'FAST',
  captureImages: false,
  ...extra,
});

async function settle(p: Promise<JobResult>): Promise<JobResult | ApplicationFailure> {
  return p.catch((err: unknown) => err as ApplicationFailure);
}

/** A gateway-like fetch: the task's status at `elapsed` ms after submit, with the gateway's refresh period. */
function scripted(
  host: FakeHost,
  at: (elapsed: number) => { status: TaskStatus | ''; progress?: string; mode?: SpeedMode | null },
  refreshMs = REFRESH
) {
  const fetchTimes: number[] = [];
  let submittedAt = 0;
  host.activities.submitTask.mockImplementation(async () => {
    submittedAt = host.time;
    return { kind: 'accepted', taskId: 'T1', ...(refreshMs ? { refreshMs } : {}) };
  });
  host.activities.fetchTask.mockImplementation(async () => {
    fetchTimes.push(host.time);
    const v = at(host.time - submittedAt);
    const base = snapshot('T1', (v.status || 'NOT_START') as TaskStatus, { mode: v.mode ?? null });
    const task: FetchedTask = {
      ...base,
      status: v.status,
      progress: v.progress ?? base.progress,
      ...(v.status === '' ? { stub: true } : {}),
      ...(refreshMs ? { refreshMs } : {}),
    };
    return task;
  });
  return { fetchTimes };
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

describe('JobRun behind a gateway: a stub is not yet known', () => {
  const stubThenDone = (t: number) =>
    t < 20_000 ? { status: '' as const, progress: '0%' } : { status: 'SUCCESS' as const };

  it('never publishes or indexes the stub\'s "" and still finishes', async () => {
    const host = new FakeHost('mj-gw-stub');
    scripted(host, stubThenDone);
    const run = new JobRun(imagine(), host);
    const result = await run.run();
    expect(result.task.status).toBe('SUCCESS');
    expect(host.activities.fetchTask.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(host.published.map((p) => p.memo.status)).not.toContain('');
    expect(host.keywords.get(MJ_STATUS.name)).toBe('SUCCESS');
    // A new run takes the stub rule under the one current-paths marker, without a marker of its own.
    expect(host.patchesAsked.has(JOB_PATCH.currentPaths)).toBe(true);
    expect(host.patchesAsked.has(JOB_PATCH.stubNotYetKnown)).toBe(false);
  });

  it('an old history (patch absent) observed the stub as a status', async () => {
    const host = new FakeHost('mj-gw-stub-old');
    host.unpatched.add(JOB_PATCH.currentPaths).add(JOB_PATCH.stubNotYetKnown);
    scripted(host, stubThenDone);
    await new JobRun(imagine(), host).run();
    expect(host.published.map((p) => p.memo.status)).toContain('');
  });
});

describe('JobRun behind a gateway: never polls faster than the gateway refreshes', () => {
  const doneAfter = (ms: number) => (t: number) =>
    t < ms ? { status: 'IN_PROGRESS' as const, progress: `${Math.floor(t / 1000)}%` } : { status: 'SUCCESS' as const };

  it('waits a refresh after the submit and between fetches, although FAST starts at 3 s', async () => {
    const host = new FakeHost('mj-gw-floor');
    const { fetchTimes } = scripted(host, doneAfter(3 * MIN));
    await new JobRun(imagine(), host).run();
    expect(fetchTimes[0] - T0).toBeGreaterThanOrEqual(REFRESH);
    expect(Math.min(...gaps(fetchTimes))).toBeGreaterThanOrEqual(REFRESH);
  });

  it('a live proxy (no refresh period) keeps the 3 s start', async () => {
    const host = new FakeHost('mj-gw-live');
    const { fetchTimes } = scripted(host, doneAfter(3 * MIN), 0);
    await new JobRun(imagine(), host).run();
    expect(fetchTimes[0] - T0).toBeLessThan(5_000);
    expect(Math.min(...gaps(fetchTimes))).toBeLessThan(REFRESH);
  });

  it('a webhook hint does not bring the next fetch before the refresh', async () => {
    const host = new FakeHost('mj-gw-hint');
    const { fetchTimes } = scripted(host, doneAfter(2 * MIN));
    const run = new JobRun(imagine(), host);
    const done = run.run();
    await host.until(() => fetchTimes.length === 1, 'first fetch');
    run.onTaskChanged({ taskId: 'T1', status: 'SUCCESS' });
    await done;
    expect(Math.min(...gaps(fetchTimes))).toBeGreaterThanOrEqual(REFRESH);
  });
});

describe('JobRun behind a gateway: deadlines do not assume the requested mode ran', () => {
  /** Queued 20 min, then 1 % every 4 min: a RELAX-speed job, far past FAST's 2 h total. */
  const relaxLike =
    (mode: SpeedMode | null = null) =>
    (t: number) => {
      if (t < 20 * MIN) return { status: 'SUBMITTED' as const, progress: '0%', mode };
      const pct = Math.floor((t - 20 * MIN) / (4 * MIN));
      return pct >= 50
        ? { status: 'SUCCESS' as const, mode }
        : { status: 'IN_PROGRESS' as const, progress: `${pct}%`, mode };
    };

  it("a FAST job whose mode is not reported succeeds past FAST's total while it advances", async () => {
    const host = new FakeHost('mj-gw-relax');
    scripted(host, relaxLike());
    const result = await new JobRun(imagine(), host).run();
    expect(result.task.status).toBe('SUCCESS');
    expect(host.time - T0).toBeGreaterThan(3 * HOUR);
  });

  it('on the old path (patch absent) the FAST total deadline failed it', async () => {
    const host = new FakeHost('mj-gw-relax-old');
    host.unpatched.add(JOB_PATCH.currentPaths).add(JOB_PATCH.deadlineFromProgress);
    scripted(host, relaxLike());
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(err.details?.[0]).toMatchObject({ deadline: 'total' });
  });

  it("a task that reports RELAX gets RELAX's queued deadline, not FAST's 30 min", async () => {
    const host = new FakeHost('mj-gw-reported');
    scripted(host, (t) =>
      t < 50 * MIN ? { status: 'SUBMITTED', progress: '0%', mode: 'RELAX' } : { status: 'SUCCESS', mode: 'RELAX' }
    );
    const result = await new JobRun(imagine(), host).run();
    expect(result.task.status).toBe('SUCCESS');
  });

  it("a task that confirms FAST keeps FAST's total deadline", async () => {
    const host = new FakeHost('mj-gw-confirmed');
    scripted(host, relaxLike('FAST'));
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.details?.[0]).toMatchObject({ deadline: 'total' });
  });

  it('a running task that stops advancing still fails at the stall deadline', async () => {
    const host = new FakeHost('mj-gw-stall');
    scripted(host, (t) =>
      t < 5 * MIN
        ? { status: 'IN_PROGRESS', progress: `${Math.floor(t / MIN)}%` }
        : { status: 'IN_PROGRESS', progress: '4%' }
    );
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(err.details?.[0]).toMatchObject({ deadline: 'stall', progress: '4%' });
    expect(host.time - T0).toBeLessThan(25 * MIN);
  });

  it("a queued task that never starts still fails at the requested mode's queued deadline", async () => {
    const host = new FakeHost('mj-gw-queued');
    scripted(host, () => ({ status: 'SUBMITTED', progress: '0%' }));
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.details?.[0]).toMatchObject({ deadline: 'queued' });
    expect(host.time - T0).toBeLessThan(31 * MIN);
  });

  it("a task that advances forever is cut at the slowest mode's total (6 h)", async () => {
    const host = new FakeHost('mj-gw-forever');
    scripted(host, (t) => ({ status: 'IN_PROGRESS', progress: `${(t / HOUR).toFixed(2)}%` }));
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.details?.[0]).toMatchObject({ deadline: 'total' });
    expect(host.time - T0).toBeGreaterThanOrEqual(6 * HOUR);
    expect(host.time - T0).toBeLessThan(6 * HOUR + 5 * MIN);
  });
});

describe('JobRun behind a gateway: code 5 unmarshal_response_body_failed', () => {
  const code5 = () =>
    Promise.reject(
      ApplicationFailure.create({
        type: 'MjUpstreamAuthError',
        message: 'rejected (code 5): unmarshal_response_body_failed; check the upstream key',
        details: [{ code: MJ_ERROR_CODE.upstreamAuth, upstreamCode: 5, status: 400 }],
      })
    );

  it(`resubmits ${MAX_UPSTREAM_AUTH_RETRIES} times, then fails UpstreamAuthFailed naming the upstream key`, async () => {
    const host = new FakeHost('mj-gw-code5', { submitTask: code5 });
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.upstreamAuth);
    expect(err.message).toMatch(/check the upstream key/);
    expect(err.details?.[0]).toEqual({
      field: 'upstreamKey',
      rule: 'accepted-by-upstream',
      phase: 'submitting',
      code: MJ_ERROR_CODE.upstreamAuth,
      attempts: MAX_UPSTREAM_AUTH_RETRIES + 1,
    });
    expect(host.activities.submitTask).toHaveBeenCalledTimes(MAX_UPSTREAM_AUTH_RETRIES + 1);
    // Backed off between attempts, but minutes, not the 30 min queued deadline.
    expect(host.time - T0).toBeLessThan(2 * MIN);
  });

  it('a channel fixed between attempts lets the job through', async () => {
    let calls = 0;
    const host = new FakeHost('mj-gw-code5-heal', {
      submitTask: () => (++calls === 1 ? code5() : Promise.resolve({ kind: 'accepted' as const, taskId: 'T9' })),
      fetchTask: async () => snapshot('T9', 'SUCCESS'),
    });
    expect((await new JobRun(imagine(), host).run()).taskId).toBe('T9');
  });

  it('on the old path (patch absent) it was back-pressure until the queued deadline', async () => {
    const host = new FakeHost('mj-gw-code5-old', { submitTask: code5 });
    host.unpatched.add(JOB_PATCH.upstreamAuthBounded);
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(host.activities.submitTask.mock.calls.length).toBeGreaterThan(MAX_UPSTREAM_AUTH_RETRIES + 1);
  });
});

describe('JobRun behind a gateway: an expired image relay', () => {
  it("fails CaptureFailed with the activity's reason, field and rule", async () => {
    const host = new FakeHost('mj-gw-relay', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T5' }),
      fetchTask: async () => snapshot('T5', 'SUCCESS'),
      captureImages: () =>
        Promise.reject(
          ApplicationFailure.create({
            type: 'ImageExpired',
            message: "image of task T5 is gone: the gateway's relay answered 404",
            nonRetryable: true,
            details: [{ taskId: 'T5', field: 'imageUrl', rule: 'relay-alive', status: 404 }],
          })
        ),
    });
    const err = (await settle(new JobRun(imagine({ captureImages: true }), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.captureFailed);
    expect(err.details?.[0]).toEqual({
      taskId: 'T5',
      phase: 'capturing',
      reason: 'ImageExpired',
      field: 'imageUrl',
      rule: 'relay-alive',
    });
    expect(host.activities.captureImages).toHaveBeenCalledTimes(1);
  });

  it('keeps the reason of any other capture failure', async () => {
    const host = new FakeHost('mj-gw-relay-other', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T6' }),
      fetchTask: async () => snapshot('T6', 'SUCCESS'),
      captureImages: () => Promise.reject(mjFailure('X', {}, 'ImageUnavailable')),
    });
    const err = (await settle(new JobRun(imagine({ captureImages: true }), host).run())) as ApplicationFailure;
    expect(err.details?.[0]).toEqual({ taskId: 'T6', phase: 'capturing', reason: 'ImageUnavailable' });
  });
});
