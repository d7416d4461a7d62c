/**
 * The batch workflow's own check of its input (`BatchInvalid`). Clients validate prompt files at the edge
 * (`src/pipeline/batch.ts`); this check guards the workflow against inputs started by other means, before any child
 * starts. Workflow-safe.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { MAX_BATCH_ITEMS } from '../../shared/defaults';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type { BatchInput } from '../../shared/pipeline-types';

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: PIPELINE_FAILURE.batchInvalid, message, nonRetryable: true });
}

/** Throws a non-retryable `BatchInvalid` failure naming the first bad item. */
export function checkBatchInput(input: BatchInput): void {
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
