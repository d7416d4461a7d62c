/** Messages of `batchWorkflow`: its progress query and the payload types readers use. Workflow-safe. */
import { defineQuery } from '@temporalio/workflow';
import type { BatchProgress } from '../../shared/pipeline-types';

export type { BatchInput, BatchProgress } from '../../shared/pipeline-types';

/** Counts, per-group load and every item's status and job id. */
export const getBatchProgressQuery = defineQuery<BatchProgress>('getBatchProgress');
