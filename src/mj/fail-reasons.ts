/**
 * Classifies a FAILURE task's `failReason` (§13). The texts vary by flavour, language and MJ release, so matching is
 * by case-insensitive substrings, never exact text.
 */
import type { FailReasonKind } from './types';

// Order matters: "[Image denied] Request cancelled due to image filters" must read as content policy, not as a
// cancel, so content policy is checked first.
const RULES: ReadonlyArray<[FailReasonKind, readonly string[]]> = [
  ['content-policy', ['banned prompt', 'image denied', '可能包含敏感词', '敏感', 'moderat', 'appeal']],
  ['invalid-parameter', ['invalid parameter', 'invalid value', 'invalid form body', '参数']],
  ['invalid-link', ['invalid link']],
  // Before `timeout`: new-api's own one-hour cut-off also contains "超时" but means "refunded by the gateway".
  ['gateway-timeout', ['上游任务超时']],
  ['timeout', ['timeout', 'timed out', '超时']],
  ['cancelled', ['强制取消', '取消', 'cancel']],
  ['internal', ['internal', '系统异常', '服务异常', 'failed to process', '实例不可用']],
];

/** What kind of failure a `failReason` describes; `unknown` for empty or unrecognised text. */
export function classifyFailReason(text: string | null | undefined): FailReasonKind {
  if (!text) return 'unknown';
  const lower = text.toLowerCase();
  for (const [kind, needles] of RULES) {
    if (needles.some((n) => lower.includes(n))) return kind;
  }
  return 'unknown';
}

/**
 * True for kinds worth a resubmit (timeouts, a gateway's refunded one-hour timeout, upstream internal errors);
 * content and parameter refusals are final. Callers bound the resubmits (a gateway timeout: once).
 */
export function isRetryableFailReason(kind: FailReasonKind): boolean {
  return kind === 'timeout' || kind === 'gateway-timeout' || kind === 'internal';
}
