import {
  errorFromRejection,
  MjBannedPromptError,
  MjGatewayError,
  MjNoInstanceError,
  MjParentUnavailableError,
  MjQueueFullError,
  MjRateLimitedError,
  MjResponseError,
  MjSystemError,
  MjTaskNotFoundError,
  MjUnsupportedError,
  MjUpstreamAuthError,
  MjValidationError,
  parseSubmitResponse,
  type RejectReason,
  type SubmitOutcome,
} from '../../../src/mj';
import { loadFixture } from './support';

type Rejected = Extract<SubmitOutcome, { kind: 'rejected' }>;

function rejectedOf(body: unknown, status?: number): Rejected {
  const outcome = parseSubmitResponse(body, status);
  if (outcome.kind !== 'rejected') throw new Error(`expected a rejection, got ${outcome.kind}`);
  return outcome;
}

describe('success codes (§3, §4)', () => {
  test('code 1 → accepted, with the task id as a string even when result is a number', () => {
    expect(parseSubmitResponse(loadFixture('n-submit-success.json'))).toEqual({
      kind: 'accepted',
      taskId: '8498455807619990',
      description: '成功',
    });
    expect(parseSubmitResponse(loadFixture('g-submit-numeric-result.json'))).toEqual({
      kind: 'accepted',
      taskId: '1320098173412546',
      description: 'Submission succeeded',
    });
  });

  test('code 1 with a string[] result → uploaded', () => {
    const urls = [
      'https://cdn.discordapp.com/attachments/1/2/a.jpg',
      'https://cdn.discordapp.com/attachments/1/3/b.jpg',
    ];
    expect(parseSubmitResponse({ code: 1, description: 'success', result: urls })).toEqual({
      kind: 'uploaded',
      urls,
      description: 'success',
    });
  });

  test('code 22 → queued, ahead from properties.numberOfQueues', () => {
    expect(parseSubmitResponse(loadFixture('n-submit-queued.json'))).toEqual({
      kind: 'queued',
      taskId: '0741798445574458',
      ahead: 1,
      description: '排队中，前面还有1个任务',
    });
  });

  test('code 22 → queued, ahead parsed from the description when properties lack it', () => {
    const outcome = parseSubmitResponse({
      code: 22,
      description: '排队中，前面还有7个任务',
      result: '1',
      properties: {},
    });
    expect(outcome).toMatchObject({ kind: 'queued', ahead: 7 });
    expect(parseSubmitResponse({ code: 22, description: 'queued', result: '1' })).toMatchObject({ ahead: null });
  });

  test('code 21 with remix / "Waiting for window confirm" / finalPrompt → modal (P, T)', () => {
    const t = {
      code: 21,
      description: 'Waiting for window confirm',
      result: '1748339029401999',
      properties: { finalPrompt: 'a fox --v 7', remix: true },
    };
    expect(parseSubmitResponse(t)).toEqual({
      kind: 'modal',
      taskId: '1748339029401999',
      finalPrompt: 'a fox --v 7',
      description: 'Waiting for window confirm',
    });
    expect(parseSubmitResponse({ code: 21, description: 'x', result: '2', properties: { remix: true } })).toMatchObject(
      { kind: 'modal', finalPrompt: null }
    );
    expect(
      parseSubmitResponse({ code: 21, description: 'x', result: '3', properties: { finalPrompt: 'p' } })
    ).toMatchObject({ kind: 'modal' });
    expect(parseSubmitResponse({ code: 21, description: 'Waiting for window confirm', result: '4' })).toMatchObject({
      kind: 'modal',
    });
  });

  test('code 21 in P\'s documented form ("窗口等待", no properties) → modal', () => {
    expect(parseSubmitResponse(loadFixture('p-submit-modal.json'))).toEqual({
      kind: 'modal',
      taskId: '14001929738841620',
      finalPrompt: null,
      description: '窗口等待',
    });
  });

  test('code 21 in N legacy form → existed with status and imageUrl', () => {
    expect(parseSubmitResponse(loadFixture('n-submit-existed.json'))).toEqual({
      kind: 'existed',
      taskId: '0741798445574458',
      status: 'SUCCESS',
      imageUrl: 'https://xxxx',
      description: '任务已存在',
    });
  });

  test('a success code without a task id is a bad response', () => {
    expect(() => parseSubmitResponse({ code: 1, description: 'ok' })).toThrow(MjResponseError);
    expect(() => parseSubmitResponse({ code: 22, description: 'ok', result: '' })).toThrow(/without a task id/);
  });
});

