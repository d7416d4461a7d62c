/**
 * The job workflow where waiting is the point: poll back-off, phase deadlines, MODAL waits of a day, continue-as-new
 * of a long relax job, and the submit-exactly-once loop. A real time-skipping server runs the real workflow; the
 * upstream is a scripted fake that reads the server's skipped clock.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  MjBannedPromptError,
  MjConnectionError,
  MjParentUnavailableError,
  MjQueueFullError,
  MjRateLimitedError,
  MjServerError,
  MjTimeoutError,
  MjValidationError,
} from '../../src/mj';
import { MJ_ACTION, MJ_MODE, MJ_STATUS, MJ_TASK_ID } from '../../src/shared/search-attributes';
import { makeStateKey } from '../../src/shared/state-key';
import type { AssetRef, JobInput, JobProgress, JobResult } from '../../src/shared/types';
import { getProgressQuery, mjJobWorkflow, provideModalInputUpdate, taskChangedSignal } from '../../src/workflows';
import {
  bundleJobWorkflows,
  createJobTimeSkippingEnv,
  failingScript,
  FakeUpstream,
  historiesOfChain,
  historyLength,
  imagineScript,
  stuckScript,
  uniqueId,
  uniqueTaskQueue,
  type Scenario,
} from '../helpers/job-env';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import { JobFeedHub } from '../../src/client/job-feed-hub';
import type { JobEvent } from '../../src/shared/job-events';

jest.setTimeout(60_000);

const taskQueue = uniqueTaskQueue(__filename);
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let fake: FakeUpstream;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createJobTimeSkippingEnv(), bundleJobWorkflows()]);
  fake = new FakeUpstream(() => env.currentTimeMs());
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: fake.activities(),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const mask: AssetRef = { key: 'masks/m.png', sha256: 'b'.repeat(64), size: 100, contentType: 'image/png' };

async function start(scenario: Scenario, input: Partial<JobInput> = {}) {
  const workflowId = uniqueId();
  const log = fake.scenario(workflowId, scenario);
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue,
    workflowId,
    // As every starter of this repository does: today's paths, without patch markers.
    args: [
      { request: { kind: 'imagine', prompt: 'a red fox' }, mode: 'FAST', pathsVersion: JOB_PATHS_VERSION, ...input },
    ],
  });
  return { handle, log, workflowId };
}

/** The ApplicationFailure a failed job ended with. */
async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const isUpdateEvent = (e: {
  workflowExecutionUpdateAcceptedEventAttributes?: unknown;
  workflowExecutionUpdateRejectedEventAttributes?: unknown;
}) =>
  e.workflowExecutionUpdateAcceptedEventAttributes != null || e.workflowExecutionUpdateRejectedEventAttributes != null;

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]);

