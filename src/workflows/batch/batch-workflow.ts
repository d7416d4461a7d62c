/**
 * `batchWorkflow`: runs a list of job requests (usually prompts from a prompt file, see `src/pipeline/batch.ts`) as
 * child `mjJobWorkflow`s with bounded concurrency per account × speed mode, and reports every item.
 *
 * - Child ids are `<batchWorkflowId>/<itemId>` (REJECT_DUPLICATE; parent close policy REQUEST_CANCEL, see
 *   `pipeline-children.ts`).
 * - Items start in list order; an account × mode group never runs more than `concurrency` jobs at once, and a busy
 *   group does not hold back items of other groups.
 * - A failed item never stops the others; the batch completes with every item listed. It fails only for an
 *   invalid input (`BatchInvalid`). Cancelling it cancels running children, marks pending items `cancelled`, and
 *   ends the workflow as cancelled.
 *
 * History: about 10 events per item; MAX_BATCH_ITEMS (250) keeps a batch below the 4,096-event continue-as-new
 * suggestion. Split longer prompt files into several batches.
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatchInput, BatchReport } from '../../shared/pipeline-types';
import { runChildJob } from '../common/child-jobs';
import { childIdTooLong } from '../common/child-ids';
import { batchDetails } from '../common/web-ui-details';
import { checkBatchInput } from './batch-input';
import { BatchRun, type BatchItemState } from './batch-run';
import { getBatchProgressQuery } from './messages';

/** Starts the item's child (its start command is emitted now, in the caller's order) and records its outcome. */
function start(run: BatchRun, s: BatchItemState): void {
  void runChildJob(s.jobId, run.jobInput(s), (jobId) => run.recordStarted(s, jobId)).then((outcome) =>
    run.recordOutcome(s, outcome)
  );
}

/** Runs every item; see the module comment. The state and its rules live in {@link BatchRun}. */
export async function batchWorkflow(input: BatchInput): Promise<BatchReport> {
  checkBatchInput(input);
  const batchId = workflowInfo().workflowId;
  // As in pipelines: only a batch whose item ids would be too wide asks for the patch (and records its marker).
  const boundIds = input.items.some((it) => childIdTooLong(batchId, it.id)) && patched('bounded-child-ids');
  const run = new BatchRun(input, batchId, boundIds);
  setHandler(getBatchProgressQuery, () => run.progress());
  // The Web UI's details carry the batch's one progress line; setting them writes no history event.
  const startedAt = workflowInfo().startTime.getTime();
  const details = () => setCurrentDetails(batchDetails(run.progress(), startedAt, Date.now()));

  try {
    for (;;) {
      run.dirty = false;
      for (const s of run.takeStartable()) start(run, s);
      details();
      if (run.isFinished()) break;
      await condition(() => run.dirty);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      run.cancelPending();
      await condition(() => !run.isBusy());
    });
    run.markDone();
    throw err;
  }
  run.markDone();
  details();
  const report = run.report();
  log.info('batch finished', report.summary);
  return report;
}
