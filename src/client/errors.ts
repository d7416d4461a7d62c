/**
 * The errors `MjJobsClient` adds to `MjInputError` (bad input, from `src/mj`): one class per condition, each with a
 * stable `code` that scripts and the CLI's exit codes match on.
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { readRejection, type RejectionDetails } from '../shared/rejection';

/**
 * Thrown when an id names no job: never started (a typo, an upstream task id passed where a job id belongs), or
 * deleted after retention. Nothing was started.
 */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  readonly code = 'JOB_NOT_FOUND';
  constructor(readonly jobId: string) {
    super(`job not found: ${jobId}`);
  }
}

/** Thrown by `result()` when the job failed, was cancelled, terminated or timed out. `type` is the failure type. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  readonly code = 'JOB_FAILED';
  constructor(
    readonly jobId: string,
    /** `ApplicationFailure.type` (see `JOB_FAILURE`), or `Cancelled`, `Terminated`, `TimedOut`. */
    readonly type: string,
    message: string,
    options?: { cause?: unknown },
    /** The field and rule of an input-related failure (`ParentTaskNotFound`: `parentTaskId`, `exists`, the id). */
    readonly details?: RejectionDetails
  ) {
    super(`job ${jobId} failed (${type}): ${message}`, options);
  }
}

/** Thrown when a schedule id names no schedule. */
export class ScheduleNotFoundError extends Error {
  override readonly name = 'ScheduleNotFoundError';
  readonly code = 'SCHEDULE_NOT_FOUND';
  constructor(readonly scheduleId: string) {
    super(`schedule not found: ${scheduleId}`);
  }
}

/** The failure type of a closed workflow's cause, as {@link JobFailedError.type} reports it. */
export function failureType(cause: Error | undefined): string {
  if (cause instanceof ApplicationFailure) return cause.type ?? 'Error';
  if (cause instanceof CancelledFailure) return 'Cancelled';
  if (cause instanceof TerminatedFailure) return 'Terminated';
  if (cause instanceof TimeoutFailure) return 'TimedOut';
  return cause?.name ?? 'Error';
}

/** Temporal's "no such workflow" and "workflow failed" as this client's errors; anything else as is. */
export function jobError(jobId: string, err: unknown): unknown {
  if (err instanceof WorkflowNotFoundError) return new JobNotFoundError(jobId);
  if (err instanceof WorkflowFailedError) {
    const details = err.cause instanceof ApplicationFailure ? readRejection(err.cause) : undefined;
    return new JobFailedError(
      jobId,
      failureType(err.cause),
      err.cause?.message ?? err.message,
      { cause: err },
      details
    );
  }
  return err;
}

/** Thrown when a key id names no API key of the gateway's tenants registry. Nothing was changed. */
export class ApiKeyNotFoundError extends Error {
  override readonly name = 'ApiKeyNotFoundError';
  readonly code = 'API_KEY_NOT_FOUND';
  readonly field = 'keyId';
  readonly rule = 'exists';
  constructor(readonly keyId: string) {
    super(`no API key with id ${keyId} (npm run cli -- keys list shows the ids)`);
  }
}

/**
 * Thrown when a gateway task id names no task of any tenant (`rule: 'exists'`), or a task submitted without a
 * notifyHook, which has no callback deliveries (`rule: 'notify-hook'`).
 */
export class GatewayTaskNotFoundError extends Error {
  override readonly name = 'GatewayTaskNotFoundError';
  readonly code = 'TASK_NOT_FOUND';
  readonly field = 'taskId';
  constructor(
    readonly taskId: string,
    readonly rule: 'exists' | 'notify-hook' | 'open'
  ) {
    super(
      rule === 'exists'
        ? `no gateway task ${taskId}`
        : rule === 'notify-hook'
          ? `task ${taskId} was submitted without a notifyHook: it has no callback deliveries`
          : `the delivery log of task ${taskId} is closed (it stays open 7 days after the last change): nothing to replay`
    );
  }
}

/**
 * Thrown when no gateway worker polls the task queue that must answer (the tenants registry's updates, the delivery
 * log's query and replay): the call would otherwise wait for one without end.
 */
export class GatewayNotRunningError extends Error {
  override readonly name = 'GatewayNotRunningError';
  readonly code = 'GATEWAY_NOT_RUNNING';
  constructor(readonly taskQueue: string) {
    super(
      `no gateway worker polls task queue ${taskQueue}: start the gateway (npm start, or npm run gateway with the same MJ_GATEWAY_TASK_QUEUE)`
    );
  }
}
