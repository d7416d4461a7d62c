/**
 * `pagedBatchWorkflow`: a batch of up to MAX_PAGED_BATCH_ITEMS items whose list is stored once in the asset store
 * (`inputKey`, JSON Lines) and never enters this workflow's input or history. It runs the list as chunk children
 * (`batchChunkWorkflow`, `<batchId>/~chunk-<n>`, one at a time, each with the batch's whole concurrency), and
 * continues as new between chunks once its history is long, carrying only counts and manifest page keys.
 *
 * - Pause (`setBatchPausedSignal`): running items finish, nothing new starts, until resumed.
 * - Cancel: the running chunk cancels its jobs; every item not started is listed as cancelled in the manifest.
 * - Budget (`settings.budget`): items start while their estimates fit; the rest are listed `not-started`
 *   (`BudgetExhausted`) and the batch completes.
 * - Deadline: progress says whether the rate so far reaches it; a warning is logged once when it does not.
 *
 * A new workflow type: `batchWorkflow` (inline items, at most MAX_BATCH_ITEMS) and its replay fixtures are unchanged.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { BatchLiveProgress, PagedBatchInput } from '../../shared/batch-run-types';
import { formatBatchLine } from '../../shared/batch-tally';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import { CONTINUE_AS_NEW_EVENTS } from '../../shared/defaults';
import { childStartOptions } from '../common/child-jobs';
import { historyIsLong } from '../common/history';
import { BATCH_ACTIVITY_RETRY, type BatchActivities } from './batch-activities';
import type { batchChunkWorkflow } from './batch-chunk-workflow';
import {
  BATCH_CHUNK_WORKFLOW_TYPE,
  chunkProgressSignal,
  getPagedBatchProgressQuery,
  setBatchPausedSignal,
} from './messages';
import { chunkWorkflowId, PagedBatchRun } from './paged-batch-run';

// Longer than a chunk's: listing the items never started reads the rest of the input.
const acts = proxyActivities<BatchActivities>({ startToCloseTimeout: '5m', retry: BATCH_ACTIVITY_RETRY });

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: PIPELINE_FAILURE.batchInvalid, message, nonRetryable: true });
}

function checkInput(input: PagedBatchInput): void {
  if (!input || typeof input.inputKey !== 'string' || !input.settings)
    invalid('paged batch input needs inputKey and settings');
  if (!Number.isInteger(input.total) || input.total < 1) invalid('paged batch input needs a positive total');
}

/** The Web UI's current details: the batch's one progress line (`formatBatchLine`), as the CLI and console print it. */
function details(p: BatchLiveProgress, now: number): string {
  return `**Batch** — ${p.state}\n\n${formatBatchLine(p, now, p.settings)}`;
}

/** Runs the batch; see the module comment. The state lives in {@link PagedBatchRun}. */
export async function pagedBatchWorkflow(input: PagedBatchInput): Promise<BatchLiveProgress> {
  checkInput(input);
  const batchId = workflowInfo().workflowId;
  const run = new PagedBatchRun(input, batchId, Date.now());
  let chunk: ChildWorkflowHandle<typeof batchChunkWorkflow> | undefined;
  let deadlineWarned = false;
  const progress = () => run.progress(Date.now(), workflowInfo().historyLength);

  setHandler(getPagedBatchProgressQuery, progress);
  setHandler(setBatchPausedSignal, async (paused) => {
    if (run.setPaused(paused, Date.now()) && chunk) await chunk.signal(setBatchPausedSignal, paused);
  });
  setHandler(chunkProgressSignal, (p) => {
    run.onPage(p);
    const dl = run.pace(Date.now()).deadline;
    if (dl && dl.reachable === false && !deadlineWarned) {
      deadlineWarned = true;
      log.warn('batch deadline not reachable at the current rate', { batchId, deadline: dl.at, eta: dl.eta });
      setCurrentDetails(details(progress(), Date.now()));
    }
  });

  try {
    while (run.hasNextChunk()) {
      await condition(() => !run.paused);
      if (historyIsLong(input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS)) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof pagedBatchWorkflow>(run.continueInput(workflowInfo().historyLength));
      }
      const next = run.nextChunk();
      chunk = await startChild<typeof batchChunkWorkflow>(BATCH_CHUNK_WORKFLOW_TYPE, {
        ...childStartOptions(chunkWorkflowId(batchId, next.chunk)),
        args: [next],
      });
      // A pause that came while the chunk was starting: the chunk began with the old value.
      if (run.paused !== next.paused) await chunk.signal(setBatchPausedSignal, run.paused);
      run.onChunkDone(await chunk.result());
      chunk = undefined;
      setCurrentDetails(details(progress(), Date.now()));
    }
    if (run.carry.budgetStopped && run.nextOffset() < input.total) {
      const rest = await acts.listNotStarted({
        batchId,
        attempt: run.attempt,
        inputKey: input.inputKey,
        offset: run.nextOffset(),
        reason: 'budget',
      });
      run.onNotStarted(rest.pages, rest.items);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      // The cancelled chunk (child cancellation waits for it to end) listed its own items; the chunks never
      // started are listed here.
      // A chunk that never started (cancelled while starting) listed nothing: its items are listed here too.
      const started = chunk !== undefined && run.current !== undefined;
      const from = started ? Math.min(input.total, (run.current! + 1) * run.chunkSize) : run.nextOffset();
      if (from < input.total) {
        const rest = await acts.listNotStarted({
          batchId,
          attempt: run.attempt,
          inputKey: input.inputKey,
          offset: from,
          reason: 'cancelled',
        });
        run.onNotStarted(rest.pages, rest.items);
      }
      run.end('cancelled', Date.now());
    });
    log.info('batch cancelled', { batchId, failure: PIPELINE_FAILURE.cancelled });
    throw err;
  }
  run.end('done', Date.now());
  const result = progress();
  setCurrentDetails(details(result, Date.now()));
  await condition(allHandlersFinished);
  log.info('batch finished', { batchId, succeeded: result.succeeded, failed: result.failed });
  return result;
}
