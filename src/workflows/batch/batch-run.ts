/**
 * The state and decisions of one batch (`batchWorkflow`): which items start now, what each child job is given, what
 * its outcome changes, and what the progress query and the final report say. No Temporal calls, so unit tests cover
 * the scheduling without a server (test/unit/pipeline/batch-run.test.ts); the workflow function only starts the
 * children this class picks and waits. Workflow-safe.
 */
import type { SpeedMode } from '../../mj/types';
import { DEFAULT_ACCOUNT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_MODE } from '../../shared/defaults';
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
import { childJobOptions, summariseJob, type ChildOutcome } from '../common/child-jobs';
import { childWorkflowId } from '../common/child-ids';

/** One item of the batch as the run tracks it. Changed only through {@link BatchRun}'s methods. */
export interface BatchItemState {
  readonly item: BatchItem;
  readonly index: number;
  /** `<account>/<mode>`: the unit `concurrency` bounds. */
  readonly group: string;
  /** The child's workflow id; a resubmitted child (`<id>/resubmit`) replaces it once started. */
  jobId: string;
  status: BatchItemStatus;
  taskId?: string;
  result?: JobSummary;
  failure?: FailureInfo;
}

/** Captured assets when the job stored them, else the result URLs (all of them, or the single grid URL). */
function imagesOf(r: JobSummary | undefined): ImageRef[] {
  if (!r) return [];
  if (r.images.length > 0) return r.images.map((c) => ({ asset: c.asset }));
  const urls = r.imageUrls.length > 0 ? r.imageUrls : r.imageUrl ? [r.imageUrl] : [];
  return urls.map((url) => ({ url }));
}

export class BatchRun {
  private readonly items: BatchItemState[];
  private readonly running = new Map<string, number>();
  private readonly limit: number;
  private maxRunningPerGroup = 0;
  /** Set whenever an outcome changed what {@link takeStartable} would pick; the workflow clears it before a pass. */
  dirty = true;
  private done = false;

  constructor(
    private readonly input: BatchInput,
    readonly batchId: string,
    /** Shorten child ids too wide for the persistence (see child-ids.ts); off when replaying older histories. */
    boundChildIds = false
  ) {
    this.limit = Math.max(1, input.concurrency ?? DEFAULT_BATCH_CONCURRENCY);
    this.items = input.items.map((item, index) => ({
      item,
      index,
      group: `${this.accountOf(item)}/${this.modeOf(item)}`,
      jobId: boundChildIds ? childWorkflowId(batchId, item.id) : `${batchId}/${item.id}`,
      status: 'pending',
    }));
  }

  private modeOf(it: BatchItem): SpeedMode {
    return it.mode ?? this.input.mode ?? DEFAULT_MODE;
  }

  private accountOf(it: BatchItem): string {
    return it.account ?? this.input.account ?? DEFAULT_ACCOUNT;
  }

  private count(s: BatchItemStatus): number {
    return this.items.filter((i) => i.status === s).length;
  }

  /**
   * The pending items that may start now, in list order, each already counted as running in its group: an item
   * waits only for a free place in its own account × mode group, never behind a busy group's items.
   */
  takeStartable(): BatchItemState[] {
    const picked: BatchItemState[] = [];
    for (const s of this.items) {
      if (s.status !== 'pending' || (this.running.get(s.group) ?? 0) >= this.limit) continue;
      s.status = 'running';
      const now = (this.running.get(s.group) ?? 0) + 1;
      this.running.set(s.group, now);
      this.maxRunningPerGroup = Math.max(this.maxRunningPerGroup, now);
      picked.push(s);
    }
    return picked;
  }

  /** What the item's child job is started with; every job carries the batch id for the cost ledger. */
  jobInput(s: BatchItemState): JobInput {
    const input = this.input;
    return {
      request: s.item.request,
      mode: this.modeOf(s.item),
      account: this.accountOf(s.item),
      ...childJobOptions(input),
      ...(input.slots ? { slots: input.slots, priority: 'batch' as const } : {}),
      costTags: { ...input.costTags, batchId: this.batchId },
      lineage: { batchId: this.batchId, batchItemId: s.item.id },
    };
  }

  /** The server accepted a start of the item's child under `jobId` (a resubmit has an id of its own). */
  recordStarted(s: BatchItemState, jobId: string): void {
    s.jobId = jobId;
  }

  /** The item's child ended: its place in the group frees up, and its outcome is kept for progress and report. */
  recordOutcome(s: BatchItemState, outcome: ChildOutcome): void {
    this.running.set(s.group, this.running.get(s.group)! - 1);
    this.dirty = true;
    if (outcome.status === 'succeeded') {
      s.status = 'succeeded';
      s.taskId = outcome.result.taskId;
      s.result = summariseJob(outcome.result);
    } else {
      s.status = outcome.status;
      s.failure = outcome.failure;
    }
  }

  /** After a cancel request: nothing new starts, and every item not yet started ends as cancelled. */
  cancelPending(): void {
    for (const s of this.items) {
      if (s.status === 'pending') {
        s.status = 'cancelled';
        s.failure = { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled' };
      }
    }
  }

  /** Some child is still running. */
  isBusy(): boolean {
    return this.items.some((i) => i.status === 'running');
  }

  /** Every item has an outcome. */
  isFinished(): boolean {
    return this.items.every((i) => i.status !== 'pending' && i.status !== 'running');
  }

  /** The workflow is about to end (completed or cancelled); the progress query says so from now on. */
  markDone(): void {
    this.done = true;
  }

  /** What `getBatchProgressQuery` answers: counts, per-group load and every item. */
  progress(): BatchProgress {
    const items = this.items;
    return {
      batchId: this.batchId,
      done: this.done,
      total: items.length,
      pending: this.count('pending'),
      running: this.count('running'),
      succeeded: this.count('succeeded'),
      failed: this.count('failed'),
      cancelled: this.count('cancelled'),
      maxRunningPerGroup: this.maxRunningPerGroup,
      groups: [...new Set(items.map((i) => i.group))].map((key) => ({
        key,
        running: this.running.get(key) ?? 0,
        limit: this.limit,
      })),
      items: items.map((i) => ({
        id: i.item.id,
        status: i.status,
        jobId: i.jobId,
        ...(i.taskId ? { taskId: i.taskId } : {}),
        ...(i.failure ? { failure: i.failure } : {}),
      })),
    };
  }

  /** The workflow's result, once {@link isFinished}: every item in list order, and the totals. */
  report(): BatchReport {
    const reports = this.items.map((s): BatchItemReport => ({
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
      succeeded: this.count('succeeded'),
      failed: this.count('failed'),
      cancelled: this.count('cancelled'),
    };
    return { ...(this.input.name ? { name: this.input.name } : {}), batchId: this.batchId, items: reports, summary };
  }
}
