/**
 * The state and decisions of one chunk of a paged batch (`batchChunkWorkflow`): which of its items start now
 * (concurrency, pause, budget), what each child is given, what its outcome adds to the manifest, and when a
 * manifest page is due. No Temporal calls, so unit tests cover it without a server
 * (test/unit/workflows/batch-chunk-run.test.ts). Workflow-safe.
 */
import type { SpeedMode } from '../../mj/types';
import {
  MANIFEST_PAGE_ITEMS,
  type BatchChunkInput,
  type BatchCounts,
  type ManifestLine,
  type StoredBatchItem,
} from '../../shared/batch-run-types';
import { DEFAULT_ACCOUNT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_MODE } from '../../shared/defaults';
import { ACTIVITY_FAILURE, PIPELINE_FAILURE } from '../../shared/failure-types';
import type { EntryRequest, FailureInfo, PipelineInput, PipelineResult } from '../../shared/pipeline-types';
import type { JobInput } from '../../shared/types';
import { childJobOptions, summariseJob, type ChildOutcome } from '../common/child-jobs';
import { childWorkflowId } from '../common/child-ids';
import { endedLine, pipelineLines, succeededJobLines, type LineContext } from './manifest-lines';

export type ChunkItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'not-started';

export interface ChunkItem {
  readonly item: StoredBatchItem;
  readonly jobId: string;
  status: ChunkItemStatus;
}

/** Why items were left unstarted when the budget ran out. */
export const BUDGET_EXHAUSTED: FailureInfo = {
  type: 'BudgetExhausted',
  message: 'the batch budget ran out before this item started',
};

export const emptyCounts = (): BatchCounts => ({ succeeded: 0, failed: 0, cancelled: 0, notStarted: 0 });

/** `{prompt}` in a template's entry prompts becomes the item's prompt (and its params). */
export function templatedInput(input: BatchChunkInput, item: StoredBatchItem): PipelineInput {
  const s = input.settings;
  const prompt = [item.prompt ?? '', item.params ?? ''].join(' ').trim();
  const steps = s.template!.steps.map((step) => {
    if (step.kind !== 'entry' || !('prompt' in step.request)) return step;
    const request = { ...step.request, prompt: step.request.prompt.split('{prompt}').join(prompt) } as EntryRequest;
    return { ...step, request };
  });
  return {
    ...s.template!,
    name: item.id,
    steps,
    mode: item.mode ?? s.mode ?? s.template!.mode ?? DEFAULT_MODE,
    account: item.account ?? s.account ?? s.template!.account ?? DEFAULT_ACCOUNT,
    costTags: { ...s.costTags, batchId: input.batchId },
    ...(s.captureImages !== undefined ? { captureImages: s.captureImages } : {}),
    lineage: { batchId: input.batchId, batchItemId: item.id },
  };
}

export class ChunkRun {
  readonly items: ChunkItem[];
  private readonly limit: number;
  private readonly ctx: LineContext;
  paused: boolean;
  /** Set whenever something changed what {@link takeStartable} would pick or a page became due. */
  dirty = true;
  spent = 0;
  budgetStopped = false;
  readonly counts = emptyCounts();
  /** Manifest pages written, in order. */
  readonly pages: string[] = [];
  /** Lines of finished items not yet written, and how many items they cover. */
  private buffer: ManifestLine[] = [];
  private buffered = 0;
  private readonly unflushed = emptyCounts();

  constructor(
    private readonly input: BatchChunkInput,
    items: StoredBatchItem[]
  ) {
    this.limit = Math.max(1, input.settings.concurrency ?? DEFAULT_BATCH_CONCURRENCY);
    this.paused = input.paused;
    this.ctx = { batchId: input.batchId, attempt: input.attempt };
    this.items = items.map((item) => ({ item, jobId: childWorkflowId(input.batchId, item.id), status: 'pending' }));
  }

  get templated(): boolean {
    return this.input.settings.template !== undefined;
  }

  running(): number {
    return this.items.filter((i) => i.status === 'running').length;
  }

  /** Pending items that may start now, in order, each marked running; none while paused or out of budget. */
  takeStartable(): ChunkItem[] {
    if (this.paused || this.budgetStopped) return [];
    const picked: ChunkItem[] = [];
    let running = this.running();
    for (const s of this.items) {
      if (running >= this.limit) break;
      if (s.status !== 'pending') continue;
      const left = this.input.budgetLeft;
      if (left !== undefined && this.spent + s.item.estimate > left + 1e-9) {
        this.stopForBudget();
        break;
      }
      s.status = 'running';
      this.spent += s.item.estimate;
      running++;
      picked.push(s);
    }
    return picked;
  }

