/**
 * How the job workflow reads activity failures and ends itself. Workflow-safe: branches on the redacted
 * `details[0].code` that `src/activities/failures.ts` writes, never on classes or message text.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { FailReasonKind } from '../../mj/types';
import {
  ACTIVITY_FAILURE,
  JOB_FAILURE,
  MJ_ERROR_CODE,
  type ActivityFailureDetails,
  type JobFailureType,
} from '../../shared/failure-types';
import type { TaskSnapshot } from '../../shared/types';

/** What the workflow does after a submit attempt failed. */
export type SubmitFailure =
  | { kind: 'back-pressure'; code?: string; retryAfterMs?: number; message: string }
  | { kind: 'parent-unavailable'; code?: string; message: string }
  | { kind: 'outcome-unknown'; code?: string; message: string }
  /** A gateway's code 5 `unmarshal_response_body_failed`: its upstream refused the channel key; worth a few tries. */
  | { kind: 'upstream-auth'; code?: string; message: string }
  | { kind: 'terminal'; type: JobFailureType; code?: string; message: string };

const BACK_PRESSURE = new Set<string>([
  MJ_ERROR_CODE.queueFull,
  MJ_ERROR_CODE.rateLimited,
  MJ_ERROR_CODE.noInstance,
  MJ_ERROR_CODE.gatewayUnknown,
  MJ_ERROR_CODE.system,
  // The rest only reach here with outcomeUnknown false: nothing was sent (refused), or the parent fetch failed.
  MJ_ERROR_CODE.connection,
  MJ_ERROR_CODE.timeout,
  MJ_ERROR_CODE.upstream5xx,
]);

// The client flags 5xx and timeouts of a submit itself (not of the parent fetch before it); a 2xx submit answer it
// could not read is not flagged, yet may well have created a task.
const MAYBE_ACCEPTED = new Set<string>([MJ_ERROR_CODE.badResponse]);

const TERMINAL: Record<string, JobFailureType> = {
  [MJ_ERROR_CODE.bannedPrompt]: JOB_FAILURE.bannedPrompt,
  [MJ_ERROR_CODE.validation]: JOB_FAILURE.validation,
  [MJ_ERROR_CODE.invalidInput]: JOB_FAILURE.validation,
  [MJ_ERROR_CODE.unsupported]: JOB_FAILURE.unsupported,
  [MJ_ERROR_CODE.buttonNotFound]: JOB_FAILURE.buttonNotFound,
  [MJ_ERROR_CODE.auth]: JOB_FAILURE.auth,
};

/** The ApplicationFailure under an ActivityFailure (or the error itself), with its redacted details. */
export function readActivityFailure(err: unknown): {
  failure?: ApplicationFailure;
  details: ActivityFailureDetails;
  timedOut: boolean;
  message: string;
} {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const first = cause.details?.[0];
    const details = first && typeof first === 'object' ? (first as ActivityFailureDetails) : {};
    return { failure: cause, details, timedOut: false, message: cause.message };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { details: {}, timedOut: cause instanceof TimeoutFailure, message };
}

/** Sorts a failed submit (or modal submit) into what the workflow must do next. */
export function classifySubmitFailure(err: unknown): SubmitFailure {
  const { failure, details, timedOut, message } = readActivityFailure(err);
  const code = details.code;
  // The activity never reported back (worker died, heartbeat lost): the request may well have been sent.
  if (timedOut || !failure) return { kind: 'outcome-unknown', code, message };
  if (details.outcomeUnknown || (code !== undefined && MAYBE_ACCEPTED.has(code))) {
    return { kind: 'outcome-unknown', code, message };
  }
  if (code === MJ_ERROR_CODE.upstreamAuth) return { kind: 'upstream-auth', code, message };
  if (code !== undefined && BACK_PRESSURE.has(code)) {
    return { kind: 'back-pressure', code, retryAfterMs: details.retryAfterMs, message };
  }
  if (code === MJ_ERROR_CODE.parentUnavailable || code === MJ_ERROR_CODE.taskNotFound) {
    return { kind: 'parent-unavailable', code, message };
  }
  if (code !== undefined && TERMINAL[code]) return { kind: 'terminal', type: TERMINAL[code], code, message };
  if (failure.type === ACTIVITY_FAILURE.invalidInput || failure.type === 'AssetNotFoundError') {
    return { kind: 'terminal', type: JOB_FAILURE.validation, code, message };
  }
  if (failure.nonRetryable) return { kind: 'terminal', type: JOB_FAILURE.upstreamFailure, code, message };
  // An unexpected but retryable error before any request left (a bug, a store hiccup): back off, bounded by the deadline.
  return { kind: 'back-pressure', code, message };
}

/** A failure that ends the job: typed, non-retryable, with small details callers can show. */
export function jobFailure(
  type: JobFailureType,
  message: string,
  details?: Record<string, unknown>
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}

