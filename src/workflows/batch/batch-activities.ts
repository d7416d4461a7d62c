/**
 * The activities the paged batch engine calls, declared on the workflow side (implemented in
 * src/activities/batch-pages.ts): items are read from the stored input a chunk at a time, and manifest pages are
 * written to the asset store under content-addressed keys, so a retried write stores the same page under the same key.
 */
import type { ManifestLine, StoredBatchItem } from '../../shared/batch-run-types';

/** How the batch workflows retry these activities (each picks its own timeout). */
export const BATCH_ACTIVITY_RETRY = { initialInterval: '1s', maximumInterval: '30s' } as const;

export interface ReadBatchItemsInput {
  inputKey: string;
  offset: number;
  count: number;
}

export interface WriteManifestPageInput {
  batchId: string;
  lines: ManifestLine[];
}

/** Items `[offset, total)` were never started (budget used up, or cancelled): list them, a page at a time. */
export interface ListNotStartedInput {
  batchId: string;
  attempt: number;
  inputKey: string;
  offset: number;
  reason: 'budget' | 'cancelled';
}

export interface BatchActivities {
  readBatchItems(input: ReadBatchItemsInput): Promise<StoredBatchItem[]>;
  /** @returns the page's store key */
  writeManifestPage(input: WriteManifestPageInput): Promise<string>;
  /** @returns the page keys, in order, and how many items they list */
  listNotStarted(input: ListNotStartedInput): Promise<{ pages: string[]; items: number }>;
}