describe('polling', () => {
  it('runs an imagine of about 60 s to SUCCESS with buttons, images, search attributes and a small history', async () => {
    const { handle, log } = await start({ script: imagineScript(60_000) });
    const result: JobResult = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    expect(result.task.buttons.map((b) => b.intent.kind)).toEqual(['upscale', 'upscale', 'upscale', 'upscale']);
    expect(result.images).toHaveLength(1);
    expect(result.submits).toBe(1);
    expect(log.submits).toBe(1);
    expect(result.fetches).toBe(log.fetchTimes.length);
    expect(result.timings.finishedAt! - result.timings.submittedAt!).toBeGreaterThanOrEqual(60_000);
    // Never much later than the poll interval after success.
    expect(result.timings.finishedAt! - result.timings.submittedAt!).toBeLessThan(60_000 + 20_000 * 1.2);

    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.get(MJ_TASK_ID)).toBe(result.taskId);
    expect(sa.get(MJ_STATUS)).toBe('SUCCESS');
    expect(sa.get(MJ_ACTION)).toBe('IMAGINE');
    expect(sa.get(MJ_MODE)).toBe('FAST');

    const progress: JobProgress = await handle.query(getProgressQuery);
    expect(progress).toMatchObject({ phase: 'succeeded', status: 'SUCCESS', progressPct: 100, taskId: result.taskId });

    const events = (await handle.fetchHistory()).events ?? [];
    const biggest = Math.max(...events.map((e) => JSON.stringify(e).length));
    expect(biggest).toBeLessThan(8_000);
    expect(events.length).toBeLessThan(200);
    console.info(`history: imagine of 60 s = ${events.length} events, ${log.fetchTimes.length} fetches`);
  });

  it('backs off geometrically within jitter and resets the interval when progress moves', async () => {
    const script = (t: number) =>
      t < 120_000
        ? { status: 'SUBMITTED', progress: '0%' }
        : t < 200_000
          ? { status: 'IN_PROGRESS', progress: '15%' }
          : { status: 'SUCCESS', progress: '100%' };
    const { handle, log } = await start(
      { script },
      { policy: { initialInterval: '2s', maxInterval: '16s', backoffCoefficient: 2, jitter: 0.1 } }
    );
    await handle.result();
    const g = gaps([log.submitTimes[0], ...log.fetchTimes]);
    const expected = [2_000, 4_000, 8_000, 16_000, 16_000];
    expected.forEach((ms, i) => {
      expect(g[i]).toBeGreaterThanOrEqual(ms * 0.9 - 50);
      expect(g[i]).toBeLessThanOrEqual(ms * 1.1 + 1_000);
    });
    // The first fetch that saw IN_PROGRESS is followed by the initial interval again.
    const firstProgress = log.fetchTimes.findIndex((t) => t - log.submitTimes[0] >= 120_000);
    const after = log.fetchTimes[firstProgress + 1] - log.fetchTimes[firstProgress];
    expect(after).toBeLessThanOrEqual(2_000 * 1.1 + 1_000);
  });

  it('fails DeadlineExceeded at the queued deadline, after one last fetch', async () => {
    const { handle, log } = await start({ script: stuckScript('SUBMITTED') }, { policy: { queuedTimeout: '5m' } });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('DeadlineExceeded');
    expect(failure.details?.[0]).toMatchObject({ deadline: 'queued', status: 'SUBMITTED' });
    const last = log.fetchTimes[log.fetchTimes.length - 1];
    expect(last - log.submitTimes[0]).toBeGreaterThanOrEqual(5 * 60_000);
    expect(last - log.submitTimes[0]).toBeLessThan(5 * 60_000 + 5_000);
    expect((await handle.query(getProgressQuery)).failure?.type).toBe('DeadlineExceeded');
  });

  it('fails DeadlineExceeded when progress stalls', async () => {
    const { handle } = await start({ script: stuckScript('IN_PROGRESS', '31%') }, { policy: { stallTimeout: '3m' } });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('DeadlineExceeded');
    expect(failure.details?.[0]).toMatchObject({ deadline: 'stall', progress: '31%' });
  });

  it('keeps polling a task the proxy does not know yet, bounded by the queued deadline', async () => {
    const late = await start({ script: imagineScript(30_000), hiddenForMs: 20_000 });
    await late.handle.result();
    expect(late.log.notFound).toBeGreaterThan(1);

    const lost = await start(
      { script: imagineScript(30_000), hiddenForMs: 86_400_000 },
      { policy: { queuedTimeout: '10m' } }
    );
    const failure = await failureOf(lost.handle);
    expect(failure.type).toBe('DeadlineExceeded');
    expect(failure.details?.[0]).toMatchObject({ deadline: 'queued' });
  });

  it.each([
    ['content-policy', '[Banned prompt detected] Sorry!', 'ContentPolicy'],
    ['invalid-parameter', '[Invalid parameter] Invalid value', 'InvalidParameter'],
    ['invalid-link', '[Invalid link!] Could not read', 'InvalidLink'],
    ['timeout', '任务超时', 'UpstreamTimeout'],
    ['internal', '[Internal Server Error] oops', 'UpstreamFailure'],
  ] as const)('maps an upstream FAILURE of kind %s to %s', async (kind, reason, type) => {
    const { handle } = await start({ script: failingScript(20_000, kind, reason) });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(reason);
  });
});

