/**
 * Starts the durable job behind a submit and answers with our task id at once, before any worker or upstream has
 * seen it. With an `Idempotency-Key` header the task id and so the workflow id are derived from tenant and key, and
 * a second start meets the first workflow (conflict policy USE_EXISTING while it runs, REJECT_DUPLICATE after): the
 * same id comes back, with no state in the process. The key is bound to the request it came with: the gateway memo
 * keeps a fingerprint of endpoint and normalised body, and the same key with another request is refused (409, code
 * 4, field `Idempotency-Key`) rather than answered with the first task. `state` is the caller's echo field, never a
 * key. The start carries the memos, so `fetch` answers from `describe` even before the first workflow task; the job
 * later upserts its own memo.
 *
 * The job itself is started by `startJobWorkflow` (`src/job-start/`), the one starter every door uses.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { pressOnce } from '../../job-start/paid-once';
import { startJobWorkflow } from '../../job-start/start-job-workflow';
import { formatIntent } from '../../mj/buttons';
import { intentModalNeeds } from '../../mj/intents';
import type { SpeedMode } from '../../mj/types';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../shared/job-memo';
import { jobProvenance } from '../../shared/prompt-provenance';
import { MJ_TENANT } from '../../shared/search-attributes';
import type { JobLineage } from '../../shared/job-read-model';
import type { JobInput, JobRequest, ModalInput } from '../../shared/types';
import type { CostTags } from '../../shared/upstreams/types';
import { callbackDeliveryWorkflow } from '../../workflows/callback/callback-workflow';
import type { DeliveryRetry } from '../../workflows/callback/messages';
import { GatewayError } from '../errors';
import { GATEWAY_MEMO_KEY, GATEWAY_MEMO_VERSION, type GatewayMemo } from '../tasks/gateway-memo';
import { ACTION_OF_KIND } from '../../shared/action-names';
import { ACTION_BY_INTENT } from './proxy-actions';
import {
  callbackWorkflowId,
  idempotentTaskId,
  jobWorkflowId,
  newTaskId,
  parseJobWorkflowId,
  pressTaskId,
} from '../../tenancy/task-id';

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
  /** From the Idempotency-Key header, with the fingerprint of the request it came with ({@link requestFingerprint}). */
  idempotency?: Idempotency;
  baseUrl: string;
  /** The job waits for `/submit/modal` before pressing anything (Vary Region, Custom Zoom): the task is MODAL. */
  waitsForInput?: boolean;
  /** A button press: the job's parent job and chain. */
  lineage?: JobLineage;
  /** A press that is paid once: its task id comes from the parent and the intent ({@link pressIds}), not a draw. */
  press?: PressKey;
}

/** What names a paid-once press: our id of the parent task and the intent's canonical text ('U1'). */
export interface PressKey {
  parentTaskId: string;
  intent: string;
}

/** The job workflow id of each attempt of a tenant's paid-once press (see `src/job-start/paid-once.ts`). */
export function pressIds(tenant: string, key: PressKey): (attempt: number) => string {
  return (attempt) => jobWorkflowId(tenant, pressTaskId(tenant, key.parentTaskId, key.intent, attempt));
}

/** The task id of one of our job workflow ids. */
export function taskIdOf(workflowId: string): string {
  return parseJobWorkflowId(workflowId)!.taskId;
}

export interface Idempotency {
  key: string;
  fingerprint: string;
}

