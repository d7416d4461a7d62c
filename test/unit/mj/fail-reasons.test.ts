import { classifyFailReason, type FailReasonKind, isRetryableFailReason } from '../../../src/mj';

describe('classifyFailReason (§13)', () => {
  const examples: Array<[string, FailReasonKind]> = [
    // N: "[<title>] <description>" embeds and plain texts.
    ['[Invalid parameter] Invalid value', 'invalid-parameter'],
    ['Invalid Form Body', 'invalid-parameter'],
    ['任务超时', 'timeout'],
    ['[Internal Server Error] something broke', 'internal'],
    ['Failed to process your command', 'internal'],
    // T: "<title>, <description>" and its own texts.
    ['Invalid parameter, Unrecognized parameter(s): `--foo`', 'invalid-parameter'],
    ['执行超时 5 分钟', 'timeout'],
    ['任务提交超时', 'timeout'],
    ['可能包含敏感词', 'content-policy'],
    ['实例不可用', 'internal'],
    ['未找到父级任务', 'unknown'],
    ['超时，未找到消息', 'timeout'],
    ['取消任务', 'cancelled'],
    ['服务异常，请稍后重试', 'internal'],
    ['强制取消', 'cancelled'],
    [
      'Banned prompt detected, Sorry! Our AI moderator thinks this prompt is probably against our community standards.',
      'content-policy',
    ],
    ['Image denied, Request cancelled due to image filters', 'content-policy'],
    // Provider list (TTAPI FAQ).
    ['[Banned prompt detected] Sorry! Our AI moderator thinks this...', 'content-policy'],
    ['[Image denied] Request cancelled due to image filters...', 'content-policy'],
    ['Failed to process your command...', 'internal'],
    ['[Internal error] Something went wrong...', 'internal'],
    ['[Invalid link!] Could not fetch the image', 'invalid-link'],
    ['[Invalid parameter] Invalid value for --ar', 'invalid-parameter'],
    // Other wordings of the same kinds.
    ['Action needed to continue: Appeal', 'content-policy'],
    ['The AI moderation flagged this', 'content-policy'],
    ['提示词包含敏感内容', 'content-policy'],
    ['参数错误', 'invalid-parameter'],
    ['Request timed out', 'timeout'],
    ['upstream TIMEOUT', 'timeout'],
    ['Job was cancelled', 'cancelled'],
    ['提交失败，系统异常', 'internal'],
    ["Turbo mode isn't supported for video jobs", 'unknown'],
    // new-api's own one-hour cut-off (controller/midjourney.go): refunded by the gateway, not MidJourney's timeout.
    ['上游任务超时（超过1小时）', 'gateway-timeout'],
  ];

  test.each(examples)('%j → %s', (text, kind) => {
    expect(classifyFailReason(text)).toBe(kind);
  });

  test('empty input is unknown', () => {
    expect(classifyFailReason(null)).toBe('unknown');
    expect(classifyFailReason(undefined)).toBe('unknown');
    expect(classifyFailReason('')).toBe('unknown');
  });

  test('content policy wins over cancel ("Request cancelled due to image filters")', () => {
    expect(classifyFailReason('Request cancelled due to image filters, image denied')).toBe('content-policy');
  });

  test('only timeouts and internal failures are worth a resubmit', () => {
    const all: FailReasonKind[] = [
      'content-policy',
      'invalid-parameter',
      'invalid-link',
      'gateway-timeout',
      'timeout',
      'cancelled',
      'internal',
      'unknown',
    ];
    expect(all.filter(isRetryableFailReason)).toEqual(['gateway-timeout', 'timeout', 'internal']);
  });
});