describe('taskChanged signal', () => {
  it('wakes a long poll early; repeats and hints for other tasks wake nobody', async () => {
    const { handle, log } = await start(
      { script: imagineScript(10_000, 1_000) },
      { policy: { initialInterval: '5m', maxInterval: '10m' } }
    );
    await env.sleep('12s');
    const { taskId } = await handle.query(getProgressQuery);
    await handle.signal(taskChangedSignal, { taskId: 'someone-else', status: 'SUCCESS', progress: '100%' });
    await handle.signal(taskChangedSignal, { taskId: taskId!, status: 'SUCCESS', progress: '100%' });
    const result = await handle.result();
    expect(result.timings.finishedAt! - result.timings.submittedAt!).toBeLessThan(60_000);
    expect(log.fetchTimes).toHaveLength(1);
    expect((await handle.query(getProgressQuery)).wakeups).toBe(1);
  });

  it('ignores a hint that reports nothing newer than the last fetch', async () => {
    const { handle, log } = await start(
      { script: stuckScript('IN_PROGRESS', '46%') },
      { policy: { initialInterval: '1m', maxInterval: '1m', jitter: 0 } }
    );
    await env.sleep('61s');
    const { taskId, status } = await handle.query(getProgressQuery);
    expect(status).toBe('IN_PROGRESS');
    const fetches = log.fetchTimes.length;
    for (const progress of ['46%', '31%'])
      await handle.signal(taskChangedSignal, { taskId: taskId!, status: 'IN_PROGRESS', progress });
    await env.sleep('5s');
    expect(log.fetchTimes).toHaveLength(fetches);
    await handle.terminate('done');
  });
});

describe('submit exactly once', () => {
  it('backs off on queue-full and resubmits with the same state key', async () => {
    const { handle, log, workflowId } = await start({
      script: imagineScript(10_000),
      submits: [
        { fail: new MjQueueFullError('queue full', { upstreamCode: 23 }) },
        { fail: new MjQueueFullError('queue full') },
      ],
    });
    const result = await handle.result();
    expect(log.submits).toBe(3);
    expect(log.tasks).toHaveLength(1);
    expect(log.tasks[0].state).toBe(makeStateKey(workflowId, 0));
    const g = gaps(log.submitTimes);
    expect(g[0]).toBeGreaterThanOrEqual(4_500);
    expect(g[1]).toBeGreaterThanOrEqual(9_000);
    expect(result.submits).toBe(3);
  });

  it('waits as long as Retry-After says', async () => {
    const { handle, log } = await start({
      script: imagineScript(10_000),
      submits: [{ fail: new MjRateLimitedError('slow down', { status: 429, retryAfterMs: 45_000 }) }],
    });
    await handle.result();
    expect(gaps(log.submitTimes)[0]).toBeGreaterThanOrEqual(45_000 * 0.9);
  });

  it('adopts the task when a submit with an unknown outcome did create one', async () => {
    const { handle, log } = await start({
      script: imagineScript(10_000),
      submits: [{ fail: new MjServerError('HTTP 502', { status: 502, outcomeUnknown: true }), creates: true }],
    });
    const result = await handle.result();
    expect(log.submits).toBe(1);
    expect(log.finds).toBe(1);
    expect(log.tasks).toHaveLength(1);
    expect(result.taskId).toBe(log.tasks[0].id);
  });

  it('resubmits only after the lookup proved the task absent', async () => {
    const { handle, log } = await start({
      script: imagineScript(10_000),
      submits: [{ fail: new MjTimeoutError('headers timeout', 'UND_ERR_HEADERS_TIMEOUT', { outcomeUnknown: true }) }],
    });
    await handle.result();
    expect(log.submits).toBe(2);
    expect(log.finds).toBe(1);
    expect(log.tasks).toHaveLength(1);
  });

  it('does not resubmit blindly where the proxy cannot be searched (at-most-once)', async () => {
    const { handle, log } = await start({
      script: imagineScript(10_000),
      listable: false,
      submits: [{ fail: new MjConnectionError('socket reset', 'ECONNRESET', { outcomeUnknown: true }) }],
    });
    const failure = await failureOf(handle);
    expect(failure.type).toBe('SubmitOutcomeUnknown');
    expect(log.submits).toBe(1);
  });

  it('resubmits where the proxy cannot be searched when the caller chose at-least-once', async () => {
    const { handle, log } = await start(
      {
        script: imagineScript(10_000),
        listable: false,
        submits: [{ fail: new MjConnectionError('socket reset', 'ECONNRESET', { outcomeUnknown: true }) }],
      },
      { submitPolicy: 'at-least-once' }
    );
    await handle.result();
    expect(log.submits).toBe(2);
  });

  it('gives up on a parent that stays unavailable after three retries', async () => {
    const parentGone = () => ({ fail: new MjParentUnavailableError('关联任务不存在或已失效', { upstreamCode: 3 }) });
    const { handle, log } = await start(
      { script: imagineScript(10_000), submits: [parentGone(), parentGone(), parentGone(), parentGone()] },
      { request: { kind: 'action', parentTaskId: '1', intent: { kind: 'upscale', index: 2 } } }
    );
    const failure = await failureOf(handle);
    expect(failure.type).toBe('ParentUnavailable');
    expect(log.submits).toBe(4);
  });

  it('ends at once on a banned prompt, and on a validation rejection', async () => {
    const banned = await start({
      script: imagineScript(),
      submits: [{ fail: new MjBannedPromptError('banned', { upstreamCode: 24 }) }],
    });
    expect((await failureOf(banned.handle)).type).toBe('BannedPrompt');
    const invalid = await start({ script: imagineScript(), submits: [{ fail: new MjValidationError('bad --ar') }] });
    expect((await failureOf(invalid.handle)).type).toBe('ValidationRejected');
    expect(banned.log.submits + invalid.log.submits).toBe(2);
  });
});

