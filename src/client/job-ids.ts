/**
 * Job ids. A handle's `jobId` is the Temporal workflow id (`mj-job-…`, `mj-pipeline-…`, `mj-batch-…`, a pipeline
 * child `mj-pipeline-…/<step>/<branch>`, or a gateway id); a caller may also pass the key it chose with `jobId`
 * (`order-1` for `mj-job-order-1`). Resolution never guesses beyond that: an id that names neither is not a job.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { MjInputError } from '../mj/errors';
import { WORKFLOW_ID_PREFIX } from '../shared/constants';
import { JobNotFoundError } from './errors';

export type WorkflowKind = keyof typeof WORKFLOW_ID_PREFIX;

const PREFIXES = Object.values(WORKFLOW_ID_PREFIX).map((p) => `${p}-`);

/** The workflow id for a new workflow of `kind`: the caller's key prefixed (unless it already is), or a UUID. */
export function newWorkflowId(kind: WorkflowKind, key: string | undefined): string {
  const prefix = `${WORKFLOW_ID_PREFIX[kind]}-`;
  if (key === undefined) return `${prefix}${randomUUID()}`;
  return key.startsWith(prefix) ? key : `${prefix}${key}`;
}

/** True when `id` is already a full workflow id of ours, so it is used as is. */
export function isFullWorkflowId(id: string): boolean {
  return PREFIXES.some((p) => id.startsWith(p));
}

export interface ResolvedJob {
  workflowId: string;
  info: WorkflowExecutionDescription;
}

/**
 * The workflow an id names: the id itself when a workflow has it, else the one workflow whose prefixed id it is
 * (`p1` → `mj-job-p1`, `mj-pipeline-p1` or `mj-batch-p1`). Throws {@link JobNotFoundError} when none exists and
 * `MjInputError` when the key is taken by more than one kind (the full id then says which).
 */
export async function resolveJob(client: Client, id: string): Promise<ResolvedJob> {
  const exact = await describeOrUndefined(client, id);
  if (exact) return { workflowId: id, info: exact };
  if (isFullWorkflowId(id)) throw new JobNotFoundError(id);
  const candidates = Object.values(WORKFLOW_ID_PREFIX).map((p) => `${p}-${id}`);
  const found = (
    await Promise.all(
      candidates.map(async (workflowId) => {
        const info = await describeOrUndefined(client, workflowId);
        return info ? { workflowId, info } : undefined;
      })
    )
  ).filter((r): r is ResolvedJob => r !== undefined);
  if (found.length === 0) throw new JobNotFoundError(id);
  if (found.length > 1) {
    throw new MjInputError('jobId', `must name one workflow (${found.map((f) => f.workflowId).join(' and ')} exist)`);
  }
  return found[0]!;
}

/**
 * The workflow id an id names, resolving a caller's key only when it is not a full id already: the cheap path for
 * the ids handles return, with no extra round trip.
 */
export async function resolveJobId(client: Client, id: string): Promise<string> {
  return isFullWorkflowId(id) ? id : (await resolveJob(client, id)).workflowId;
}

export async function describeOrUndefined(
  client: Client,
  id: string
): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
