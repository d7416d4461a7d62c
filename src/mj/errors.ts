/**
 * The only errors `src/mj` throws (besides a caller's own abort reason). One class per condition, a stable `code`,
 * a `retryable` verdict and a redacted, bounded context, so the activity layer can map them to `ApplicationFailure`
 * in one place and workflows can match on `code`/`name` strings.
 */
import type { RejectReason, SubmitOutcome } from './types';
import { classifyAuthRefusal, type AuthRefusal } from './auth-refusal';

/** Every stable error code of this module; match on these, not on `instanceof`. */
export type MjErrorCode =
  | 'MJ_INVALID_INPUT'
  | 'MJ_AUTH'
  | 'MJ_TASK_NOT_FOUND'
  | 'MJ_VALIDATION'
  | 'MJ_QUEUE_FULL'
  | 'MJ_BANNED_PROMPT'
  | 'MJ_NO_INSTANCE'
  | 'MJ_PARENT_UNAVAILABLE'
  | 'MJ_RATE_LIMITED'
  | 'MJ_GATEWAY_UNKNOWN'
  | 'MJ_UPSTREAM_AUTH'
  | 'MJ_UNSUPPORTED'
  | 'MJ_SYSTEM'
  | 'MJ_UPSTREAM_5XX'
  | 'MJ_CONNECTION'
  | 'MJ_TIMEOUT'
  | 'MJ_BAD_RESPONSE'
  | 'MJ_BUTTON_NOT_FOUND';

/** Context an error may carry. None of it may hold a secret or a request body. */
export interface MjErrorDetails {
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** The proxy's own `code` (§4), when the body had one. */
  upstreamCode?: number;
  /** How long the server asked us to wait (Retry-After). @unit milliseconds */
  retryAfterMs?: number;
  /** Request path only: never the query string, never headers. */
  endpoint?: string;
  /** True when a submit may have been accepted upstream despite this error. @default false */
  outcomeUnknown?: boolean;
  /** The response body; truncated to 1 KB on the way in, never copied into the message. */
  body?: unknown;
  /** The underlying error (transport failures). */
  cause?: unknown;
}

/** Upper bound of a response body kept on an error. @unit bytes */
export const MAX_ERROR_BODY_BYTES = 1024;

const MJ_ERROR_MARK = Symbol.for('mj.error');

/** Truncates text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes = MAX_ERROR_BODY_BYTES): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  const ellipsis = '…';
  const budget = maxBytes - Buffer.byteLength(ellipsis);
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    bytes += size;
    out += ch;
  }
  return out + ellipsis;
}

function boundBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = JSON.stringify(body) ?? String(body);
    } catch {
      text = String(body);
    }
  }
  return text === '' ? undefined : truncateUtf8(text);
}

/** Collapses upstream text to one short line, because it ends up in messages that Temporal persists. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Root of every error thrown by `src/mj`. */
export abstract class MjError extends Error {
  abstract override readonly name: string;
  /** Stable machine-readable condition. */
  abstract readonly code: MjErrorCode;
  /** Whether repeating the same call later can succeed; Temporal's retry policy acts on it. */
  abstract readonly retryable: boolean;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  /** The proxy's `code` field (§4). */
  readonly upstreamCode?: number;
  /** Server-requested wait before retrying. @unit milliseconds */
  readonly retryAfterMs?: number;
  /** Request path (no query, no headers). */
  readonly endpoint?: string;
  /** True when a submit may have created a task upstream although this error was thrown (reconcile by `state`). */
  readonly outcomeUnknown: boolean;
  /** The response body, truncated to 1 KB. */
  readonly body?: string;