describe('rejections (§4)', () => {
  const rows: Array<[string, unknown, number | undefined, RejectReason, boolean]> = [
    ['23 queue full (N)', loadFixture('n-submit-queue-full.json'), 200, 'queue-full', true],
    ['9 队列已满 (T)', { code: 9, description: '提交失败，队列已满，请稍后重试' }, 200, 'queue-full', true],
    ['24 banned prompt', loadFixture('n-submit-banned.json'), 200, 'banned-prompt', false],
    ['4 validation', { code: 4, description: 'base64List参数错误' }, 200, 'validation', false],
    ['4 unknown action', { code: 4, description: '未知的 Action 类型' }, 200, 'validation', false],
    ['4 关联任务状态错误', { code: 4, description: '关联任务状态错误' }, 200, 'parent-unavailable', true],
    ['3 无可用的账号实例', { code: 3, description: '无可用的账号实例' }, 200, 'no-instance', true],
    [
      '3 关联任务不存在或已失效 (T, 404)',
      { code: 3, description: '关联任务不存在或已失效' },
      404,
      'parent-unavailable',
      true,
    ],
    [
      '3 关联任务不存在或已失效 (N, 200)',
      { code: 3, description: '关联任务不存在或已失效' },
      200,
      'parent-unavailable',
      true,
    ],
    ['3 with an unrecognised text but HTTP 404', { code: 3, description: 'gone' }, 404, 'parent-unavailable', true],
    ['3 账号不可用', { code: 3, description: '账号不可用: 1118138338562560102' }, 200, 'validation', false],
    ['9 不支持', { code: 9, description: '当前账号不支持编辑/重绘任务' }, 200, 'unsupported', false],
    ['9 system', { code: 9, description: '提交失败，系统异常' }, 200, 'system', true],
    ['5 gateway unknown (G)', { code: 5, description: 'do_request_failed' }, 200, 'system', true],
    ['HTTP 401', '', 401, 'auth', false],
    ['HTTP 403 未登录 (T)', '未登录', 403, 'auth', false],
    ['HTTP 429', '', 429, 'rate-limited', true],
    ['HTTP 404 without a body', '', 404, 'parent-unavailable', true],
    [
      'T envelope 服务暂不可用',
      { success: false, code: -1, message: '服务暂不可用', timestamp: '638' },
      200,
      'system',
      true,
    ],
    [
      'T envelope other logic error',
      { success: false, code: -1, message: 'state 超出长度', timestamp: '638' },
      200,
      'validation',
      false,
    ],
    ['T 500 操作失败', { success: false, message: '操作失败' }, 500, 'system', true],
    [
      'G envelope code 4 task_no_found',
      { description: 'task_no_found ', type: 'upstream_error', code: 4 },
      400,
      'not-found',
      true,
    ],
    [
      'G envelope code 4 task_not_found',
      { description: 'task_not_found ', type: 'upstream_error', code: 4 },
      400,
      'not-found',
      true,
    ],
    [
      'G envelope code 4 quota',
      { description: 'quota_not_enough ', type: 'upstream_error', code: 4 },
      400,
      'validation',
      false,
    ],
    [
      'G envelope code 30',
      { description: 'busy 当前分组负载已饱和', type: 'upstream_error', code: 30 },
      429,
      'rate-limited',
      true,
    ],
    ['G envelope code 5', { description: 'do_request_failed ', type: 'upstream_error', code: 5 }, 400, 'system', true],
    [
      'G envelope code 24',
      { description: '可能包含敏感词 ', type: 'upstream_error', code: 24 },
      400,
      'banned-prompt',
      false,
    ],
    ['G envelope code 23', { description: '队列已满 ', type: 'upstream_error', code: 23 }, 400, 'queue-full', true],
  ];

  test.each(rows)('%s', (_name, body, status, reason, retryable) => {
    const outcome = rejectedOf(body, status);
    expect(outcome.reason).toBe(reason);
    expect(outcome.retryable).toBe(retryable);
  });

  test('the rejection keeps the upstream code and description', () => {
    expect(rejectedOf(loadFixture('n-submit-queue-full.json'))).toEqual({
      kind: 'rejected',
      code: 23,
      reason: 'queue-full',
      retryable: true,
      message: '队列已满，请稍后尝试',
    });
    expect(rejectedOf({ success: false, code: -1, message: '服务暂不可用' })).toMatchObject({
      code: -1,
      message: '服务暂不可用',
    });
  });

  test('a 2xx body of no known shape is a bad response', () => {
    expect(() => parseSubmitResponse({ hello: 'world' }, 200)).toThrow(MjResponseError);
    expect(() => parseSubmitResponse('<html>oops</html>', 200)).toThrow(/non-JSON/);
    expect(() => parseSubmitResponse(undefined)).toThrow(/empty body/);
  });
});

