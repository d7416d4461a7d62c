/**
 * Starts the durable job behind a submit and answers with our task id at once, before any worker or upstream has
 * seen it. With an idempotency key (header, or non-empty `state`) the task id and so the workflow id are derived
 * from tenant and key, and a second start meets the first workflow (conflict policy USE_EXISTING while it runs,
 * REJECT_DUPLICATE after): the same id comes back, with no state in the process. The start carries the memos, so
 * `fetch` answers from `describe` even before the first workflow task; the job later upserts its own memo.
 *
 * Jobs are started through the Temporal client of `MjJobsClient` rather than its `imagine`/`action` methods,
 * because those cannot yet set a search attribute (`MjTenant`), `notify` or the conflict policy (see the report).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { formatIntent } from '../../mj/buttons';
import { intentModalNeeds } from '../../mj/intents';
import type { SpeedMode } from '../../mj/types';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../shared/job-memo';
import { MJ_MODE, MJ_TENANT } from '../../shared/search-attributes';
import type { JobInput, JobRequest, ModalInput } from '../../shared/types';
import type { CostTags } from '../../shared/upstreams/types';
import { mjJobWorkflow } from '../../workflows';
import { callbackDeliveryWorkflow } from '../../workflows/callback/callback-workflow';
import type { DeliveryRetry } from '../../workflows/callback/messages';
import { JOB_PATHS_VERSION } from '../../workflows/job/patches';
import { GATEWAY_MEMO_KEY, GATEWAY_MEMO_VERSION, type GatewayMemo } from '../tasks/gateway-memo';
import { ACTION_BY_INTENT, ACTION_BY_KIND } from './proxy-actions';
import { callbackWorkflowId, idempotentTaskId, jobWorkflowId, newTaskId } from '../../tenancy/task-id';

export interface StartSpec {
  tenant: string;
  endpoint: string;
  request: JobRequest;
  mode: SpeedMode;
  prompt: string;
  modal?: ModalInput;
  state?: string;
  /** Our id of the parent task. */
  parentId?: string;
  notifyHook?: string;
  /** From the Idempotency-Key header, else a non-empty `state`. */
  idempotency?: { kind: 'header' | 'state'; key: string };
  baseUrl: string;
  /** The job waits for `/submit/modal` before pressing anything (Vary Region, Custom Zoom): the task is MODAL. */
  waitsForInput?: boolean;
}

export interface StartDeps {
  client: Client;
  /** Task queue of job workflows. */
  jobTaskQueue: string;
  /** Task queue of the gateway's callback workflows. */
  gatewayTaskQueue: string;
  callbackRetry?: DeliveryRetry;
  now?: () => number;
}

/**
 * A job as the job workflow will see it; `notify` and `parentOrigin` are the jobs-v2 fields (C4, C5), `costTags` the
 * ledger's (K5: spend and budgets per tenant).
 */
type GatewayJobInput = JobInput & { notify?: { workflowId: string }; costTags?: CostTags };

function proxyAction(request: JobRequest): string {
  return request.kind === 'action' ? ACTION_BY_INTENT[request.intent.kind] : ACTION_BY_KIND[request.kind];
}

export function initialMemos(spec: StartSpec, taskId: string, now: number): { gateway: GatewayMemo; job: JobMemo } {
  const r = spec.request;
  const gateway: GatewayMemo = {
    v: GATEWAY_MEMO_VERSION,
    tenant: spec.tenant,
    taskId,
    action: proxyAction(r),
    submitTime: now,
    prompt: spec.prompt,
    endpoint: spec.endpoint,
    baseUrl: spec.baseUrl,
    ...(spec.state ? { state: spec.state } : {}),
    ...(spec.parentId ? { parentId: spec.parentId } : {}),
    ...(spec.notifyHook ? { notify: true } : {}),
  };
  const job: JobMemo = {
    v: JOB_MEMO_VERSION,
    // 'waiting-input' is the jobs-v2 phase of a job that holds its click until the input arrives.
    phase: spec.waitsForInput ? ('waiting-input' as JobMemo['phase']) : 'submitting',
    kind: r.kind,
    mode: spec.mode,
    submitTime: now,
    progress: '0%',
    ...(spec.prompt ? { prompt: spec.prompt } : {}),
    ...(r.kind === 'action' ? { intent: formatIntent(r.intent), parentTaskId: r.parentTaskId } : {}),
    ...(spec.waitsForInput && r.kind === 'action'
      ? {
          waitingFor: {
            kind: 'modal' as const,
            needs: intentModalNeeds(r.intent),
            intent: formatIntent(r.intent),
            since: now,
          },
        }
      : {}),
  };
  return { gateway, job };
}

