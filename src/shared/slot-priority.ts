/**
 * The slot priority rule: which class of work a job's account slot request belongs to, and how many slots batch work
 * may hold. One module, used by the starters (`src/job-start/`, the child-job starter of pipelines and batches), the
 * job workflow, the slot manager and routing's caps (an upstream mode's `concurrency`). Workflow-safe.
 */
import { SLOT_RESERVED_FOR_INTERACTIVE } from './defaults';
import type { JobInput, SlotLimits, SlotPriority } from './types';

/** The job's slot priority: the one it was started with, else 'batch' for a batch's job, else 'interactive'. */
export function jobSlotPriority(input: Pick<JobInput, 'priority' | 'lineage' | 'costTags'>): SlotPriority {
  if (input.priority) return input.priority;
  return input.lineage?.batchId !== undefined || input.costTags?.batchId !== undefined ? 'batch' : 'interactive';
}

/** Of `limit` places, how many batch work never takes: `configured`, else the default, at most `limit - 1`. */
export function keptForInteractive(limit: number, configured: number | undefined): number {
  return Math.max(0, Math.min(configured ?? SLOT_RESERVED_FOR_INTERACTIVE, limit - 1));
}

/** Slots of the limit batch work never takes: the configured share, else the default, at most `limit - 1`. */
export function reservedForInteractive(limits: SlotLimits): number {
  return keptForInteractive(limits.limit, limits.reservedForInteractive);
}

/** Most slots batch work may hold at once. */
export function batchSlotLimit(limits: SlotLimits): number {
  return limits.limit - reservedForInteractive(limits);
}