/**
 * The end of a job whose submits kept meeting code 5: the gateway is fine, its channel's upstream key is not. Names
 * the setting to check; the activity's message (already redacted) says what the gateway answered.
 */
export function upstreamAuthFailure(
  phase: string,
  attempts: number,
  message: string,
  taskId?: string
): ApplicationFailure {
  return jobFailure(
    JOB_FAILURE.upstreamAuth,
    `the gateway could not read its upstream's answer ${attempts} times (code 5 unmarshal_response_body_failed); ` +
      `check the upstream key of the gateway's channel. Last answer: ${message}`,
    {
      field: 'upstreamKey',
      rule: 'accepted-by-upstream',
      phase,
      code: MJ_ERROR_CODE.upstreamAuth,
      attempts,
      ...(taskId ? { taskId } : {}),
    }
  );
}

/**
 * A task that succeeded but whose images could not be stored. `reason` is the capture activity's failure type
 * (`ImageExpired`: a gateway relay that will never serve the image again; `ImageUnavailable`, …), and its `field`
 * and `rule` come along when it gave them.
 */
export function captureFailure(taskId: string, err: unknown): ApplicationFailure {
  const { failure, message } = readActivityFailure(err);
  const first = failure?.details?.[0];
  const given = first && typeof first === 'object' ? (first as { field?: unknown; rule?: unknown }) : {};
  return jobFailure(JOB_FAILURE.captureFailed, `task ${taskId} succeeded but its images were not stored: ${message}`, {
    taskId,
    phase: 'capturing',
    reason: failure?.type ?? 'unknown',
    ...(typeof given.field === 'string' ? { field: given.field } : {}),
    ...(typeof given.rule === 'string' ? { rule: given.rule } : {}),
  });
}

const FAIL_KIND_TO_TYPE: Record<FailReasonKind, JobFailureType> = {
  'content-policy': JOB_FAILURE.contentPolicy,
  'invalid-parameter': JOB_FAILURE.invalidParameter,
  'invalid-link': JOB_FAILURE.invalidLink,
  timeout: JOB_FAILURE.upstreamTimeout,
  // The gateway gave up and refunded; distinct from MidJourney's own timeout (a pipeline may resubmit it once).
  'gateway-timeout': JOB_FAILURE.gatewayTimeout,
  cancelled: JOB_FAILURE.cancelled,
  internal: JOB_FAILURE.upstreamFailure,
  unknown: JOB_FAILURE.upstreamFailure,
};

/** The job failure for an upstream FAILURE or CANCEL, from the kind the fetch activity classified. */
export function upstreamTaskFailure(task: TaskSnapshot): ApplicationFailure {
  const type = task.status === 'CANCEL' ? JOB_FAILURE.cancelled : FAIL_KIND_TO_TYPE[task.failKind ?? 'unknown'];
  const reason = task.failReason ? task.failReason.slice(0, 300) : '(no reason given)';
  return jobFailure(type, `upstream task ${task.id} ended ${task.status}: ${reason}`, {
    taskId: task.id,
    status: task.status,
    failKind: task.failKind ?? 'unknown',
  });
}

/** A routed submit's failure the job answers itself; anything else is read by {@link classifySubmitFailure}. */
export type RoutedFailure =
  | { kind: 'busy'; retryAfterMs: number; reason: string; upstreamId?: string; message: string }
  | { kind: 'no-upstream'; rule: string; message: string }
  | { kind: 'budget'; verdict: Record<string, unknown> & { onExceed?: string }; message: string }
  /** Proven not accepted by `upstreamId` (it cools down or is disabled): the next attempt may go elsewhere. */
  | { kind: 'failover'; upstreamId: string; retryAfterMs?: number; code?: string; message: string };

export function classifyRoutedFailure(err: unknown): RoutedFailure | undefined {
  const { failure, details, message } = readActivityFailure(err);
  if (!failure) return undefined;
  const d = details as ActivityFailureDetails & Record<string, unknown>;
  if (failure.type === ACTIVITY_FAILURE.upstreamsBusy) {
    const upstreamId = typeof d.upstreamId === 'string' ? d.upstreamId : undefined;
    const reason = typeof d.reason === 'string' ? d.reason : 'busy';
    return { kind: 'busy', retryAfterMs: d.retryAfterMs ?? 0, reason, upstreamId, message };
  }
  if (failure.type === ACTIVITY_FAILURE.noUpstream) {
    return { kind: 'no-upstream', rule: typeof d.rule === 'string' ? d.rule : 'owner', message };
  }
  if (failure.type === ACTIVITY_FAILURE.budgetExceeded) {
    const { code: _code, ...verdict } = d;
    return { kind: 'budget', verdict, message };
  }
  if (d.failover === true && d.upstreamId !== undefined) {
    return { kind: 'failover', upstreamId: d.upstreamId, retryAfterMs: d.retryAfterMs, code: d.code, message };
  }
  return undefined;
}
