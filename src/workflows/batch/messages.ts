/** Messages of the batch workflows: progress queries, the paged engine's control signals, and their payloads. Workflow-safe. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BatchCounts, BatchLiveProgress, ChunkProgressSignal } from '../../shared/batch-run-types';
import type { BatchProgress } from '../../shared/pipeline-types';

export type { BatchInput, BatchProgress } from '../../shared/pipeline-types';
export type { BatchLiveProgress, PagedBatchInput } from '../../shared/batch-run-types';

/** Counts, per-group load and every item's status and job id. */
export const getBatchProgressQuery = defineQuery<BatchProgress>('getBatchProgress');

/** Workflow type names of the paged engine (clients start and read them by name). */
export const PAGED_BATCH_WORKFLOW_TYPE = 'pagedBatchWorkflow';
export const BATCH_CHUNK_WORKFLOW_TYPE = 'batchChunkWorkflow';

/** The paged batch's live summary (counts from written manifest pages; the running chunk adds its own). */
export const getPagedBatchProgressQuery = defineQuery<BatchLiveProgress>('getPagedBatchProgress');

/** `true` pauses (running items finish, nothing new starts), `false` resumes. Sent to the batch; it tells its chunk. */
export const setBatchPausedSignal = defineSignal<[boolean]>('setBatchPaused');

/** A chunk wrote a manifest page. */
export const chunkProgressSignal = defineSignal<[ChunkProgressSignal]>('chunkProgress');

/** What a chunk has running and finished but not yet written to a page. */
export interface ChunkLiveProgress {
  chunk: number;
  running: number;
  waiting: number;
  unwritten: BatchCounts;
}

export const getChunkProgressQuery = defineQuery<ChunkLiveProgress>('getChunkProgress');
