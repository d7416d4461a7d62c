/**
 * `JobRun` with several upstreams, without a server: failover before acceptance, durable waits while the
 * pool is busy, follow-ups pinned to a down owner, reconciliation on the same upstream, budgets, and the owner in
 * carry, progress and memo. The activities answer as `src/activities/routed-submit.ts` does.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { SubmitTaskInput, SubmitTaskResult } from '../../../src/activities';
import { ACTIVITY_FAILURE, JOB_FAILURE, MJ_ERROR_CODE } from '../../../src/shared/failure-types';
import { makeStateKey } from '../../../src/shared/state-key';
import type { JobInput, JobResult, TaskRoute } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { FakeHost, snapshot, T0 } from '../../helpers/job-run-host';

const POLICY = { initialInterval: '1s', maxInterval: '2s', queuedTimeout: '10m', totalTimeout: '1h' } as const;

const imagine = (extra: Partial<JobInput> = {}): JobInput => ({
  request: { kind: 'imagine', prompt: 'a fox' },
  policy: POLICY,
  captureImages: false,
  ...extra,
});

const route = (upstreamId: string, extra: Partial<TaskRoute> = {}): TaskRoute => ({
  requestId: `r-${upstreamId}`,
  upstreamId,
  mode: 'FAST',
  action: 'IMAGINE',
  price: 0.05,
  currency: 'USD',
  ...extra,
});

const accepted = (taskId: string, r: TaskRoute): SubmitTaskResult => ({ kind: 'accepted', taskId, route: r });

/** A routed attempt that upstream `id` proved it did not accept (what routed-submit throws for 23, 3a, 429…). */
const failover = (id: string, code: string = MJ_ERROR_CODE.queueFull) =>
  ApplicationFailure.create({
    type: 'MjQueueFullError',
    message: `${id}: queue full`,
    nonRetryable: false,
    details: [{ code, upstreamId: id, failover: true }],
  });

const busy = (retryAfterMs: number, reason: string, upstreamId?: string) =>
  ApplicationFailure.create({
    type: ACTIVITY_FAILURE.upstreamsBusy,
    message: 'busy',
    nonRetryable: true,
    details: [{ code: ACTIVITY_FAILURE.upstreamsBusy, retryAfterMs, reason, upstreamId }],
  });

async function settle(p: Promise<JobResult>): Promise<JobResult | ApplicationFailure> {
  return p.catch((err: unknown) => err as ApplicationFailure);
}

