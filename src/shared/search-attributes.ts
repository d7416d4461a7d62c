/**
 * Typed search attribute keys. The webhook receiver finds a job by `MjTaskId` when the proxy does not echo `state`.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { JobLineage } from './job-read-model';

export const MJ_TASK_ID = defineSearchAttributeKey('MjTaskId', SearchAttributeType.KEYWORD);
export const MJ_STATUS = defineSearchAttributeKey('MjStatus', SearchAttributeType.KEYWORD);
export const MJ_ACTION = defineSearchAttributeKey('MjAction', SearchAttributeType.KEYWORD);
export const MJ_MODE = defineSearchAttributeKey('MjMode', SearchAttributeType.KEYWORD);
/** The gateway tenant that owns a job (set at start by the gateway). */
export const MJ_TENANT = defineSearchAttributeKey('MjTenant', SearchAttributeType.KEYWORD);
/** The job whose button a job pressed (`JobLineage.parentJobId`), so a job's children can be listed. */
export const MJ_PARENT_JOB = defineSearchAttributeKey('MjParentJob', SearchAttributeType.KEYWORD);
/** The batch that started a job (`JobLineage.batchId`). */
export const MJ_BATCH = defineSearchAttributeKey('MjBatch', SearchAttributeType.KEYWORD);

/** Every key this service writes; the dev server and the tests register these. */
export const SEARCH_ATTRIBUTE_KEYS = [MJ_TASK_ID, MJ_STATUS, MJ_ACTION, MJ_MODE, MJ_TENANT, MJ_PARENT_JOB, MJ_BATCH];

/** The lineage keys a job is started with (`MjParentJob`, `MjBatch`), for every starter of a job. */
export function lineageSearchAttributes(lineage: JobLineage | undefined): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  if (lineage?.parentJobId) pairs.push({ key: MJ_PARENT_JOB, value: lineage.parentJobId });
  if (lineage?.batchId) pairs.push({ key: MJ_BATCH, value: lineage.batchId });
  return pairs;
}