describe('MODAL', () => {
  const varyRegion: Partial<JobInput> = {
    request: { kind: 'action', parentTaskId: '1', intent: { kind: 'vary-region' } },
    policy: { modalTimeout: '3d' },
  };

  it('waits a simulated day for input before pressing anything, rejects bad input without history, then completes', async () => {
    const { handle, log } = await start({ script: imagineScript(30_000), submits: [{ ok: 'modal' }] }, varyRegion);
    await env.sleep('1d');
    const waiting = await handle.query(getProgressQuery);
    // Vary (Region) always needs input: the job asks first and the upstream has seen nothing yet.
    expect(waiting.phase).toBe('waiting-input');
    expect(log.submits).toBe(0);
    expect(waiting.waitingFor).toMatchObject({ kind: 'modal', needs: ['prompt', 'mask'] });
    expect(waiting.waitingFor?.taskId).toBeUndefined();
    expect(waiting.waitingFor!.expiresAt! - waiting.timings.modalSince!).toBe(3 * 86_400_000);

    for (const bad of [
      { prompt: 'add a hat' },
      { prompt: '', mask },
      { prompt: 'p', mask: { ...mask, contentType: 'image/jpeg' } },
    ]) {
      await expect(handle.executeUpdate(provideModalInputUpdate, { args: [bad] })).rejects.toBeInstanceOf(
        WorkflowUpdateFailedError
      );
    }
    // The time-skipping server records a workflow task per rejected update (the dev server records nothing, see
    // job-dev-server.test.ts); neither records the update or its input.
    const rejectedEvents = (await handle.fetchHistory()).events ?? [];
    expect(rejectedEvents.filter(isUpdateEvent)).toEqual([]);
    expect(JSON.stringify(rejectedEvents)).not.toContain('image/jpeg');

    const ack = await handle.executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'add a hat', mask }] });
    expect(ack).toEqual({ taskId: log.tasks[0].id, accepted: true });
    expect(log.modals).toEqual([{ prompt: 'add a hat', mask }]);
    expect(log.submits).toBe(1);
    const result = await handle.result();
    expect(result.task.status).toBe('SUCCESS');
    // A day in MODAL does not count against the 2 h total deadline.
    expect(result.timings.modalSince).toBeDefined();
    const events = await historyLength(handle);
    expect(events).toBeLessThan(150);
    console.info(
      `history: MODAL parked for a day, then 30 s of work = ${events} events, ${log.fetchTimes.length} fetches`
    );
  });

  it('reports an upstream rejection of the modal input on the update and keeps waiting', async () => {
    const { handle, log } = await start(
      {
        script: imagineScript(10_000),
        submits: [{ ok: 'modal' }],
        modalFailures: [new MjValidationError('prompt too short')],
      },
      { request: { kind: 'action', parentTaskId: '1', intent: { kind: 'variation', index: 1 } } }
    );
    await env.sleep('1m');
    const err = await handle
      .executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('ValidationRejected');
    expect((await handle.query(getProgressQuery)).phase).toBe('waiting-modal');
    await handle.executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a longer prompt' }] });
    await handle.result();
    expect(log.modals).toHaveLength(2);
  });

  it('uses pre-supplied modal input at once', async () => {
    const { handle, log } = await start(
      { script: imagineScript(10_000), submits: [{ ok: 'modal' }] },
      { ...varyRegion, modal: { prompt: 'add a hat', mask } }
    );
    await handle.result();
    expect(log.modals).toEqual([{ prompt: 'add a hat', mask }]);
  });

  it('ends with ModalExpired when nobody answers in time', async () => {
    const { handle } = await start(
      { script: imagineScript(), submits: [{ ok: 'modal' }] },
      { policy: { modalTimeout: '2h' } }
    );
    const failure = await failureOf(handle);
    expect(failure.type).toBe('ModalExpired');
  });

  it('refuses modal input while the job is not waiting for it', async () => {
    const { handle } = await start({ script: stuckScript('SUBMITTED') });
    await env.sleep('10s');
    const err = await handle
      .executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'p' }] })
      .catch((e: unknown) => e);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('NotWaitingForModalInput');
    await handle.terminate('done');
  });
});