  protected constructor(message: string, details: MjErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.status !== undefined) this.status = details.status;
    if (details.upstreamCode !== undefined) this.upstreamCode = details.upstreamCode;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.endpoint !== undefined) this.endpoint = stripQuery(details.endpoint);
    this.outcomeUnknown = details.outcomeUnknown ?? false;
    const body = boundBody(details.body);
    if (body !== undefined) this.body = body;
    Object.defineProperty(this, MJ_ERROR_MARK, { value: true });
  }

  /** A redacted, bounded view, safe to log or to put into failure details. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key === 'cause' || value === undefined) continue;
      out[key] = value;
    }
    out.name = this.name;
    out.message = this.message;
    return out;
  }
}

function stripQuery(endpoint: string): string {
  const cut = endpoint.search(/[?#]/);
  return cut < 0 ? endpoint : endpoint.slice(0, cut);
}

function at(endpoint: string | undefined): string {
  return endpoint ? `${stripQuery(endpoint)}: ` : '';
}

/** True for any error of this module, even one created by another copy of it (checks a `Symbol.for` marker). */
export function isMjError(e: unknown): e is MjError {
  if (typeof e !== 'object' || e === null) return false;
  if ((e as Record<symbol, unknown>)[MJ_ERROR_MARK] === true) return true;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return typeof name === 'string' && /^Mj\w+Error$/.test(name) && typeof code === 'string' && code.startsWith('MJ_');
}

/** Thrown when a request built by the caller breaks the contract (§2); nothing was sent. */
export class MjInputError extends MjError {
  override readonly name = 'MjInputError' as const;
  readonly code = 'MJ_INVALID_INPUT' as const;
  readonly retryable = false;

  /**
   * @param field path of the offending field, e.g. `base64Array` or `base64Array[1]`
   * @param rule what the field must satisfy, phrased to follow the field name
   * @param context the operation, e.g. `blend`, prefixed to the message
   */
  constructor(
    readonly field: string,
    readonly rule: string,
    context?: string
  ) {
    super(`${context ? `${context}: ` : ''}${field} ${rule}`);
  }
}

/**
 * A prompt whose parameters MidJourney refuses (src/mj/params): `param` as written (`--oref`), `paramRule` the
 * rule's stable id (`oref-version`, `chaos-range`, …) and `source` the documentation page it comes from. The field is
 * the prompt's; `code` stays `MJ_INVALID_INPUT`, so every door that answers bad input answers this one too.
 */
export class MjPromptParamError extends MjInputError {
  constructor(
    field: string,
    readonly param: string,
    readonly paramRule: string,
    says: string,
    readonly source: string
  ) {
    super(field, `parameter ${says} [${paramRule}; ${source}]`);
  }
}

/**
 * Thrown when the proxy refuses our credentials (HTTP 401/403). `refusal` says whether the key is wrong or the account
 * behind it is banned or suspended (see {@link classifyAuthRefusal}).
 */
export class MjAuthError extends MjError {
  override readonly name = 'MjAuthError' as const;
  readonly code = 'MJ_AUTH' as const;
  readonly retryable = false;
  readonly refusal: AuthRefusal;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
    this.refusal = classifyAuthRefusal(message, details?.body);
  }
}

/**
 * Thrown when the proxy does not know a task id (N: empty 200, T: 204, G: 400 code 4 `task_no_found`, or 404).
 * Retryable because a fetch right after submit can race the proxy's store (§14.6); callers bound the retries.
 */
export class MjTaskNotFoundError extends MjError {
  override readonly name = 'MjTaskNotFoundError' as const;
  readonly code = 'MJ_TASK_NOT_FOUND' as const;
  readonly retryable = true;

  constructor(
    readonly taskId: string | null,
    details: MjErrorDetails = {}
  ) {
    super(`${at(details.endpoint)}task ${taskId ?? '(unknown id)'} not found upstream`, details);
  }
}

/** Thrown when the proxy rejects a request as invalid (code 4 and similar); resubmitting the same input won't help. */
export class MjValidationError extends MjError {
  override readonly name = 'MjValidationError' as const;
  readonly code = 'MJ_VALIDATION' as const;
  readonly retryable = false;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the proxy's queue is full (N code 23, T code 9 "队列已满"); no task was created. */
export class MjQueueFullError extends MjError {
  override readonly name = 'MjQueueFullError' as const;
  readonly code = 'MJ_QUEUE_FULL' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the proxy refuses the prompt at submit time (code 24). */
export class MjBannedPromptError extends MjError {
  override readonly name = 'MjBannedPromptError' as const;
  readonly code = 'MJ_BANNED_PROMPT' as const;
  readonly retryable = false;
  /** The word the proxy flagged (`properties.bannedWord`), when it said. */
  readonly bannedWord?: string;