/** True when the task (of this tenant) exists. */
async function exists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export async function findIdempotent(
  client: Client,
  tenant: string,
  idem: StartSpec['idempotency']
): Promise<string | undefined> {
  if (!idem) return undefined;
  const taskId = idempotentTaskId(tenant, idem.kind, idem.key);
  return (await exists(client, jobWorkflowId(tenant, taskId))) ? taskId : undefined;
}

/** Starts the task's callback workflow; false when a random id collided with another task's. */
async function startCallback(deps: StartDeps, spec: StartSpec, taskId: string): Promise<boolean> {
  try {
    await deps.client.workflow.start(callbackDeliveryWorkflow, {
      workflowId: callbackWorkflowId(spec.tenant, taskId),
      taskQueue: deps.gatewayTaskQueue,
      workflowIdConflictPolicy: spec.idempotency ? 'USE_EXISTING' : 'FAIL',
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          tenant: spec.tenant,
          taskId,
          jobWorkflowId: jobWorkflowId(spec.tenant, taskId),
          url: spec.notifyHook!,
          ...(deps.callbackRetry ? { retry: deps.callbackRetry } : {}),
        },
      ],
      typedSearchAttributes: [{ key: MJ_TENANT, value: spec.tenant }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return spec.idempotency !== undefined;
  }
  return true;
}

/** Starts the job; answers our task id (the first one again for a repeated idempotent submit). */
export async function startGatewayJob(deps: StartDeps, spec: StartSpec): Promise<{ taskId: string }> {
  const now = (deps.now ?? Date.now)();
  for (let attempt = 0; attempt < 5; attempt++) {
    const taskId = spec.idempotency
      ? idempotentTaskId(spec.tenant, spec.idempotency.kind, spec.idempotency.key)
      : newTaskId(now + attempt);
    const workflowId = jobWorkflowId(spec.tenant, taskId);
    // The observer exists before the job, so no change of the job is signalled into the void.
    if (spec.notifyHook && !(await startCallback(deps, spec, taskId))) continue;
    const notify = spec.notifyHook ? { workflowId: callbackWorkflowId(spec.tenant, taskId) } : undefined;
    const memos = initialMemos(spec, taskId, now);
    const input: GatewayJobInput = {
      request: spec.request,
      mode: spec.mode,
      captureImages: true,
      costTags: { tenant: spec.tenant },
      ...(spec.modal ? { modal: spec.modal } : {}),
      ...(notify ? { notify } : {}),
      pathsVersion: JOB_PATHS_VERSION,
    };
    try {
      await deps.client.workflow.start(mjJobWorkflow, {
        workflowId,
        taskQueue: deps.jobTaskQueue,
        args: [input],
        // A running job with this id is the answer (idempotent retry); a closed one too (REJECT_DUPLICATE throws).
        workflowIdConflictPolicy: spec.idempotency ? 'USE_EXISTING' : 'FAIL',
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: MJ_TENANT, value: spec.tenant },
          { key: MJ_MODE, value: spec.mode },
        ],
        memo: { [GATEWAY_MEMO_KEY]: memos.gateway, [JOB_MEMO_KEY]: memos.job },
      });
      return { taskId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (spec.idempotency) return { taskId };
      // Two random ids met in the same millisecond (1 in 1000): draw again.
    }
  }
  throw new Error('could not draw a free task id');
}
