/**
 * The one place that turns errors of `src/mj` (and of the activities' own checks) into Temporal `ApplicationFailure`s.
 * Workflows branch on `details[0].code`; Temporal's retry policy reads `nonRetryable`.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { AssetNotFoundError } from '../assets/asset-store';
import { isMjError } from '../mj/errors';
import { ACTIVITY_FAILURE, MJ_ERROR_CODE, type ActivityFailureDetails } from '../shared/failure-types';

/** Where activities log; `log` from `@temporalio/activity` unless the worker passes its own. */
export interface ActivityLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Replaces every secret in a text; built once per worker from the values that must never leave it. */
export type Redactor = (text: string) => string;

const REDACTED = '[redacted]';
/** Shorter fragments are too likely to be ordinary words to be worth masking. */
const MIN_SECRET_LENGTH = 8;

/**
 * A redactor for the notify hook URL: the whole URL, and each long path segment and query value of it (the token is
 * one of them), also in percent-encoded form.
 */
export function makeRedactor(secretUrls: readonly (string | undefined)[]): Redactor {
  const secrets = new Set<string>();
  for (const raw of secretUrls) {
    if (!raw) continue;
    secrets.add(raw);
    try {
      const url = new URL(raw);
      for (const part of url.pathname.split('/')) secrets.add(decodeURIComponent(part));
      for (const value of url.searchParams.values()) secrets.add(value);
      if (url.password) secrets.add(url.password);
    } catch {
      // Not a URL: the whole string is the secret.
    }
  }
  const list = [...secrets]
    .flatMap((s) => [s, encodeURIComponent(s)])
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((acc, secret) => acc.split(secret).join(REDACTED), text);
}

const noRedaction: Redactor = (text) => text;

/**
 * Maps any error thrown inside an activity to what Temporal should record:
 * - `MjError` → `type` = its name, `nonRetryable: !retryable`, `nextRetryDelay` from Retry-After, redacted details;
 *   a missing task is an expected "not yet" and is marked BENIGN (debug-level logs, no failure metrics);
 * - an `ApplicationFailure` or a cancellation passes through;
 * - anything else becomes a retryable failure of the same name with a redacted one-line message (no cause, so
 *   nothing unredacted rides along).
 */
export function toApplicationFailure(err: unknown, redact: Redactor = noRedaction): Error {
  if (err instanceof CancelledFailure) return err;
  if (err instanceof ApplicationFailure) return err;
  if (isMjError(err)) {
    const details: ActivityFailureDetails = {
      code: err.code,
      status: err.status,
      upstreamCode: err.upstreamCode,
      outcomeUnknown: err.outcomeUnknown || undefined,
      retryAfterMs: err.retryAfterMs,
    };
    return ApplicationFailure.create({
      type: err.name,
      message: redact(err.message),
      nonRetryable: !err.retryable,
      nextRetryDelay: err.retryAfterMs,
      details: [stripUndefined(details)],
      category: err.code === MJ_ERROR_CODE.taskNotFound ? ApplicationFailureCategory.BENIGN : undefined,
    });
  }
  if (err instanceof AssetNotFoundError) {
    return ApplicationFailure.create({
      type: err.name,
      message: redact(err.message),
      nonRetryable: true,
      details: [{ code: err.code }],
    });
  }
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: name, message: redact(message.split('\n')[0].slice(0, 500)) });
}

/** A non-retryable failure for an argument the activity cannot use. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ACTIVITY_FAILURE.invalidInput,
    message,
    nonRetryable: true,
    details: [{ code: MJ_ERROR_CODE.invalidInput }],
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Runs an activity body and maps whatever it throws. Every activity goes through here, so no activity has its own
 * try/catch and none can leak a secret in a failure message. When the activity was cancelled, the cancellation
 * itself is rethrown, whatever the body threw while unwinding.
 */
export async function runActivity<T>(redact: Redactor, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const signal = currentSignal();
    if (signal?.aborted && signal.reason instanceof CancelledFailure) throw signal.reason;
    throw toApplicationFailure(err, redact);
  }
}

function currentSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/**
 * Heartbeats while `work` runs. A single submit can take the full HTTP timeout; without heartbeats a dead worker is
 * noticed only at the start-to-close timeout, and the workflow's reconciliation waits that long.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
