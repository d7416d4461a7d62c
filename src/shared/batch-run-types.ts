/**
 * Inputs, outputs and message payloads of the paged batch engine (`pagedBatchWorkflow` and its chunk children):
 * batches of up to {@link MAX_PAGED_BATCH_ITEMS} items whose list is stored once in the asset store and read by
 * activities a chunk at a time. Plain serialisable data, workflow-safe. The engine is described in
 * docs/pipelines-and-batches.md.
 */
import type { SpeedMode } from '../mj/types';
import type { BatchTally, DeadlineView } from './batch-tally';
import type { ChildJobSettings, FailureInfo, PipelineInput } from './pipeline-types';
import type { QuietWindow } from './quiet-hours';
import type { JobRequest } from './types';

/** Most items of one paged batch. */
export const MAX_PAGED_BATCH_ITEMS = 100_000;

/** Items one chunk child runs; bounds the chunk's history (see `chunkHistoryBound`). */
export const DEFAULT_BATCH_CHUNK_SIZE = 100;

/** Manifest lines per stored manifest page: a page is written each time this many items of a chunk finished. */
export const MANIFEST_PAGE_ITEMS = 25;

/** One item as stored in the batch's input file (one JSON line each). */
export interface StoredBatchItem {
  id: string;
  /** 1-based line of the source file, when it came from one. */
  line?: number;
  /** A single job; absent when the batch has a pipeline template (then `prompt` fills it). */
  request?: JobRequest;
  /** The prompt of a templated item (substituted for `{prompt}` in the template's entry steps). */
  prompt?: string;
  mode?: SpeedMode;
  account?: string;
  /** Extra prompt parameters appended to the prompt (e.g. `--ar 3:2 --seed 7`). */
  params?: string;
  /** Estimated price of the item (every step of its template), from the configured prices. */
  estimate: number;
  /** Retry attempts: the job (or pipeline) id of the failed attempt this one repeats. */
  retryOf?: string;
}

/**
 * A per-item pipeline: the pipeline input without its name and lineage (the chunk names it and gives it the batch
 * item's); `{prompt}` in entry prompts is the item's prompt.
 */
export type BatchTemplate = Omit<PipelineInput, 'name' | 'lineage'>;

/** Settings every chunk of a batch shares. Small: the items themselves stay in the store. */
export interface BatchSettings extends ChildJobSettings {
  name?: string;
  /** Most items running at once in the whole batch. @default DEFAULT_BATCH_CONCURRENCY */
  concurrency?: number;
  template?: BatchTemplate;
  /** Estimated price of one job of each template step (manifest `cost` of that step's lines). */
  stepPrices?: Record<string, number>;
  quietHours?: QuietWindow[];
  /** Epoch ms the batch should be done by; progress says whether the current rate reaches it. */
  deadline?: number;
  /** Most the batch may spend (estimates of started items); the rest is listed as not started. */
  budget?: number;
  currency?: string;
}

/** What `pagedBatchWorkflow` is started with (and continues as new with). */
export interface PagedBatchInput {
  settings: BatchSettings;
  /** Store key of the input file (JSON Lines of {@link StoredBatchItem}). */
  inputKey: string;
  total: number;
  /** @default DEFAULT_BATCH_CHUNK_SIZE */
  chunkSize?: number;
  /** Continue as new between chunks once the history passed this. @default CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents?: number;
  /** 1 for the first run, n+1 for the n-th retry of failed items. */
  attempt?: number;
  /** The batch whose failed items this one retries. */
  retryOf?: string;
  /** Carried through continue-as-new; absent on a fresh start. */
  carry?: PagedBatchCarry;
}

export interface BatchCounts {
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Not started: the budget ran out or the batch was cancelled first. */
  notStarted: number;
}

export interface PagedBatchCarry {
  nextChunk: number;
  counts: BatchCounts;
  spent: number;
  pages: string[];
  paused: boolean;
  startedAt: number;
  /** Milliseconds spent paused or in quiet hours so far (left out of the rate). */
  idleMs: number;
  budgetStopped: boolean;
  runs: number;
  maxRunEvents: number;
}

/** What a chunk child runs: items `[offset, offset + count)` of the input file. */
export interface BatchChunkInput {
  batchId: string;
  chunk: number;
  inputKey: string;
  offset: number;
  count: number;
  attempt: number;
  settings: BatchSettings;
  /** What the batch may still spend (`settings.budget` less what earlier chunks started). */
  budgetLeft?: number;
  paused: boolean;
}

export interface BatchChunkResult {
  chunk: number;
  counts: BatchCounts;
  spent: number;
  /** Manifest pages the chunk wrote (each also signalled to the batch as it was written). */
  pages: string[];
  budgetStopped: boolean;
  /** The chunk's history length when it ended. */
  historyLength: number;
}

/** Signal payload a chunk sends its batch each time it wrote a manifest page. */
export interface ChunkProgressSignal {
  chunk: number;
  page: string;
  counts: BatchCounts;
  spent: number;
}

export const BATCH_RUN_STATES = ['running', 'paused', 'done', 'cancelled'] as const;
export type BatchRunState = (typeof BATCH_RUN_STATES)[number];

/**
 * The live summary of one batch (the `getPagedBatchProgress` query, merged by the client with its running chunk):
 * a {@link BatchTally} (counts and clock), and its pace at the moment it was read (`batchPace`: rate, ETA, deadline).
 */
export interface BatchLiveProgress extends BatchTally {
  batchId: string;
  name?: string;
  state: BatchRunState;
  attempt: number;
  retryOf?: string;
  total: number;
  /** Items with an outcome: succeeded, failed, cancelled or not started. */
  done: number;
  notStarted: number;
  /** Items finished per minute of running time (pauses left out); 0 before the first (`BatchPace.perMinute`). */
  ratePerMinute: number;
  /** Epoch ms the batch ends at that rate, quiet hours skipped; absent before the first item finished and once ended. */
  eta?: number;
  deadline?: DeadlineView;
  spent: number;
  budget?: number;
  budgetStopped: boolean;
  currency?: string;
  /** Workflow id of the chunk running now. */
  currentChunk?: string;
  /** Manifest page keys written so far, in order. */
  pages: string[];
  /** Runs of the batch workflow so far (continue-as-new) and the largest run's history. */
  runs: number;
  maxRunEvents: number;
  /** The stored input and the settings (what retry-failed starts the next attempt from). */
  inputKey: string;
  settings: BatchSettings;
}

/** The status of one manifest line. */
export const MANIFEST_STATUSES = ['succeeded', 'failed', 'cancelled', 'not-started'] as const;
export type ManifestStatus = (typeof MANIFEST_STATUSES)[number];

/** One line of a batch's manifest: one per item and image (one per item when it made none). */
export interface ManifestLine {
  batchId: string;
  itemId: string;
  attempt: number;
  /** The failed job this attempt repeats. */
  retryOf?: string;
  step: string;
  branch: string;
  /** 0 = the whole image or grid, 1–4 = grid quadrants. */
  n: number;
  status: ManifestStatus;
  jobId?: string;
  /** Readable name of the file: `<batch>/<item>/<step>-<branch>-<n>.<ext>`. */
  name?: string;
  /** Store key of our copy. */
  asset?: string;
  /** The upstream's URL, only when no copy was stored (it expires). */
  url?: string;
  sha256?: string;
  taskId?: string;
  seed?: string;
  cost: number;
  failure?: FailureInfo;
}
