import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { classifySubmitFailure, upstreamTaskFailure } from '../../../src/workflows/job/failures';
import type { TaskSnapshot } from '../../../src/shared/types';

function activityFailure(cause: Error): ActivityFailure {
  return new ActivityFailure(
    'activity failed',
    'submitTask',
    '1',
    RetryState.MAXIMUM_ATTEMPTS_REACHED,
    'worker',
    cause
  );
}
function mjFailure(code: string, extra: Record<string, unknown> = {}, nonRetryable = false): ActivityFailure {
  return activityFailure(
    ApplicationFailure.create({ type: 'MjSomethingError', message: code, nonRetryable, details: [{ code, ...extra }] })
  );
}

describe('classifySubmitFailure', () => {
  it.each([
    ['MJ_QUEUE_FULL', 'back-pressure'],
    ['MJ_RATE_LIMITED', 'back-pressure'],
    ['MJ_NO_INSTANCE', 'back-pressure'],
    ['MJ_GATEWAY_UNKNOWN', 'back-pressure'],
    ['MJ_SYSTEM', 'back-pressure'],
    ['MJ_CONNECTION', 'back-pressure'],
    ['MJ_PARENT_UNAVAILABLE', 'parent-unavailable'],
    ['MJ_TASK_NOT_FOUND', 'parent-unavailable'],
    ['MJ_UPSTREAM_5XX', 'back-pressure'],
    ['MJ_TIMEOUT', 'back-pressure'],
    ['MJ_BAD_RESPONSE', 'outcome-unknown'],
    // A gateway's code 5: bounded by the job, not plain back-pressure.
    ['MJ_UPSTREAM_AUTH', 'upstream-auth'],
  ])('%s → %s', (code, kind) => {
    expect(classifySubmitFailure(mjFailure(code)).kind).toBe(kind);
  });

  it.each(['MJ_CONNECTION', 'MJ_TIMEOUT', 'MJ_UPSTREAM_5XX'])(
    'treats %s after the submit was sent as outcome unknown',
    (code) => {
      expect(classifySubmitFailure(mjFailure(code, { outcomeUnknown: true })).kind).toBe('outcome-unknown');
    }
  );

  it('carries Retry-After from the details (nextRetryDelay does not reach workflow code)', () => {
    expect(classifySubmitFailure(mjFailure('MJ_RATE_LIMITED', { retryAfterMs: 7_000 }))).toMatchObject({
      retryAfterMs: 7_000,
    });
  });

  it.each([
    ['MJ_BANNED_PROMPT', 'BannedPrompt'],
    ['MJ_VALIDATION', 'ValidationRejected'],
    ['MJ_INVALID_INPUT', 'ValidationRejected'],
    ['MJ_UNSUPPORTED', 'Unsupported'],
    ['MJ_BUTTON_NOT_FOUND', 'ButtonNotFound'],
    ['MJ_AUTH', 'AuthFailed'],
  ])('%s is terminal as %s', (code, type) => {
    expect(classifySubmitFailure(mjFailure(code, {}, true))).toMatchObject({ kind: 'terminal', type });
  });

  it('treats an activity timeout (the worker died mid-submit) as outcome unknown', () => {
    const timeout = new TimeoutFailure('heartbeat timeout', undefined, TimeoutType.HEARTBEAT);
    expect(classifySubmitFailure(activityFailure(timeout)).kind).toBe('outcome-unknown');
  });

  it('backs off on an unexpected retryable error and ends on a non-retryable one', () => {
    const retryable = activityFailure(ApplicationFailure.create({ type: 'TypeError', message: 'boom' }));
    const fatal = activityFailure(ApplicationFailure.create({ type: 'Weird', message: 'no', nonRetryable: true }));
    expect(classifySubmitFailure(retryable).kind).toBe('back-pressure');
    expect(classifySubmitFailure(fatal)).toMatchObject({ kind: 'terminal', type: 'UpstreamFailure' });
  });
});

describe('upstreamTaskFailure', () => {
  const task = { id: '17', status: 'FAILURE', failReason: '[Banned prompt detected] Sorry' } as TaskSnapshot;
  it.each([
    ['content-policy', 'ContentPolicy'],
    ['invalid-parameter', 'InvalidParameter'],
    ['invalid-link', 'InvalidLink'],
    ['timeout', 'UpstreamTimeout'],
    ['internal', 'UpstreamFailure'],
    [undefined, 'UpstreamFailure'],
  ])('failKind %s → %s', (failKind, type) => {
    const f = upstreamTaskFailure({ ...task, failKind: failKind as TaskSnapshot['failKind'] });
    expect(f).toMatchObject({ type, nonRetryable: true });
    expect(f.message).toContain('Banned prompt detected');
  });
  it('reports a CANCEL status as Cancelled', () => {
    expect(upstreamTaskFailure({ ...task, status: 'CANCEL' }).type).toBe('Cancelled');
  });
});
