/**
 * `batchChunkWorkflow`: one chunk (at most a few hundred items) of a paged batch. It reads its items from the
 * stored input (an activity), runs them as child jobs (`<batchId>/<itemId>`, REJECT_DUPLICATE, so no item runs
 * twice) or, with a template, as child pipelines under the same id, and writes a manifest page to the store each
 * time MANIFEST_PAGE_ITEMS items finished, telling its batch (`chunkProgressSignal`) after each page.
 *
 * History: at most {@link chunkHistoryBound} events; the parent sizes chunks so this stays far below the
 * continue-as-new suggestion (test/unit/workflows/batch-history-bound.test.ts, and the integration tests read the
 * real histories).
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatchChunkInput, BatchChunkResult } from '../../shared/batch-run-types';
import type { PipelineInput, PipelineResult } from '../../shared/pipeline-types';
import { childStartOptions, failedOutcome, runChildJob } from '../common/child-jobs';
import { BATCH_ACTIVITY_RETRY, type BatchActivities } from './batch-activities';
import { ChunkRun, emptyCounts, type ChunkItem } from './chunk-run';
import { chunkProgressSignal, getChunkProgressQuery, setBatchPausedSignal } from './messages';
import { quietUntil } from '../../shared/quiet-hours';

const acts = proxyActivities<BatchActivities>({ startToCloseTimeout: '2m', retry: BATCH_ACTIVITY_RETRY });

/** Events one chunk of `size` items records at most; see the module comment and docs/pipelines-and-batches.md. */
export function chunkHistoryBound(size: number, pageItems: number): number {
  // Per item: child start initiated/started/ended (3) plus, worst case, two workflow tasks of 3 events each, and
  // the same again for a gateway-timeout resubmit. Per page: an activity (3), a signal (2) and two tasks (6).
  const pages = Math.ceil(size / pageItems) + 1;
  return 10 + size * 18 + pages * 11;
}

function start(run: ChunkRun, s: ChunkItem): void {
  if (!run.templated) {
    void runChildJob(s.jobId, run.jobInput(s), () => undefined).then((o) => run.recordJob(s, o));
    return;
  }
  void (async () => {
    try {
      const handle = await startChild<(i: PipelineInput) => Promise<PipelineResult>>('pipelineWorkflow', {
        ...childStartOptions(s.jobId),
        args: [run.pipelineInput(s)],
      });
      run.recordPipeline(s, await handle.result());
    } catch (err) {
      const f = failedOutcome(err, s.jobId, 'pipeline');
      run.recordPipelineFailure(s, f.status, f.failure);
    }
  })();
}

/** Runs one chunk; see the module comment. */
export async function batchChunkWorkflow(input: BatchChunkInput): Promise<BatchChunkResult> {
  // Handlers first: a query or a pause may come before the items are read.
  const early: { paused: boolean; run?: ChunkRun } = { paused: input.paused };
  setHandler(setBatchPausedSignal, (p) => {
    early.paused = p;
    if (early.run) {
      early.run.paused = p;
      early.run.dirty = true;
    }
  });
  setHandler(getChunkProgressQuery, () => {
    const r = early.run;
    if (!r) return { chunk: input.chunk, running: 0, waiting: input.count, unwritten: emptyCounts() };
    const waiting = r.items.filter((i) => i.status === 'pending').length;
    return { chunk: input.chunk, running: r.running(), waiting, unwritten: r.pendingCounts() };
  });
  const items = await acts.readBatchItems({ inputKey: input.inputKey, offset: input.offset, count: input.count });
  const run = (early.run = new ChunkRun({ ...input, paused: early.paused }, items));
  await runChunk(input, run);
  return {
    chunk: input.chunk,
    counts: run.counts,
    spent: run.spent,
    pages: run.pages,
    budgetStopped: run.budgetStopped,
    historyLength: workflowInfo().historyLength,
  };
}

/** Starts items while allowed, writes pages as they fill, and ends when every item has an outcome. */
async function runChunk(input: BatchChunkInput, run: ChunkRun): Promise<void> {
  const parent = getExternalWorkflowHandle(input.batchId);
  const flush = async (final: boolean) => {
    while (run.pageDue(final)) {
      const { lines, counts } = run.takePage();
      const page = await acts.writeManifestPage({ batchId: input.batchId, lines });
      run.pages.push(page);
      await parent.signal(chunkProgressSignal, { chunk: input.chunk, page, counts, spent: run.spent });
    }
  };

  try {
    for (;;) {
      run.dirty = false;
      const quietEnd = quietUntil(input.settings.quietHours ?? [], Date.now());
      if (quietEnd === undefined) for (const s of run.takeStartable()) start(run, s);
      await flush(false);
      if (run.isFinished()) break;
      if (quietEnd !== undefined && !run.isBusy() && !run.paused) {
        await condition(() => run.dirty, Math.max(1, quietEnd - Date.now()));
      } else await condition(() => run.dirty);
    }
    await flush(true);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      run.cancelPending();
      await condition(() => !run.isBusy());
      await flush(true);
    });
    throw err;
  }
}