describe('continue-as-new', () => {
  it('keeps every run of a one-hour relax job below the history threshold and carries the counters', async () => {
    const { handle, log, workflowId } = await start(
      { script: imagineScript(3_600_000, 1_800_000) },
      { mode: 'RELAX', policy: { maxInterval: '20s' }, continueAsNewAfterEvents: 200 }
    );
    const result = await handle.result();
    const runs = await historiesOfChain(env.client, workflowId, handle.firstExecutionRunId);
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs) expect(run.length).toBeLessThan(200 + 30);
    expect(result.fetches).toBe(log.fetchTimes.length);
    expect(result.submits).toBe(1);
    expect(log.submits).toBe(1);

    // The job's event feed, read from the histories of every run: each memo the job published is one event, seqs
    // 1..n across the runs; a reader resuming in a later run gets exactly the rest.
    const upserts = runs.flat().filter((e) => e.workflowPropertiesModifiedEventAttributes?.upsertedMemo).length;
    const hub = new JobFeedHub(env.client);
    const feed: JobEvent[] = [];
    for await (const e of hub.events(workflowId)) feed.push(e);
    expect(feed.map((e) => e.seq)).toEqual(Array.from({ length: upserts }, (_, i) => i + 1));
    expect(feed[feed.length - 1]!.memo.phase).toBe('succeeded');
    const lastRunBase =
      upserts - runs[runs.length - 1]!.filter((e) => e.workflowPropertiesModifiedEventAttributes?.upsertedMemo).length;
    const after = lastRunBase - 1;
    const rest: JobEvent[] = [];
    for await (const e of hub.events(workflowId, { after })) rest.push(e);
    expect(rest).toEqual(feed.slice(after));
    await hub.close();
  });

  it('measures a one-hour relax job under the default RELAX policy', async () => {
    const { handle, log } = await start({ script: imagineScript(3_600_000, 1_800_000) }, { mode: 'RELAX' });
    await handle.result();
    const events = await historyLength(handle);
    expect(events).toBeLessThan(1_000);
    console.info(`history: relax job of 1 h = ${events} events, ${log.fetchTimes.length} fetches`);
  });
});

describe('cancellation', () => {
  it('stops polling, cancels the upstream task and records the outcome', async () => {
    const { handle, log } = await start({ script: stuckScript('IN_PROGRESS', '15%'), cancelSupported: true });
    await env.sleep('30s');
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(log.cancels).toEqual([log.tasks[0].id]);
    const progress = await handle.query(getProgressQuery);
    expect(progress).toMatchObject({ phase: 'cancelled', upstreamCancel: { cancelled: true } });
  });

  it('records that the flavour cannot cancel', async () => {
    const { handle } = await start({ script: stuckScript('SUBMITTED') });
    await env.sleep('10s');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    expect((await handle.query(getProgressQuery)).upstreamCancel).toMatchObject({
      cancelled: false,
      reason: expect.stringMatching(/no cancel/),
    });
  });
});