/** Scripted submit answers in order; records every input. */
function script(...answers: (SubmitTaskResult | Error)[]) {
  const inputs: SubmitTaskInput[] = [];
  return {
    inputs,
    submitTask: async (input: SubmitTaskInput) => {
      inputs.push(JSON.parse(JSON.stringify(input)) as SubmitTaskInput);
      const next = answers.shift();
      if (!next) throw new Error('no more scripted submits');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('JobRun with several upstreams: before acceptance', () => {
  it('fails over at once to the next upstream, skipping the one that refused, and records the owner', async () => {
    const s = script(failover('a'), failover('b', MJ_ERROR_CODE.noInstance), accepted('T1', route('c')));
    const host = new FakeHost('mj-job-failover', {
      submitTask: s.submitTask,
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const run = new JobRun(imagine({ costTags: { tenant: 'acme' } }), host);
    const result = await settle(run.run());
    expect(result).toMatchObject({
      taskId: 'T1',
      owner: { upstreamId: 'c', taskId: 'T1', mode: 'FAST' },
      failovers: 2,
    });
    expect(s.inputs.map((i) => i.exclude)).toEqual([undefined, ['a'], ['a', 'b']]);
    expect(s.inputs.every((i) => i.stateKey === makeStateKey('mj-job-failover', 0))).toBe(true);
    expect(s.inputs[0].costTags).toEqual({ tenant: 'acme' });
    // No time passed between the attempts: failover is not a wait.
    expect(host.published.find((p) => p.memo.waitingFor)).toBeUndefined();
    // Every poll goes to the owner and carries the reservation to free when the task ends.
    expect(host.activities.fetchTask).toHaveBeenCalledWith({
      taskId: 'T1',
      upstreamId: 'c',
      requestId: 'r-c',
      stateKey: makeStateKey('mj-job-failover', 0),
    });
    expect(host.published.at(-1)?.memo.owner).toEqual({ upstreamId: 'c', taskId: 'T1', mode: 'FAST' });
    expect(run.toCarry()).toMatchObject({ owner: { upstreamId: 'c' }, route: { requestId: 'r-c' } });
  });

  it('waits on a durable timer for the time the pool names while every upstream is busy, and says why', async () => {
    const s = script(failover('a'), busy(30_000, 'queue-full'), accepted('T1', route('a')));
    const host = new FakeHost('mj-job-busy', {
      submitTask: s.submitTask,
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const run = new JobRun(imagine(), host);
    const result = await settle(run.run());
    expect(result).toMatchObject({ taskId: 'T1', owner: { upstreamId: 'a' } });
    const waiting = host.published.find((p) => p.memo.waitingFor?.kind === 'upstream')?.memo.waitingFor;
    expect(waiting).toMatchObject({ kind: 'upstream', reason: 'queue-full', since: T0, until: T0 + 30_000 });
    // After the wait the refused upstream may be tried again (its cooldown is over): exclude is cleared.
    expect(s.inputs[2].exclude).toBeUndefined();
    expect(host.published.at(-1)?.memo.waitingFor).toBeUndefined();
  });

  it('gives up with DeadlineExceeded (field upstream) when the pool stays busy past the queued deadline', async () => {
    const answers = Array.from({ length: 40 }, () => busy(120_000, 'cooldown'));
    const host = new FakeHost('mj-job-busy-long', script(...answers));
    const run = new JobRun(imagine(), host);
    const err = (await settle(run.run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(err.details?.[0]).toMatchObject({ field: 'upstream', rule: 'available', phase: 'submitting' });
    expect(host.time - T0).toBe(10 * 60_000);
  });

  it('fails NoUpstream when nothing configured can ever take the job', async () => {
    const none = ApplicationFailure.create({
      type: ACTIVITY_FAILURE.noUpstream,
      message: 'no upstream offers video',
      nonRetryable: true,
      details: [{ code: ACTIVITY_FAILURE.noUpstream, field: 'upstream', rule: 'feature' }],
    });
    const host = new FakeHost('mj-job-none', script(none));
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.noUpstream);
    expect(err.details?.[0]).toMatchObject({ field: 'upstream', rule: 'feature' });
  });

  it('runs in the mode routing chose from the preference, and says so in the mode keyword', async () => {
    const s = script(accepted('T1', route('relaxed', { mode: 'RELAX' })));
    const host = new FakeHost('mj-job-modes', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    const run = new JobRun(imagine({ modes: ['FAST', 'RELAX'] }), host);
    await settle(run.run());
    expect(s.inputs[0]).toMatchObject({ mode: 'FAST', modes: ['FAST', 'RELAX'] });
    expect(run.mode).toBe('RELAX');
    expect(host.keywords.get('MjMode')).toBe('RELAX');
    expect(host.published.at(-1)?.memo).toMatchObject({ mode: 'RELAX', owner: { mode: 'RELAX' } });
  });
});

describe('JobRun with several upstreams: mode preference', () => {
  const modesSent = async (extra: Partial<JobInput>) => {
    const s = script(accepted('T1', route('a', { mode: 'RELAX' })));
    const host = new FakeHost('mj-job-modes', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    await settle(new JobRun(imagine(extra), host).run());
    return { mode: s.inputs[0].mode, modes: s.inputs[0].modes };
  };

  it('a job naming neither modes nor mode asks for no mode, so the pool applies its routing.modePreference', async () => {
    expect(await modesSent({})).toEqual({ mode: 'FAST', modes: [] });
  });

  it('mode alone is that single mode; modes is the preference as given', async () => {
    expect(await modesSent({ mode: 'RELAX' })).toEqual({ mode: 'RELAX', modes: undefined });
    expect(await modesSent({ modes: ['RELAX', 'FAST'] })).toEqual({ mode: 'RELAX', modes: ['RELAX', 'FAST'] });
  });
});

describe('JobRun with several upstreams: unknown outcomes and budgets', () => {
  it('reconciles an unknown outcome by state on the same upstream before anything goes elsewhere', async () => {
    const unknown = ApplicationFailure.create({
      type: 'MjTimeoutError',
      message: 'b: timeout after sending',
      details: [{ code: MJ_ERROR_CODE.timeout, outcomeUnknown: true, upstreamId: 'b', route: route('b') }],
    });
    const host = new FakeHost('mj-job-unknown', {
      ...script(unknown),
      findTaskByState: async () => ({ ...snapshot('T9', 'SUBMITTED'), route: route('b') }),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const run = new JobRun(imagine(), host);
    const result = await settle(run.run());
    expect(result).toMatchObject({ taskId: 'T9', owner: { upstreamId: 'b', taskId: 'T9' } });
    expect(host.activities.submitTask).toHaveBeenCalledTimes(1);
    expect(host.activities.findTaskByState).toHaveBeenCalledWith(
      expect.objectContaining({ upstreamId: 'b', route: route('b'), stateKey: makeStateKey('mj-job-unknown', 0) })
    );
  });

  it('resubmits (routing decides where) only once the same upstream proved it has no such task', async () => {
    const unknown = ApplicationFailure.create({
      type: 'MjServerError',
      message: 'b: 502 after sending',
      details: [{ code: MJ_ERROR_CODE.upstream5xx, outcomeUnknown: true, upstreamId: 'b', route: route('b') }],
    });
    const s = script(unknown, accepted('T2', route('a')));
    const host = new FakeHost('mj-job-unknown-absent', {
      ...s,
      findTaskByState: async () => null,
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const result = await settle(new JobRun(imagine(), host).run());
    expect(result).toMatchObject({ taskId: 'T2', owner: { upstreamId: 'a' } });
    expect(host.activities.findTaskByState.mock.invocationCallOrder[0]).toBeLessThan(
      host.activities.submitTask.mock.invocationCallOrder[1]
    );
  });

  it('fails BudgetExceeded with the verdict when the ledger refuses (nothing was sent)', async () => {
    const refused = ApplicationFailure.create({
      type: ACTIVITY_FAILURE.budgetExceeded,
      message: 'budget tenant:acme would pass its limit',
      nonRetryable: true,
      details: [
        {
          code: ACTIVITY_FAILURE.budgetExceeded,
          field: 'budget',
          rule: 'limit',
          ok: false,
          budget: 'tenant:acme',
          limit: 1,
          spent: 0.98,
          price: 0.05,
          currency: 'USD',
          onExceed: 'refuse',
        },
      ],
    });
    const host = new FakeHost('mj-job-budget', script(refused));
    const err = (await settle(new JobRun(imagine(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.budgetExceeded);
    expect(err.details?.[0]).toMatchObject({ field: 'budget', rule: 'limit', budget: 'tenant:acme', limit: 1 });
  });

  it('parks on a budget that says park, asking again on a durable timer', async () => {
    const parked = ApplicationFailure.create({
      type: ACTIVITY_FAILURE.budgetExceeded,
      message: 'parked',
      nonRetryable: true,
      details: [{ code: ACTIVITY_FAILURE.budgetExceeded, budget: 'batch:n1', onExceed: 'park', ok: false }],
    });
    const host = new FakeHost('mj-job-park', {
      ...script(parked, accepted('T1', route('a'))),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const result = await settle(new JobRun(imagine(), host).run());
    expect(result).toMatchObject({ taskId: 'T1' });
    expect(
      host.published.some((p) => p.memo.waitingFor?.kind === 'upstream' && p.memo.waitingFor.reason === 'budget')
    ).toBe(true);
    expect(host.time - T0).toBeGreaterThanOrEqual(5 * 60_000);
  });
});

describe('JobRun with several upstreams: settling an accepted task durably', () => {
  it('runs settleRoutedSubmit for the parts the submit could not do, before its deadlines start', async () => {
    const host = new FakeHost('mj-job-unsettled', {
      ...script({ ...accepted('T1', route('a')), unsettled: ['ledger'] }),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const result = await settle(new JobRun(imagine({ costTags: { tenant: 'acme' } }), host).run());
    expect(result).toMatchObject({ taskId: 'T1', owner: { upstreamId: 'a' } });
    expect(host.activities.settleRoutedSubmit.mock.calls).toEqual([
      [
        {
          route: route('a'),
          taskId: 'T1',
          stateKey: makeStateKey('mj-job-unsettled', 0),
          parts: ['ledger'],
          costTags: { tenant: 'acme' },
        },
      ],
    ]);
    expect(host.activities.settleRoutedSubmit.mock.invocationCallOrder[0]).toBeLessThan(
      host.activities.fetchTask.mock.invocationCallOrder[0]
    );
  });

  it("settles a task adopted by reconcile (found by search: no route known) with the job's cost tags", async () => {
    const adopted = route('b', { requestId: `${makeStateKey('mj-job-adopted', 0)}#` });
    const host = new FakeHost('mj-job-adopted', {
      ...script(ApplicationFailure.create({ type: 'ActivityTimeout', message: 'heartbeat timeout', details: [] })),
      findTaskByState: async () => ({ ...snapshot('T9', 'SUBMITTED'), route: adopted, unsettled: ['pool', 'ledger'] }),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    const result = await settle(new JobRun(imagine({ costTags: { tenant: 'acme' } }), host).run());
    expect(result).toMatchObject({ taskId: 'T9', owner: { upstreamId: 'b' } });
    expect(host.activities.findTaskByState).toHaveBeenCalledWith(
      expect.objectContaining({ costTags: { tenant: 'acme' } })
    );
    expect(host.activities.settleRoutedSubmit).toHaveBeenCalledWith(
      expect.objectContaining({ route: adopted, taskId: 'T9', parts: ['pool', 'ledger'] })
    );
  });

  it('runs nothing extra when the submit settled everything, and the task runs on if settling never succeeds', async () => {
    const settled = new FakeHost('mj-job-settled', {
      ...script(accepted('T1', route('a'))),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    await settle(new JobRun(imagine(), settled).run());
    expect(settled.activities.settleRoutedSubmit).not.toHaveBeenCalled();

    const stuck = new FakeHost('mj-job-stuck', {
      ...script({ ...accepted('T1', route('a')), unsettled: ['pool'] }),
      settleRoutedSubmit: () => Promise.reject(new Error('schedule-to-close timeout')),
      fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS'),
    });
    expect(await settle(new JobRun(imagine(), stuck).run())).toMatchObject({ taskId: 'T1' });
  });
});

describe('JobRun with several upstreams: follow-ups pinned to the owner', () => {
  const upscale = (extra: Partial<JobInput> = {}): JobInput => ({
    request: { kind: 'action', parentTaskId: 'P1', intent: { kind: 'upscale', index: 1 }, upstreamId: 'b' },
    policy: POLICY,
    captureImages: false,
    ...extra,
  });

  it('waits for a down owner (never moved), reports why, then completes on the same upstream', async () => {
    const s = script(
      failover('b', MJ_ERROR_CODE.connection),
      busy(60_000, 'connection', 'b'),
      busy(60_000, 'connection', 'b'),
      accepted('U1', route('b', { action: 'UPSCALE' }))
    );
    const host = new FakeHost('mj-job-pinned', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    const run = new JobRun(upscale(), host);
    const result = await settle(run.run());
    expect(result).toMatchObject({ taskId: 'U1', owner: { upstreamId: 'b' } });
    // The pin travels in the request; a pinned submit never excludes its own owner.
    expect(s.inputs.every((i) => i.request.kind === 'action' && i.request.upstreamId === 'b' && !i.exclude)).toBe(true);
    const waits = host.published.map((p) => p.memo.waitingFor).filter((w) => w?.kind === 'upstream');
    expect(waits[0]).toMatchObject({ upstreamId: 'b', reason: MJ_ERROR_CODE.connection });
    expect(waits.at(-1)).toMatchObject({ upstreamId: 'b', reason: 'connection', since: T0 });
    expect(host.time - T0).toBeGreaterThanOrEqual(120_000);
  });

  it('keeps waiting for its owner past the queued deadline, bounded by the total deadline', async () => {
    const answers = Array.from({ length: 100 }, () => busy(5 * 60_000, 'disabled: auth', 'b'));
    const host = new FakeHost('mj-job-pinned-long', script(...answers));
    const err = (await settle(new JobRun(upscale(), host).run())) as ApplicationFailure;
    expect(err.type).toBe(JOB_FAILURE.deadlineExceeded);
    expect(err.details?.[0]).toMatchObject({ upstreamId: 'b', field: 'upstream', reason: 'disabled: auth' });
    expect(host.time - T0).toBe(60 * 60_000);
  });

  it.each([
    ['the pool signals that the owner came back', true],
    ['no signal comes (the wait runs to its end)', false],
  ])('a wait for a disabled owner ends when %s', async (_what, signalled) => {
    const s = script(busy(5 * 60_000, 'disabled:operator', 'b'), accepted('U1', route('b', { action: 'UPSCALE' })));
    const host = new FakeHost('mj-job-woken', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    const run = new JobRun(upscale(), host);
    const done = settle(run.run());
    await host.until(() => run.waitingFor?.kind === 'upstream', 'waiting for b');
    if (signalled) run.onUpstreamAvailable();
    expect(await done).toMatchObject({ taskId: 'U1', owner: { upstreamId: 'b' } });
    expect(host.patchesAsked.has('wake-on-upstream-available')).toBe(true);
    // The fake clock: the second submit came before the wait's timer (woken), or at its end (not woken).
    const submittedAfter = (run.progress().timings.submittedAt ?? 0) - T0;
    if (signalled) expect(submittedAfter).toBeLessThan(5 * 60_000);
    else expect(submittedAfter).toBe(5 * 60_000);
  });

  it('a history recorded before the wake sleeps its whole wait, signal or not (patch unasked there)', async () => {
    const s = script(busy(5 * 60_000, 'disabled:operator', 'b'), accepted('U1', route('b', { action: 'UPSCALE' })));
    const host = new FakeHost('mj-job-old-wait', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    host.unpatched.add('wake-on-upstream-available');
    const run = new JobRun(upscale(), host);
    const done = settle(run.run());
    await host.until(() => run.waitingFor?.kind === 'upstream', 'waiting for b');
    run.onUpstreamAvailable();
    await done;
    expect((run.progress().timings.submittedAt ?? 0) - T0).toBe(5 * 60_000);
  });

  it('ignores a webhook hint from another upstream than the owner', async () => {
    const host = new FakeHost('mj-job-hint', {
      ...script(accepted('T1', route('a'))),
      fetchTask: async (i) => snapshot(i.taskId, 'IN_PROGRESS', { progress: '10%' }),
    });
    const run = new JobRun(imagine(), host);
    void settle(run.run());
    await host.until(() => run.taskId === 'T1', 'accepted');
    run.onTaskChanged({ taskId: 'T1', status: 'SUCCESS', upstreamId: 'other' });
    expect(run.hintPending).toBe(false);
    run.onTaskChanged({ taskId: 'T1', status: 'SUCCESS', upstreamId: 'a' });
    expect(run.hintPending).toBe(true);
  });

  it('sends modal submits, cancels and captures to the owner', async () => {
    let modalSubmitted = false;
    const host: FakeHost = new FakeHost('mj-job-owner-calls', {
      ...script({ kind: 'modal', taskId: 'C1', route: route('b', { action: 'INPAINT' }) }),
      submitModal: async (i) => {
        modalSubmitted = true;
        return { taskId: i.taskId };
      },
      fetchTask: async (i) => snapshot(i.taskId, modalSubmitted ? 'SUCCESS' : 'MODAL'),
    });
    const run = new JobRun(upscale({ captureImages: true, modal: { prompt: 'a hat' } }), host);
    await settle(run.run());
    expect(host.activities.submitModal).toHaveBeenCalledWith(
      expect.objectContaining({ taskId: 'C1', upstreamId: 'b' })
    );
    expect(host.activities.captureImages).toHaveBeenCalledWith(expect.objectContaining({ upstreamId: 'b' }));
  });
});

describe('JobRun with one upstream (legacy) sends what it always did', () => {
  it('has no routed fields in any activity input, memo, progress or result', async () => {
    const s = script({ kind: 'accepted', taskId: 'T1' });
    const host = new FakeHost('mj-job-legacy', { ...s, fetchTask: async (i) => snapshot(i.taskId, 'SUCCESS') });
    // Every start path used to name a mode (the client's MJ_MODE defaulted to FAST): such a job sends what it did.
    const run = new JobRun(imagine({ mode: 'FAST' }), host);
    const result = (await settle(run.run())) as JobResult;
    expect(Object.keys(s.inputs[0]).sort()).toEqual(['mode', 'request', 'stateKey']);
    expect(host.activities.fetchTask.mock.calls.every(([i]) => Object.keys(i).join() === 'taskId')).toBe(true);
    expect(result.owner).toBeUndefined();
    expect(JSON.stringify(host.published)).not.toMatch(/owner|upstream/);
    expect(Object.keys(run.toCarry())).not.toContain('owner');
    expect(host.activities.settleRoutedSubmit).not.toHaveBeenCalled();
  });
});
