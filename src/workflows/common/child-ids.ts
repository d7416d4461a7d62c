/**
 * Child workflow ids that fit the persistence. A pipeline child is `<pipelineId>/<step>/<branch>` and a batch item
 * `<batchId>/<itemId>`; with a 200-character caller key, a Schedule's timestamp suffix and nested branch labels that
 * can pass 255 characters, the width of the workflow id column on PostgreSQL and MySQL (`VARCHAR(255)`; the cluster
 * sets `limit.maxIDLength` to match). Such a child would fail to start there, after the parent had been accepted.
 * An id that fits is kept as written, so ids people read stay the same; a longer one keeps its head and ends in a
 * hash of the whole, so it stays unique and the same on every replay. Workflow-safe (no Node modules).
 */
import { idHash } from '../../shared/fnv';

/** The widest workflow id every supported persistence stores. */
export const MAX_WORKFLOW_ID_LENGTH = 255;

/** True when `parentId/suffix` is wider than the persistence allows, so {@link childWorkflowId} would shorten it. */
export function childIdTooLong(parentId: string, suffix: string): boolean {
  return parentId.length + 1 + suffix.length > MAX_WORKFLOW_ID_LENGTH;
}

/** `parentId/suffix`, or, when that is too wide, its first characters then `~` and a hash of the whole id. */
export function childWorkflowId(parentId: string, suffix: string): string {
  const full = `${parentId}/${suffix}`;
  if (full.length <= MAX_WORKFLOW_ID_LENGTH) return full;
  const hash = idHash(full);
  return `${full.slice(0, MAX_WORKFLOW_ID_LENGTH - hash.length - 1)}~${hash}`;
}
