/**
 * The one way a job (`mjJobWorkflow`) is started from Node, used by every door: the typed client (and through it
 * the CLI, the console and schedules' callers) and the gateway. Each door decides the id, the input and the memo;
 * the common part lives here: the task queue, REJECT_DUPLICATE reuse, the search attributes (`MjMode`, `MjTenant`
 * for a tenant's job, `MjParentJob`/`MjBatch` from the input's lineage), today's `pathsVersion`, an eager start where the connection allows it, and "already
 * started" turned into an answer rather than an error.
 *
 * Imports neither `src/client/` nor `src/gateway/`, so both may import it without an import circle.
 */
import {
  InternalConnectionLikeSymbol,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type InternalConnectionLike,
} from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair, type Workflow } from '@temporalio/common';
import type { SpeedMode } from '../mj/types';
import { JOB_WORKFLOW_TYPE } from '../shared/pipeline-types';
import { lineageSearchAttributes, MJ_MODE, MJ_TENANT } from '../shared/search-attributes';
import { jobSlotPriority } from '../shared/slot-priority';
import type { JobInput } from '../shared/types';
// Started by type name (typed by `import type`): a door loads message definitions, never workflow code.
import type { mjJobWorkflow } from '../workflows/job/job-workflow';
import { JOB_PATHS_VERSION } from '../workflows/job/patches';

export interface JobStart {
  client: Client;
  taskQueue: string;
  workflowId: string;
  /**
   * `pathsVersion` is set here (today's paths), whatever the caller passed; `priority` when the caller named none
   * (`jobSlotPriority`: a door's job is interactive unless its lineage places it in a batch).
   */
  input: JobInput;
  /** The `MjMode` search attribute (the job's mode, or the default a door shows for a job that names none). */
  modeAttribute: SpeedMode;
  /** The gateway tenant or console tenant that owns the job (`MjTenant`); none for the client's own jobs. */
  tenant?: string;
  memo?: Record<string, unknown>;
  /**
   * What a start meets when the id runs already: 'FAIL' (answered `alreadyStarted: true`) or 'USE_EXISTING' (an
   * idempotent retry: the running job is the answer). A closed job with the id is always `alreadyStarted: true`.
   * @default 'FAIL'
   */
  conflict?: 'FAIL' | 'USE_EXISTING';
}

/** Starts the job; `alreadyStarted` when a job with this id exists (running or closed) and no new one started. */
export async function startJobWorkflow(s: JobStart): Promise<{ alreadyStarted: boolean }> {
  const { input, ...rest } = s;
  return startOnce<typeof mjJobWorkflow>(
    JOB_WORKFLOW_TYPE,
    [{ ...input, priority: jobSlotPriority(input), pathsVersion: JOB_PATHS_VERSION }],
    {
      ...rest,
      attributes: lineageSearchAttributes(input.lineage),
    }
  );
}

/**
 * Starts a workflow of `type` (a job, pipeline or batch) the way every door does: REJECT_DUPLICATE reuse, the search
 * attributes, an eager start where the connection allows it, and "already started" as an answer, not an error.
 */
export async function startOnce<W extends Workflow>(
  type: string,
  args: Parameters<W>,
  s: Omit<JobStart, 'input'> & { attributes?: SearchAttributePair[] }
): Promise<{ alreadyStarted: boolean }> {
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: MJ_MODE, value: s.modeAttribute },
    ...(s.attributes ?? []),
  ];
  if (s.tenant !== undefined) typedSearchAttributes.push({ key: MJ_TENANT, value: s.tenant });
  try {
    // Typed by the caller's `W`; Temporal's own overload takes the type name with plain arguments.
    await s.client.workflow.start(type, {
      workflowId: s.workflowId,
      taskQueue: s.taskQueue,
      args: args as unknown[],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...(s.conflict ? { workflowIdConflictPolicy: s.conflict } : {}),
      typedSearchAttributes,
      ...(s.memo ? { memo: s.memo } : {}),
      requestEagerStart: canStartEagerly(s.client),
    });
    return { alreadyStarted: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { alreadyStarted: true };
    throw err;
  }
}

/**
 * A client on a worker's NativeConnection (a service that embeds its worker) asks the server to hand the
 * first workflow task back with the start: no task-queue round trip. Any other connection cannot (the SDK refuses the
 * option there), so it is asked only where it can work.
 */
export function canStartEagerly(client: Client): boolean {
  const connection = client.connection as InternalConnectionLike | undefined;
  return connection?.[InternalConnectionLikeSymbol]?.supportsEagerStart === true;
}