describe('errorFromRejection', () => {
  const cases: Array<[Rejected, new (...args: never[]) => Error, string]> = [
    [rejectedOf({ code: 23, description: 'full' }), MjQueueFullError, 'MJ_QUEUE_FULL'],
    [rejectedOf({ code: 24, description: 'banned' }), MjBannedPromptError, 'MJ_BANNED_PROMPT'],
    [rejectedOf({ code: 4, description: 'bad' }), MjValidationError, 'MJ_VALIDATION'],
    [
      rejectedOf({ description: 'task_no_found ', type: 'upstream_error', code: 4 }, 400),
      MjTaskNotFoundError,
      'MJ_TASK_NOT_FOUND',
    ],
    [rejectedOf({ code: 3, description: '无可用的账号实例' }), MjNoInstanceError, 'MJ_NO_INSTANCE'],
    [
      rejectedOf({ code: 3, description: '关联任务不存在或已失效' }, 404),
      MjParentUnavailableError,
      'MJ_PARENT_UNAVAILABLE',
    ],
    [rejectedOf('', 429), MjRateLimitedError, 'MJ_RATE_LIMITED'],
    [rejectedOf({ code: 9, description: '不支持' }), MjUnsupportedError, 'MJ_UNSUPPORTED'],
    [rejectedOf({ code: 9, description: '提交失败，系统异常' }), MjSystemError, 'MJ_SYSTEM'],
    [rejectedOf({ code: 5, description: 'do_request_failed' }), MjGatewayError, 'MJ_GATEWAY_UNKNOWN'],
  ];

  test.each(cases.map(([o, cls, code]) => [o.reason, o, cls, code] as const))('%s → %p', (_r, outcome, cls, code) => {
    const err = errorFromRejection(outcome, '/mj/submit/imagine?x=1', { status: 200, taskId: '42' });
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(outcome.retryable);
    expect(err.endpoint).toBe('/mj/submit/imagine');
    expect(err.message).not.toContain('\n');
  });

  test('carries the banned word and Retry-After', () => {
    const banned = errorFromRejection(rejectedOf(loadFixture('n-submit-banned.json')), undefined, {
      bannedWord: 'nude',
    });
    expect(banned).toBeInstanceOf(MjBannedPromptError);
    expect((banned as MjBannedPromptError).bannedWord).toBe('nude');
    expect(banned.upstreamCode).toBe(24);
    const limited = errorFromRejection(rejectedOf('', 429), '/mj/submit/imagine', { status: 429, retryAfterMs: 5000 });
    expect(limited.retryAfterMs).toBe(5000);
    expect(limited.upstreamCode).toBeUndefined();
    expect(limited.message).toContain('HTTP 429');
  });
});

describe("new-api's middleware envelope and code 5", () => {
  const envelope = (message: string) => ({ error: { message, type: 'new_api_error' } });

  test.each<[number, string, RejectReason, boolean]>([
    [401, '无效的令牌', 'auth', false],
    [400, '无效的请求, unknown_action:MJ::JOB::animate_high::1::x::SOLO', 'validation', false],
    [400, '无效的请求, custom_id_is_required', 'validation', false],
    [503, '当前分组 default 下对于模型 mj_imagine 无可用渠道', 'no-instance', true],
    [429, 'rate limited', 'rate-limited', true],
    [500, 'boom', 'system', true],
  ])('HTTP %i %j → %s', (status, message, reason, retryable) => {
    expect(parseSubmitResponse(envelope(message), status)).toMatchObject({
      kind: 'rejected',
      reason,
      retryable,
      message,
    });
  });

  test('the envelope maps to typed errors, not MJ_BAD_RESPONSE', () => {
    const reject = (status: number, message: string) =>
      errorFromRejection(parseSubmitResponse(envelope(message), status) as Rejected, '/mj/submit/action', { status });
    expect(reject(400, 'unknown_action:x').code).toBe('MJ_VALIDATION');
    expect(reject(401, '无效的令牌').code).toBe('MJ_AUTH');
    const none = reject(503, '无可用渠道');
    expect(none).toBeInstanceOf(MjNoInstanceError);
    expect(none.retryable).toBe(true);
  });

  test('code 5 unmarshal_response_body_failed is an upstream-auth error that says to check the upstream key', () => {
    const body = { code: 5, description: 'unmarshal_response_body_failed ', type: 'upstream_error' };
    const outcome = parseSubmitResponse(body, 400) as Rejected;
    expect(outcome).toMatchObject({ reason: 'upstream-auth', retryable: true, code: 5 });
    const err = errorFromRejection(outcome, '/mj/submit/imagine', { status: 400 });
    expect(err).toBeInstanceOf(MjUpstreamAuthError);
    expect(err.code).toBe('MJ_UPSTREAM_AUTH');
    expect(err.message).toMatch(/check the upstream key/);
    // Other code-5 answers stay the gateway's own transport failure.
    const other = parseSubmitResponse({ code: 5, description: 'do_request_failed ', type: 'upstream_error' }, 500);
    expect(errorFromRejection(other as Rejected).code).toBe('MJ_GATEWAY_UNKNOWN');
  });
});