  constructor(message: string, details: MjErrorDetails & { bannedWord?: string } = {}) {
    super(message, details);
    if (details.bannedWord) this.bannedWord = details.bannedWord;
  }
}

/** Thrown when the proxy has no usable account instance (code 3 "无可用的账号实例"). */
export class MjNoInstanceError extends MjError {
  override readonly name = 'MjNoInstanceError' as const;
  readonly code = 'MJ_NO_INSTANCE' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/**
 * Thrown when the parent task of an action is missing or not ready (code 3 "关联任务不存在或已失效", HTTP 404,
 * code 4 "关联任务状态错误"). Retryable because both show up transiently right after a SUCCESS (§14.7).
 */
export class MjParentUnavailableError extends MjError {
  override readonly name = 'MjParentUnavailableError' as const;
  readonly code = 'MJ_PARENT_UNAVAILABLE' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the server rate-limits us (HTTP 429, G code 30); `retryAfterMs` carries its Retry-After. */
export class MjRateLimitedError extends MjError {
  override readonly name = 'MjRateLimitedError' as const;
  readonly code = 'MJ_RATE_LIMITED' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when a gateway reports its own transport failure towards the upstream proxy (G code 5). */
export class MjGatewayError extends MjError {
  override readonly name = 'MjGatewayError' as const;
  readonly code = 'MJ_GATEWAY_UNKNOWN' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/**
 * Thrown when a gateway could not read its upstream's answer: new-api's code 5 `unmarshal_response_body_failed`,
 * which in practice means the upstream refused the gateway's channel key with a plain-text 401. Retryable because a
 * channel can be fixed or rotated while we wait, but callers bound it (a few attempts), since it rarely heals alone.
 */
export class MjUpstreamAuthError extends MjError {
  override readonly name = 'MjUpstreamAuthError' as const;
  readonly code = 'MJ_UPSTREAM_AUTH' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the flavour or the account does not offer a feature (checked before sending, or code 9 "不支持"). */
export class MjUnsupportedError extends MjError {
  override readonly name = 'MjUnsupportedError' as const;
  readonly code = 'MJ_UNSUPPORTED' as const;
  readonly retryable = false;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the proxy reports an internal failure in a well-formed body (code 9, T `{success:false}`). */
export class MjSystemError extends MjError {
  override readonly name = 'MjSystemError' as const;
  readonly code = 'MJ_SYSTEM' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the server answers HTTP 5xx without a proxy body we understand. */
export class MjServerError extends MjError {
  override readonly name = 'MjServerError' as const;
  readonly code = 'MJ_UPSTREAM_5XX' as const;
  readonly retryable = true;

  constructor(message: string, details?: MjErrorDetails) {
    super(message, details);
  }
}

/** Thrown when the connection failed (refused, DNS, reset, closed); `causeCode` is undici's or the OS's `err.code`. */
export class MjConnectionError extends MjError {
  override readonly name = 'MjConnectionError' as const;
  readonly code = 'MJ_CONNECTION' as const;
  readonly retryable = true;

  constructor(
    message: string,
    readonly causeCode: string | undefined,
    details?: MjErrorDetails
  ) {
    super(message, details);
  }
}

/** Thrown when headers or body did not arrive in time, or our own per-request deadline fired. */
export class MjTimeoutError extends MjError {
  override readonly name = 'MjTimeoutError' as const;
  readonly code = 'MJ_TIMEOUT' as const;
  readonly retryable = true;

  constructor(
    message: string,
    readonly causeCode: string | undefined,
    details?: MjErrorDetails
  ) {
    super(message, details);
  }
}

/**
 * Thrown when a response does not match the contract (not JSON, not a task, a code-1 body without a result). Carries
 * a short issue summary, never the raw body in the message. Not retryable: a contract break does not heal itself.
 */
export class MjResponseError extends MjError {
  override readonly name = 'MjResponseError' as const;
  readonly code = 'MJ_BAD_RESPONSE' as const;
  readonly retryable = false;

