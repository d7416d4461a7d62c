/**
 * Exit codes of `npm run cli`, stable for scripts:
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | success |
 * | 1 | the job (pipeline, batch) failed, was cancelled or timed out; or an unexpected error |
 * | 2 | bad input: arguments, options, prompt, intent, pipeline/batch file, configuration |
 * | 3 | not found: no job, schedule, API key, gateway task (or its deliveries) or file with that id |
 * | 4 | Temporal unreachable |
 * | 130 | interrupted (Ctrl-C); jobs keep running on the server |
 */
import {
  isGrpcServiceError,
  ScheduleNotFoundError as TemporalScheduleNotFoundError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  ApiKeyNotFoundError,
  GatewayTaskNotFoundError,
  JobFailedError,
  JobNotFoundError,
  ScheduleNotFoundError,
  UpstreamPoolNotRunningError,
} from '../client';
import { ConfigError } from '../config';
import { MjInputError } from '../mj/errors';
import { BatchSpecError, PipelineSpecError } from '../pipeline/errors';
import {
  BatchNothingToRetryError,
  BatchNotFoundError,
  BatchOverBudgetError,
  BatchStillRunningError,
} from '../client/batch-errors';

export const EXIT = { ok: 0, failed: 1, badInput: 2, notFound: 3, unreachable: 4, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A CLI-level input problem (a file that cannot be read, conflicting flags). */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
  readonly code = 'CLI_INVALID_INPUT';
  constructor(
    readonly field: string,
    readonly rule: string
  ) {
    super(`${field} ${rule}`);
  }
}

/** Thrown for a missing file named on the command line. */
export class CliNotFoundError extends Error {
  override readonly name = 'CliNotFoundError';
  readonly code = 'CLI_NOT_FOUND';
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True when the error (or a cause) says the Temporal server could not be reached. */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED)) return true;
    if (e.name === 'TransportError') return true;
    if (/ECONNREFUSED|Failed to connect|connection refused|No connection established|UNAVAILABLE/i.test(e.message)) {
      return true;
    }
  }
  return false;
}

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof JobFailedError) return EXIT.failed;
  if (err instanceof JobNotFoundError || err instanceof WorkflowNotFoundError) return EXIT.notFound;
  if (err instanceof ScheduleNotFoundError || err instanceof TemporalScheduleNotFoundError) return EXIT.notFound;
  if (err instanceof CliNotFoundError || err instanceof UpstreamPoolNotRunningError) return EXIT.notFound;
  if (err instanceof ApiKeyNotFoundError || err instanceof GatewayTaskNotFoundError) return EXIT.notFound;
  if (err instanceof BatchNotFoundError) return EXIT.notFound;
  if (
    err instanceof MjInputError ||
    err instanceof PipelineSpecError ||
    err instanceof BatchSpecError ||
    err instanceof BatchOverBudgetError ||
    err instanceof BatchStillRunningError ||
    err instanceof BatchNothingToRetryError ||
    err instanceof ConfigError ||
    err instanceof CliInputError
  ) {
    return EXIT.badInput;
  }
  if (isTemporalUnreachable(err)) return EXIT.unreachable;
  return EXIT.failed;
}

/** A JSON-safe description of an error: what scripts match on. Never stacks, bodies or secrets. */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const e = err as unknown as Record<string, unknown>;
  for (const k of [
    'code',
    'field',
    'rule',
    'param',
    'paramRule',
    'source',
    'jobId',
    'scheduleId',
    'keyId',
    'taskId',
    'type',
    'details',
    'issues',
  ] as const) {
    if (e[k] !== undefined) out[k] = e[k];
  }
  if (isTemporalUnreachable(err)) out.code = 'TEMPORAL_UNREACHABLE';
  return out;
}
