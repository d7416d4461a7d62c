/** Typed errors of the paged batch client (`MjBatchesClient`): one class per condition, each with a stable `code`. */
import type { BatchEstimate } from './batch-estimate';

/** The batch's estimate passes what a refusing budget of the tenant has left; nothing was started. */
export class BatchOverBudgetError extends Error {
  override readonly name = 'BatchOverBudgetError';
  readonly code = 'BATCH_OVER_BUDGET';
  readonly field = 'budget';
  constructor(
    readonly estimate: BatchEstimate,
    readonly budget: string,
    readonly left: number
  ) {
    super(
      `batch estimate ${estimate.total} ${estimate.currency} passes budget ${budget} (${left} left); nothing was ` +
        'started (start it with onBudget "stop" to run until the budget and list the rest)'
    );
  }
}

/** Retry-failed needs the batch to have ended; it is still running. */
export class BatchStillRunningError extends Error {
  override readonly name = 'BatchStillRunningError';
  readonly code = 'BATCH_STILL_RUNNING';
  constructor(readonly batchId: string) {
    super(`batch ${batchId} is still running: retry its failed items once it has ended`);
  }
}

/** Nothing to retry: the batch has no failed item. */
export class BatchNothingToRetryError extends Error {
  override readonly name = 'BatchNothingToRetryError';
  readonly code = 'BATCH_NOTHING_TO_RETRY';
  constructor(readonly batchId: string) {
    super(`batch ${batchId} has no failed item to retry`);
  }
}

/** No paged batch has this id (nothing, or a workflow of another kind). */
export class BatchNotFoundError extends Error {
  override readonly name = 'BatchNotFoundError';
  readonly code = 'BATCH_NOT_FOUND';
  readonly field = 'batchId';
  constructor(readonly batchId: string) {
    super(`no paged batch ${batchId}`);
  }
}
