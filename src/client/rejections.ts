/**
 * What a failed input update means to the caller, read from the failure's structured details, never
 * from its message text: the workflow's validator refused the input (nothing was recorded) → {@link
 * InputRejectedError} naming the field and the rule; a finished job → `MjInputError` on `jobId` (the SDK reports a
 * closed workflow as not found); a job that does not exist → `JobNotFoundError`; anything else as is.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MjInputError } from '../mj/errors';
import { readRejection, type RejectionDetails } from '../shared/rejection';
import { JobNotFoundError } from './errors';

/** An input a workflow's validator refused: `MjInputError` carrying the structured details it came with. */
export class InputRejectedError extends MjInputError {
  constructor(
    /** The failure type (`InvalidModalInput`, `NotWaitingForModalInput`, `StepInputRejected`, …). */
    readonly type: string,
    readonly details: RejectionDetails,
    rule: string
  ) {
    super(details.field, rule, type);
  }
}

export async function updateRejection(client: Client, jobId: string, err: unknown): Promise<unknown> {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const details = readRejection(err.cause);
    if (details)
      return new InputRejectedError(err.cause.type ?? 'Error', details, ruleText(details, err.cause.message));
  }
  if (err instanceof WorkflowNotFoundError) {
    const info = await client.workflow
      .getHandle(jobId)
      .describe()
      .catch(() => undefined);
    return info
      ? new MjInputError('jobId', `must name a job waiting for input (it is ${info.status.name})`)
      : new JobNotFoundError(jobId);
  }
  return err;
}

/** The rule as a phrase after the field name; the workflow's message is quoted whole, never taken apart. */
function ruleText(d: RejectionDetails, message: string): string {
  if (d.rule === 'not-waiting') return `must name a job waiting for input (it is ${d.phase ?? 'not waiting'})`;
  return `is refused (${d.rule}): ${message}`;
}
