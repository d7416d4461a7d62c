/**
 * What a failed input update means to the caller: the workflow's validator refused it (nothing was recorded) →
 * `MjInputError` naming the field and the rule; a finished job → `MjInputError` on `jobId` (the SDK reports a
 * closed workflow as not found); a job that does not exist → `JobNotFoundError`; anything else as is.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MjInputError } from '../mj/errors';
import { MODAL_INPUT_REJECTION, PIPELINE_FAILURE } from '../shared/failure-types';
import { JobNotFoundError } from './errors';

export async function updateRejection(client: Client, jobId: string, err: unknown): Promise<unknown> {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === MODAL_INPUT_REJECTION.notWaiting) {
      const phase = /\(phase ([\w-]+)\)/.exec(message)?.[1];
      return new MjInputError(
        'jobId',
        `must name a job waiting for modal input (${phase ? `it is ${phase}` : message})`,
        type
      );
    }
    if (type === MODAL_INPUT_REJECTION.invalid || type === PIPELINE_FAILURE.inputRejected) {
      const m = /^((?:modal\.)?(?:prompt|mask))\s+(.+)$/s.exec(message);
      if (m) return new MjInputError(m[1]!, m[2]!, type);
      const field = /\b(mask|prompt|step|branch|choice)\b/.exec(message)?.[1] ?? 'input';
      return new MjInputError(field, `is refused: ${message}`, type);
    }
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
