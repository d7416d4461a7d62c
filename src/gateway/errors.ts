/**
 * Answers the gateway gives instead of a result, each with the proxy `code` real clients act on
 * (docs/mj-clients.md §4): 4 for bad input and unknown tasks, 24 for a banned prompt, 23 for "nothing was created,
 * try later" (rate limits, caps), 9 for a transient failure on our side. Code 3 is never used (new-api disables a
 * whole channel on it) and 22 never (our own queueing is not the caller's business).
 */
export type GatewayErrorCode = 4 | 9 | 23 | 24;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    /** HTTP status. */
    readonly status: number,
    readonly code: GatewayErrorCode,
    message: string,
    readonly extra: {
      field?: string;
      rule?: string;
      retryAfterSec?: number;
      /** More of the rule for the answer's `properties` (e.g. the budget that refused). */
      properties?: Record<string, unknown>;
    } = {}
  ) {
    super(message);
  }
}

/** Bad input: HTTP 400, code 4, the description names the field. */
export function badInput(field: string, rule: string): GatewayError {
  return new GatewayError(400, 4, `${field} ${rule}`, { field, rule });
}

/** An unknown task id, or another tenant's (answered identically). */
export function taskNotFound(field = 'taskId'): GatewayError {
  return new GatewayError(404, 4, 'task not found', { field, rule: 'exists' });
}

export function unauthorized(): GatewayError {
  return new GatewayError(401, 4, 'invalid or missing API key (mj-api-secret or Authorization header)', {
    field: 'mj-api-secret',
    rule: 'valid-key',
  });
}

export function tooMany(what: string, retryAfterSec: number, rule = 'rate-limit'): GatewayError {
  return new GatewayError(429, 23, `${what}; retry after ${retryAfterSec} s`, {
    rule,
    retryAfterSec,
  });
}
