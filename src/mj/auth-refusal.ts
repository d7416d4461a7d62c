/**
 * Why a proxy refused a call with 401/403 (`MjAuthError.refusal`): our credentials (a wrong or missing key), or the
 * account behind them banned or suspended. trueai answers the latter in plain text, 401 "账号已禁用" (account
 * disabled) and 403 "账号不可用" (account unavailable) (docs/mj-contract.md §2). Matching is by case-insensitive
 * substrings of the refusal text, here only: callers branch on the typed kind, never on the message.
 */

/** One list: what a 401/403 says about the account. */
export const AUTH_REFUSALS = ['credentials', 'banned-account'] as const;
export type AuthRefusal = (typeof AUTH_REFUSALS)[number];

const BANNED_ACCOUNT = [
  '账号已禁用',
  '账号不可用',
  '账号被封',
  'account disabled',
  'account suspended',
  'account banned',
];

/** The kind of a 401/403 refusal from its text (message or body); `credentials` for anything else. */
export function classifyAuthRefusal(...texts: unknown[]): AuthRefusal {
  for (const t of texts) {
    if (typeof t !== 'string') continue;
    const lower = t.toLowerCase();
    if (BANNED_ACCOUNT.some((n) => lower.includes(n))) return 'banned-account';
  }
  return 'credentials';
}