/** JSON with object keys sorted at every level, so two spellings of one body are one request. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** What an idempotency key is bound to: the endpoint (with its speed-mode path prefix) and the normalised body. */
export function requestFingerprint(endpoint: string, modeFromPath: string | undefined, body: unknown): string {
  const text = canonicalJson({ endpoint, mode: modeFromPath ?? null, body });
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

/** The same key with another request: refused, naming the header. */
function keyReused(): GatewayError {
  return new GatewayError(409, 4, 'Idempotency-Key was used for another request (endpoint or body differ)', {
    field: 'Idempotency-Key',
    rule: 'same-request',
  });
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
 * A job as the job workflow will see it; `notify` and `parentOrigin` are the fields by which a job reports to its observer and knows its parent, `costTags` the
 * ledger's (spend and budgets per tenant).
 */
type GatewayJobInput = JobInput & { notify?: { workflowId: string }; costTags?: CostTags };

function proxyAction(request: JobRequest): string {
  return request.kind === 'action' ? ACTION_BY_INTENT[request.intent.kind] : ACTION_OF_KIND[request.kind];
}

/** The job memo's provenance from the start, as the job workflow's first memo will have it. */
function provenanceOf(r: JobRequest): Pick<JobMemo, 'provenance'> {
  const provenance = jobProvenance(r);
  return provenance ? { provenance } : {};
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
    ...(spec.idempotency ? { requestHash: spec.idempotency.fingerprint } : {}),
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
    ...provenanceOf(r),
    ...(r.kind === 'action' ? { intent: formatIntent(r.intent), parentTaskId: r.parentTaskId } : {}),
    ...(spec.lineage ? { lineage: spec.lineage } : {}),
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

/** The fingerprint a task was started with ('' for a task started before keys were bound); undefined: no task. */
async function startedWith(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    const { memo } = await client.workflow.getHandle(workflowId).describe();
    return (memo?.[GATEWAY_MEMO_KEY] as GatewayMemo | undefined)?.requestHash ?? '';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The task a keyed submit already started, if any; throws 409 when that task was started by another request. A task
 * started before keys were bound has no fingerprint and answers as it did.
 */
export async function findIdempotent(
  client: Client,
  tenant: string,
  idem: Idempotency | undefined
): Promise<string | undefined> {
  if (!idem) return undefined;
  const taskId = idempotentTaskId(tenant, idem.key);
  const fingerprint = await startedWith(client, jobWorkflowId(tenant, taskId));
  if (fingerprint === undefined) return undefined;
  if (fingerprint !== '' && fingerprint !== idem.fingerprint) throw keyReused();
  return taskId;
}

/** Starts the task's callback workflow; false when a random id collided with another task's. */
async function startCallback(deps: StartDeps, spec: StartSpec, taskId: string): Promise<boolean> {
  // A keyed submit or a paid-once press may meet its own twin's observer: that one serves both.
  const shared = spec.idempotency !== undefined || spec.press !== undefined;
  try {
    await deps.client.workflow.start(callbackDeliveryWorkflow, {
      workflowId: callbackWorkflowId(spec.tenant, taskId),
      taskQueue: deps.gatewayTaskQueue,
      workflowIdConflictPolicy: shared ? 'USE_EXISTING' : 'FAIL',
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
    return shared;
  }
  return true;
}

/**
 * Starts the job; answers our task id (the first one again for a repeated idempotent submit, and the first press's
 * for a paid-once press that was pressed before: Temporal's id reuse policy decides, see `pressOnce`).
 */
export async function startGatewayJob(deps: StartDeps, spec: StartSpec): Promise<{ taskId: string }> {
  const now = (deps.now ?? Date.now)();
  if (spec.press) {
    const ids = pressIds(spec.tenant, spec.press);
    const { workflowId } = await pressOnce(deps.client, ids, (id) => startOne(deps, spec, taskIdOf(id), now));
    return { taskId: taskIdOf(workflowId) };
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const taskId = spec.idempotency ? idempotentTaskId(spec.tenant, spec.idempotency.key) : newTaskId(now + attempt);
    const { alreadyStarted } = await startOne(deps, spec, taskId, now);
    if (spec.idempotency) {
      // Two requests with one key may both have found nothing: the one whose start met the other's job is refused
      // unless it is the same request.
      await findIdempotent(deps.client, spec.tenant, spec.idempotency);
      return { taskId };
    }
    if (!alreadyStarted) return { taskId };
    // Two random ids met in the same millisecond (1 in 1000): draw again.
  }
  throw new Error('could not draw a free task id');
}

/** Starts the task's observer (with a hook) and its job under `taskId`; `alreadyStarted` when the id was taken. */
async function startOne(
  deps: StartDeps,
  spec: StartSpec,
  taskId: string,
  now: number
): Promise<{ alreadyStarted: boolean }> {
  const workflowId = jobWorkflowId(spec.tenant, taskId);
  // The observer exists before the job, so no change of the job is signalled into the void.
  if (spec.notifyHook && !(await startCallback(deps, spec, taskId))) return { alreadyStarted: true };
  const notify = spec.notifyHook ? { workflowId: callbackWorkflowId(spec.tenant, taskId) } : undefined;
  const memos = initialMemos(spec, taskId, now);
  const input: GatewayJobInput = {
    request: spec.request,
    mode: spec.mode,
    captureImages: true,
    costTags: { tenant: spec.tenant },
    ...(spec.modal ? { modal: spec.modal } : {}),
    ...(notify ? { notify } : {}),
    ...(spec.lineage ? { lineage: spec.lineage } : {}),
  };
  return startJobWorkflow({
    client: deps.client,
    taskQueue: deps.jobTaskQueue,
    workflowId,
    input,
    modeAttribute: spec.mode,
    tenant: spec.tenant,
    memo: { [GATEWAY_MEMO_KEY]: memos.gateway, [JOB_MEMO_KEY]: memos.job },
    // A keyed retry's running job is the answer; a paid-once press must know whether it started (conflict FAIL).
    conflict: spec.idempotency && !spec.press ? 'USE_EXISTING' : 'FAIL',
  });
}