  constructor(
    readonly issues: string,
    details: MjErrorDetails = {}
  ) {
    super(`${at(details.endpoint)}unexpected response: ${issues}`, details);
  }
}

/** Thrown by `findButton` when the task offers no button for the wanted intent. */
export class MjButtonNotFoundError extends MjError {
  override readonly name = 'MjButtonNotFoundError' as const;
  readonly code = 'MJ_BUTTON_NOT_FOUND' as const;
  readonly retryable = false;

  /**
   * @param intent the wanted intent, canonical form
   * @param available canonical forms of the intents the task does offer
   * @param stage what the buttons belong to, e.g. `IMAGINE grid`
   */
  constructor(
    readonly intent: string,
    readonly available: readonly string[],
    readonly stage: string
  ) {
    super(
      `${intent} is not available on this task (${stage}); available: ${available.length ? available.join(', ') : 'none'}`
    );
  }
}

/** Extra context for {@link errorFromRejection}; all optional. */
export interface RejectionContext extends Omit<MjErrorDetails, 'upstreamCode'> {
  /** The task id the call was about (parent of an action, or the fetched id). */
  taskId?: string;
  /** `properties.bannedWord` of a code-24 answer. */
  bannedWord?: string;
}

const REJECTION_LABEL: Record<RejectReason, string> = {
  'queue-full': 'queue full',
  'banned-prompt': 'banned prompt',
  validation: 'validation failed',
  'not-found': 'not found',
  'no-instance': 'no account instance available',
  'parent-unavailable': 'parent task unavailable',
  'rate-limited': 'rate limited',
  auth: 'not authorised',
  'upstream-auth':
    "the gateway could not read its upstream's answer; its upstream most likely refused the channel key (check the upstream key configured in the gateway)",
  unsupported: 'unsupported',
  system: 'upstream system error',
};

/** Turns a rejected submit outcome into the matching error; the one place that maps reasons to classes. */
export function errorFromRejection(
  outcome: Extract<SubmitOutcome, { kind: 'rejected' }>,
  endpoint?: string,
  context: RejectionContext = {}
): MjError {
  const details: MjErrorDetails = {
    ...context,
    endpoint: endpoint ?? context.endpoint,
    upstreamCode: outcome.code !== 0 ? outcome.code : undefined,
    retryAfterMs: context.retryAfterMs ?? outcome.retryAfterMs,
  };
  const text = outcome.message ? `: ${oneLine(outcome.message)}` : '';
  // Code 0 means the body had no proxy code and only the HTTP status spoke.
  const origin =
    outcome.code !== 0 ? `code ${outcome.code}` : details.status !== undefined ? `HTTP ${details.status}` : 'no code';
  const message = `${at(details.endpoint)}rejected, ${REJECTION_LABEL[outcome.reason]} (${origin})${text}`;
  switch (outcome.reason) {
    case 'queue-full':
      return new MjQueueFullError(message, details);
    case 'banned-prompt':
      return new MjBannedPromptError(message, { ...details, bannedWord: context.bannedWord });
    case 'validation':
      return new MjValidationError(message, details);
    case 'not-found':
      return new MjTaskNotFoundError(context.taskId ?? null, details);
    case 'no-instance':
      return new MjNoInstanceError(message, details);
    case 'parent-unavailable':
      return new MjParentUnavailableError(message, details);
    case 'rate-limited':
      return new MjRateLimitedError(message, details);
    case 'auth':
      return new MjAuthError(message, details);
    case 'upstream-auth':
      return new MjUpstreamAuthError(message, details);
    case 'unsupported':
      return new MjUnsupportedError(message, details);
    case 'system':
      // Code 5 exists only on gateways: their own hop to the upstream failed.
      return outcome.code === 5 ? new MjGatewayError(message, details) : new MjSystemError(message, details);
  }
}
