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
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SpeedMode } from '../../mj/types';
import { DEFAULT_ACCOUNT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_MODE, MAX_BATCH_ITEMS } from '../../shared/defaults';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type {
  BatchInput,
  BatchItem,
  BatchItemReport,
  BatchItemStatus,
  BatchProgress,
  BatchReport,
  FailureInfo,
  JobSummary,
} from '../../shared/pipeline-types';
import type { ImageRef, JobInput } from '../../shared/types';
import { runChildJob, summariseJob } from '../common/child-jobs';
import { childIdTooLong, childWorkflowId } from '../common/child-ids';
import { batchDetails } from '../common/web-ui-details';
import { getBatchProgressQuery } from './messages';

interface ItemState {
  item: BatchItem;
  index: number;
  group: string;
  jobId: string;
  status: BatchItemStatus;
  taskId?: string;
  result?: JobSummary;
  failure?: FailureInfo;
}

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: PIPELINE_FAILURE.batchInvalid, message, nonRetryable: true });
}

function checkInput(input: BatchInput): void {
  if (!input || !Array.isArray(input.items)) invalid('batch input needs "items"');
  if (input.items.length > MAX_BATCH_ITEMS) invalid(`${input.items.length} items (at most ${MAX_BATCH_ITEMS})`);
  const seen = new Set<string>();
  input.items.forEach((it, i) => {
    if (!it || typeof it.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(it.id)) {
      invalid(`items[${i}].id must be an id-safe string`);
    }
    if (seen.has(it.id)) invalid(`items[${i}].id "${it.id}" is used twice`);
    seen.add(it.id);
    if (!it.request || typeof it.request.kind !== 'string') invalid(`items[${i}].request is missing`);
  });
}

function imagesOf(r: JobSummary | undefined): ImageRef[] {
  if (!r) return [];
  if (r.images.length > 0) return r.images.map((c) => ({ asset: c.asset }));
  const urls = r.imageUrls.length > 0 ? r.imageUrls : r.imageUrl ? [r.imageUrl] : [];
  return urls.map((url) => ({ url }));
}

/** Runs every item; see the module comment. */
export async function batchWorkflow(input: BatchInput): Promise<BatchReport> {
  checkInput(input);
  const batchId = workflowInfo().workflowId;
  // As in pipelines: only a batch whose item ids would be too wide asks for the patch (and records its marker).
  const boundIds = input.items.some((it) => childIdTooLong(batchId, it.id)) && patched('bounded-child-ids');
  const limit = Math.max(1, input.concurrency ?? DEFAULT_BATCH_CONCURRENCY);
  const modeOf = (it: BatchItem): SpeedMode => it.mode ?? input.mode ?? DEFAULT_MODE;
  const accountOf = (it: BatchItem): string => it.account ?? input.account ?? DEFAULT_ACCOUNT;
  const items: ItemState[] = input.items.map((item, index) => ({
    item,
    index,
    group: `${accountOf(item)}/${modeOf(item)}`,
    jobId: boundIds ? childWorkflowId(batchId, item.id) : `${batchId}/${item.id}`,
    status: 'pending',
  }));
  const running = new Map<string, number>();
  let maxRunningPerGroup = 0;
  let dirty = true;
  let done = false;

  const count = (s: BatchItemStatus): number => items.filter((i) => i.status === s).length;
  const progress = (): BatchProgress => ({
    batchId,
    done,
    total: items.length,
    pending: count('pending'),
    running: count('running'),
    succeeded: count('succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    maxRunningPerGroup,
    groups: [...new Set(items.map((i) => i.group))].map((key) => ({ key, running: running.get(key) ?? 0, limit })),
    items: items.map((i) => ({
      id: i.item.id,
      status: i.status,
      jobId: i.jobId,
      ...(i.taskId ? { taskId: i.taskId } : {}),
      ...(i.failure ? { failure: i.failure } : {}),
    })),
  });
  setHandler(getBatchProgressQuery, progress);

  const start = (s: ItemState): void => {
    s.status = 'running';
    const now = (running.get(s.group) ?? 0) + 1;
    running.set(s.group, now);
    maxRunningPerGroup = Math.max(maxRunningPerGroup, now);
    const jobInput: JobInput = {
      request: s.item.request,
      mode: modeOf(s.item),
      account: accountOf(s.item),
      ...(input.policy ? { policy: input.policy } : {}),
      ...(input.captureImages !== undefined ? { captureImages: input.captureImages } : {}),
      ...(input.submitPolicy ? { submitPolicy: input.submitPolicy } : {}),
      costTags: { ...input.costTags, batchId },
    };
    void runChildJob(s.jobId, jobInput, (jobId) => {
      s.jobId = jobId;
    }).then((outcome) => {
      running.set(s.group, running.get(s.group)! - 1);
      dirty = true;
      if (outcome.status === 'succeeded') {
        s.status = 'succeeded';
        s.taskId = outcome.result.taskId;
        s.result = summariseJob(outcome.result);
      } else {
        s.status = outcome.status;
        s.failure = outcome.failure;
      }
    });
  };

  const busy = (): boolean => items.some((i) => i.status === 'running');
  try {
    for (;;) {
      dirty = false;
      for (const s of items) {
        if (s.status === 'pending' && (running.get(s.group) ?? 0) < limit) start(s);
      }
      setCurrentDetails(batchDetails(progress()));
      if (items.every((i) => i.status !== 'pending' && i.status !== 'running')) break;
      await condition(() => dirty);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      for (const s of items) {
        if (s.status === 'pending') {
          s.status = 'cancelled';
          s.failure = { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled' };
        }
      }
      await condition(() => !busy());
    });
    done = true;
    throw err;
  }
  done = true;
  setCurrentDetails(batchDetails(progress()));

  const reports = items.map((s): BatchItemReport => ({
    id: s.item.id,
    index: s.index,
    ...(s.item.line !== undefined ? { line: s.item.line } : {}),
    status: s.status as BatchItemReport['status'],
    jobId: s.jobId,
    ...(s.taskId ? { taskId: s.taskId } : {}),
    ...('prompt' in s.item.request ? { prompt: s.item.request.prompt } : {}),
    images: imagesOf(s.result),
    ...(s.result ? { result: s.result } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
  }));
  const summary = {
    total: reports.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
  };
  log.info('batch finished', summary);
  return { ...(input.name ? { name: input.name } : {}), batchId, items: reports, summary };
}