  /** The budget is used up: no further item starts, and the pending ones are listed as not started. */
  private stopForBudget(): void {
    this.budgetStopped = true;
    this.endPending('not-started', BUDGET_EXHAUSTED);
  }

  private endPending(status: 'not-started' | 'cancelled', failure: FailureInfo): void {
    for (const s of this.items.filter((i) => i.status === 'pending')) {
      s.status = status;
      this.add(status === 'cancelled' ? 'cancelled' : 'notStarted', [endedLine(this.ctx, s.item, status, failure)]);
    }
  }

  /** After a cancel request: nothing new starts; pending items end as cancelled. */
  cancelPending(): void {
    this.endPending('cancelled', { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled' });
  }

  jobInput(s: ChunkItem): JobInput {
    const st = this.input.settings;
    const request =
      s.item.request ??
      ({ kind: 'imagine', prompt: [s.item.prompt ?? '', s.item.params ?? ''].join(' ').trim() } as const);
    const mode: SpeedMode = s.item.mode ?? st.mode ?? DEFAULT_MODE;
    return {
      request,
      mode,
      account: s.item.account ?? st.account ?? DEFAULT_ACCOUNT,
      ...childJobOptions(st),
      costTags: { ...st.costTags, batchId: this.input.batchId },
      lineage: { batchId: this.input.batchId, batchItemId: s.item.id },
    };
  }

  pipelineInput(s: ChunkItem): PipelineInput {
    return templatedInput(this.input, s.item);
  }

  private add(key: keyof BatchCounts, lines: ManifestLine[]): void {
    this.counts[key]++;
    this.unflushed[key]++;
    this.buffer.push(...lines);
    this.buffered++;
    this.dirty = true;
  }

  /** A plain item's job ended. */
  recordJob(s: ChunkItem, outcome: ChildOutcome): void {
    if (outcome.status === 'succeeded') {
      s.status = 'succeeded';
      this.add('succeeded', succeededJobLines(this.ctx, s.item, s.jobId, summariseJob(outcome.result)));
      return;
    }
    s.status = outcome.status;
    this.add(outcome.status, [endedLine(this.ctx, s.item, outcome.status, outcome.failure, s.jobId)]);
    if (outcome.failure.type === ACTIVITY_FAILURE.budgetExceeded && !this.budgetStopped) this.stopForBudget();
  }

  /** A templated item's pipeline ended (it succeeds when every step × branch did). */
  recordPipeline(s: ChunkItem, result: PipelineResult): void {
    const prices = this.input.settings.stepPrices ?? {};
    const lines = pipelineLines(this.ctx, s.item, result, (step) => prices[step] ?? 0);
    s.status = result.summary.succeeded === result.summary.total ? 'succeeded' : 'failed';
    this.add(s.status === 'succeeded' ? 'succeeded' : 'failed', lines);
  }

  /** A templated item's pipeline could not run (cancelled, or its start refused). */
  recordPipelineFailure(s: ChunkItem, status: 'failed' | 'cancelled', failure: FailureInfo): void {
    s.status = status;
    this.add(status, [endedLine(this.ctx, s.item, status, failure, s.jobId)]);
  }

  /** A page is due: enough items finished, or (`final`) the chunk is ending with some unwritten. */
  pageDue(final = false): boolean {
    return this.buffered >= MANIFEST_PAGE_ITEMS || (final && this.buffered > 0);
  }

  /** Takes the buffered lines (and the counts they add) for one page. */
  takePage(): { lines: ManifestLine[]; counts: BatchCounts } {
    const page = { lines: this.buffer, counts: { ...this.unflushed } };
    this.buffer = [];
    this.buffered = 0;
    Object.assign(this.unflushed, emptyCounts());
    return page;
  }

  /** Counts finished but not yet reported in a page (the client adds them to the batch's). */
  pendingCounts(): BatchCounts {
    return { ...this.unflushed };
  }

  isBusy(): boolean {
    return this.items.some((i) => i.status === 'running');
  }

  isFinished(): boolean {
    return this.items.every((i) => i.status !== 'pending' && i.status !== 'running');
  }
}
