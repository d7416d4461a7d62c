/**
 * The state of a paged batch (`pagedBatchWorkflow`): which chunk runs next, the counts its chunks reported, the
 * manifest pages written, pause time, budget and deadline, and what continue-as-new carries. No Temporal calls
 * (test/unit/workflows/paged-batch-run.test.ts). Workflow-safe.
 */
import {
  DEFAULT_BATCH_CHUNK_SIZE,
  type BatchChunkInput,
  type BatchChunkResult,
  type BatchCounts,
  type BatchLiveProgress,
  type BatchRunState,
  type ChunkProgressSignal,
  type PagedBatchCarry,
  type PagedBatchInput,
} from '../../shared/batch-run-types';
import { batchPace, paceFields, type BatchPace, type BatchTally } from '../../shared/batch-tally';
import { childWorkflowId } from '../common/child-ids';
import { emptyCounts } from './chunk-run';

/** The workflow id of chunk `n` of a batch (`~` keeps it apart from item ids, which never contain one). */
export const chunkWorkflowId = (batchId: string, n: number): string => childWorkflowId(batchId, `~chunk-${n}`);

export class PagedBatchRun {
  readonly chunkSize: number;
  readonly attempt: number;
  readonly carry: PagedBatchCarry;
  /** Spent by the running chunk so far (from its page signals). */
  private chunkSpent = 0;
  /** Set while a chunk runs. */
  current?: number;
  private pausedSince?: number;
  private endedAt?: number;
  state: BatchRunState = 'running';

  constructor(
    private readonly input: PagedBatchInput,
    readonly batchId: string,
    now: number
  ) {
    this.chunkSize = Math.max(1, input.chunkSize ?? DEFAULT_BATCH_CHUNK_SIZE);
    this.attempt = input.attempt ?? 1;
    this.carry = input.carry
      ? { ...input.carry, counts: { ...input.carry.counts }, pages: [...input.carry.pages], runs: input.carry.runs + 1 }
      : {
          nextChunk: 0,
          counts: emptyCounts(),
          spent: 0,
          pages: [],
          paused: false,
          startedAt: now,
          idleMs: 0,
          budgetStopped: false,
          runs: 1,
          maxRunEvents: 0,
        };
    if (this.carry.paused) this.pausedSince = now;
  }

  get paused(): boolean {
    return this.carry.paused;
  }

  /** Pause or resume; pause time is left out of the rate. @returns whether anything changed */
  setPaused(paused: boolean, now: number): boolean {
    if (paused === this.carry.paused) return false;
    this.carry.paused = paused;
    if (paused) this.pausedSince = now;
    else if (this.pausedSince !== undefined) {
      this.carry.idleMs += now - this.pausedSince;
      this.pausedSince = undefined;
    }
    return true;
  }

  /** Offset of the first item not yet given to a chunk. */
  nextOffset(): number {
    return Math.min(this.input.total, this.carry.nextChunk * this.chunkSize);
  }

  hasNextChunk(): boolean {
    return !this.carry.budgetStopped && this.nextOffset() < this.input.total;
  }

  /** The next chunk's input (and marks it running). */
  nextChunk(): BatchChunkInput {
    const n = this.carry.nextChunk;
    const offset = this.nextOffset();
    const budget = this.input.settings.budget;
    this.current = n;
    this.chunkSpent = 0;
    return {
      batchId: this.batchId,
      chunk: n,
      inputKey: this.input.inputKey,
      offset,
      count: Math.min(this.chunkSize, this.input.total - offset),
      attempt: this.attempt,
      settings: this.input.settings,
      ...(budget !== undefined ? { budgetLeft: Math.max(0, budget - this.carry.spent) } : {}),
      paused: this.carry.paused,
    };
  }

  onPage(p: ChunkProgressSignal): void {
    if (this.carry.pages.includes(p.page)) return;
    this.carry.pages.push(p.page);
    for (const k of Object.keys(p.counts) as (keyof typeof p.counts)[]) this.carry.counts[k] += p.counts[k];
    this.chunkSpent = p.spent;
  }

  onChunkDone(r: BatchChunkResult): void {
    this.carry.spent += r.spent;
    this.chunkSpent = 0;
    this.carry.nextChunk = r.chunk + 1;
    this.carry.maxRunEvents = Math.max(this.carry.maxRunEvents, r.historyLength);
    if (r.budgetStopped) this.carry.budgetStopped = true;
    this.current = undefined;
  }

  /** Items never given to a chunk were listed as not started (budget used up, or cancelled). */
  onNotStarted(pages: string[], items: number): void {
    this.carry.pages.push(...pages.filter((p) => !this.carry.pages.includes(p)));
    this.carry.counts.notStarted += items;
    this.carry.nextChunk = Math.ceil(this.input.total / this.chunkSize);
  }

  /** What continue-as-new carries (never the items: they stay in the store). */
  continueInput(historyLength: number): PagedBatchInput {
    const carry = { ...this.carry, maxRunEvents: Math.max(this.carry.maxRunEvents, historyLength) };
    return { ...this.input, carry };
  }

  private done(): number {
    const c = this.carry.counts;
    return c.succeeded + c.failed + c.cancelled + c.notStarted;
  }

  /** The batch has ended (`done` or `cancelled`) at `now`: its rate is measured to here from now on. */
  end(state: 'done' | 'cancelled', now: number): void {
    this.state = state;
    this.endedAt = now;
  }

  /** The counts and the clock (pause time left out of the rate); the running chunk's items are in `waiting`. */
  tally(): BatchTally & BatchCounts {
    const waiting = this.input.total - this.done();
    return {
      ...this.carry.counts,
      running: 0,
      waiting,
      startedAt: this.carry.startedAt,
      ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {}),
      idleMs: this.carry.idleMs,
      ...(this.pausedSince !== undefined ? { pausedSince: this.pausedSince } : {}),
    };
  }

  /** Rate, ETA (quiet hours skipped) and the deadline's reachability at `now`. */
  pace(now: number): BatchPace {
    return batchPace(this.tally(), now, this.input.settings);
  }

  progress(now: number, historyLength: number): BatchLiveProgress {
    const s = this.input.settings;
    const tally = this.tally();
    return {
      batchId: this.batchId,
      ...(s.name ? { name: s.name } : {}),
      state: this.state === 'running' && this.carry.paused ? 'paused' : this.state,
      attempt: this.attempt,
      ...(this.input.retryOf ? { retryOf: this.input.retryOf } : {}),
      total: this.input.total,
      done: this.done(),
      ...tally,
      ...paceFields(tally, now, s),
      spent: this.carry.spent + this.chunkSpent,
      ...(s.budget !== undefined ? { budget: s.budget } : {}),
      budgetStopped: this.carry.budgetStopped,
      ...(s.currency ? { currency: s.currency } : {}),
      ...(this.current !== undefined ? { currentChunk: chunkWorkflowId(this.batchId, this.current) } : {}),
      pages: [...this.carry.pages],
      runs: this.carry.runs,
      maxRunEvents: Math.max(this.carry.maxRunEvents, historyLength),
      inputKey: this.input.inputKey,
      settings: s,
    };
  }
}
