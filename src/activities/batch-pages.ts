/**
 * The paged batch engine's store activities: reading a chunk of items from the batch's stored input (JSON Lines,
 * one item per line) and writing manifest pages. The input is immutable (content-addressed), so its parsed lines are
 * cached per worker for the few files in use; pages are content-addressed too, so a retried write stores the same
 * bytes under the same key and returns it again.
 */
import type { AssetStore } from '../assets/asset-store';
import { safeKeySegment } from '../assets/asset-keys';
import { MANIFEST_PAGE_ITEMS, type ManifestLine, type StoredBatchItem } from '../shared/batch-run-types';
import { ACTIVITY_FAILURE, PIPELINE_FAILURE } from '../shared/failure-types';
import { ApplicationFailure } from '@temporalio/common';
import type {
  BatchActivities,
  ListNotStartedInput,
  ReadBatchItemsInput,
  WriteManifestPageInput,
} from '../workflows/batch/batch-activities';
import { BUDGET_EXHAUSTED } from '../workflows/batch/chunk-run';
import { endedLine, manifestText } from '../workflows/batch/manifest-lines';

/** Parsed input files kept per worker (each at most MAX_PAGED_BATCH_ITEMS lines). */
const CACHED_INPUTS = 4;

/** Store key prefix of a batch's manifest pages. */
export const manifestPrefix = (batchId: string): string => `batches/${safeKeySegment(batchId)}/manifest`;

export function createBatchActivities(store: AssetStore): BatchActivities {
  const cache = new Map<string, Promise<StoredBatchItem[]>>();
  const itemsOf = (key: string): Promise<StoredBatchItem[]> => {
    let items = cache.get(key);
    if (!items) {
      items = store.get(key).then((bytes) =>
        Buffer.from(bytes)
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as StoredBatchItem)
      );
      items.catch(() => cache.delete(key));
      cache.set(key, items);
      while (cache.size > CACHED_INPUTS) cache.delete(cache.keys().next().value!);
    }
    return items;
  };
  const writePage = async (batchId: string, lines: ManifestLine[]): Promise<string> => {
    const ref = await store.put(Buffer.from(manifestText(lines), 'utf8'), {
      contentType: 'text/plain',
      extension: 'jsonl',
      prefix: manifestPrefix(batchId),
    });
    return ref.key;
  };

  return {
    async readBatchItems({ inputKey, offset, count }: ReadBatchItemsInput) {
      let items: StoredBatchItem[];
      try {
        items = await itemsOf(inputKey);
      } catch (err) {
        throw ApplicationFailure.create({
          type: ACTIVITY_FAILURE.invalidInput,
          message: `batch input ${inputKey} is unreadable: ${(err as Error).message}`,
          nonRetryable: (err as { code?: string }).code === 'ASSET_NOT_FOUND',
        });
      }
      return items.slice(offset, offset + count);
    },

    writeManifestPage: ({ batchId, lines }: WriteManifestPageInput) => writePage(batchId, lines),

    async listNotStarted({ batchId, attempt, inputKey, offset, reason }: ListNotStartedInput) {
      const rest = (await itemsOf(inputKey)).slice(offset);
      const failure =
        reason === 'budget'
          ? BUDGET_EXHAUSTED
          : { type: PIPELINE_FAILURE.cancelled, message: 'the batch was cancelled before this item started' };
      const pages: string[] = [];
      for (let i = 0; i < rest.length; i += MANIFEST_PAGE_ITEMS * 4) {
        const lines = rest
          .slice(i, i + MANIFEST_PAGE_ITEMS * 4)
          .map((item) => endedLine({ batchId, attempt }, item, 'not-started', failure));
        pages.push(await writePage(batchId, lines));
      }
      return { pages, items: rest.length };
    },
  };
}
