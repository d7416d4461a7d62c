/**
 * How a failure reads on a page: bad input names its field (400); a missing job is 404; a refused write (rate limit,
 * storage quota) its own status; the rest is 500/503.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  BatchNothingToRetryError,
  BatchNotFoundError,
  BatchOverBudgetError,
  BatchStillRunningError,
} from '../client/batch-errors';
import { JobNotFoundError } from '../client';
import { GatewayError } from '../gateway/errors';
import { MjInputError } from '../mj/errors';
import { BatchSpecError, PipelineSpecError } from '../pipeline';
import { AnswerTimeoutError } from './deadline';
import { BodyTooLargeError } from './http';

export interface PageError {
  status: number;
  message: string;
  /** A 5xx that is still told on the page as is (a timeout), rather than logged as ours. */
  shown?: boolean;
}

export function describeError(err: unknown): PageError {
  if (err instanceof MjInputError) return { status: 400, message: `${err.field} ${err.rule}` };
  if (err instanceof PipelineSpecError || err instanceof BatchSpecError) return { status: 400, message: err.message };
  if (err instanceof JobNotFoundError) return { status: 404, message: 'No such job.' };
  if (err instanceof WorkflowNotFoundError || err instanceof BatchNotFoundError) {
    return { status: 404, message: 'No such batch.' };
  }
  if (
    err instanceof BatchStillRunningError ||
    err instanceof BatchNothingToRetryError ||
    err instanceof BatchOverBudgetError
  ) {
    return { status: 409, message: err.message };
  }
  if (err instanceof BodyTooLargeError) return { status: 413, message: `The upload is too large (${err.message}).` };
  if (err instanceof AnswerTimeoutError) {
    return {
      status: 504,
      message:
        `Your answer was not confirmed within ${Math.round(err.timeoutMs / 1000)} s: no worker took it yet, or the ` +
        'upstream is slow. It may still be applied; check the job before answering again.',
      shown: true,
    };
  }
  // The gateway's write metering (mount.ts): a rate limit or storage quota, told as is.
  if (err instanceof GatewayError && err.status < 500) return { status: err.status, message: err.message };
  if (err instanceof SyntaxError) return { status: 400, message: `The file is not valid JSON: ${err.message}` };
  return { status: 500, message: 'Something went wrong on our side; the job service may be unavailable.' };
}

/** Whether a caught error is the caller's (shown as is) rather than ours (logged). */
export function isCallerError(err: unknown): boolean {
  return describeError(err).status < 500;
}
