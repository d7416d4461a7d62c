/**
 * `client.deliveries`: the callback delivery log of a gateway task and its replay, over the task's callback workflow
 * (`mj-gw-cb-<tenant>-<taskId>`, its `getDeliveries` query and `replayDeliveries` update). A task id is ours (16
 * digits) and says nothing of its tenant, so the tenant is found by trying the registry's tenants (or named with
 * `tenant`). What comes back holds no secret: outcomes, attempts, errors and times, and the hook without its query
 * string or credentials (a receiver's token often sits there); signatures are never in the log.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { callbackWorkflowId, jobWorkflowId, normaliseTaskId } from '../tenancy/task-id';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import { MjInputError } from '../mj/errors';
import { getDeliveriesQuery, replayDeliveriesUpdate, type DeliveryRecord } from '../workflows/callback/messages';
import { GatewayTaskNotFoundError } from './errors';
import { requireGatewayWorker } from './gateway-pollers';
import { describeOrUndefined } from './job-ids';
import { checkTenant } from './validation';

/** One change of the task and what became of its delivery. */
export interface DeliveryRow {
  seq: number;
  /** The job's phase in this change. */
  phase: string;
  status: DeliveryRecord['status'];
  /** Attempts of the last delivery of this change. */
  attempts?: number;
  httpStatus?: number;
  /** Why the last delivery was rejected or given up. */
  lastError?: string;
  /** ISO time of the last outcome. */
  at?: string;
  /** How often it was replayed. */
  replays: number;
}

export interface DeliveryLog {
  taskId: string;
  tenant: string;
  /** The notifyHook without query string, fragment or credentials. */
  hook: string;
  /** The job finished and every change was handled. */
  done: boolean;
  /** The callback workflow is still open (replays are possible). */
  open: boolean;
  deliveries: DeliveryRow[];
}

/** How many callback workflows are described at once while looking for a task's tenant. */
const LOOKUP_CONCURRENCY = 16;

export class MjDeliveriesClient {
  constructor(
    private readonly client: Client,
    private readonly tenants: TenantDirectory
  ) {}

  /**
   * The delivery log of a task (needs a running gateway: its worker answers the query).
   * @example for (const d of (await mj.deliveries.list('1712345678901234')).deliveries) console.log(d.seq, d.status);
   */
  async list(taskId: string, opts: { tenant?: string } = {}): Promise<DeliveryLog> {
    const found = await this.find(taskId, opts.tenant);
    await requireGatewayWorker(this.client, found.taskQueue);
    const view = await this.client.workflow.getHandle(found.workflowId).query(getDeliveriesQuery);
    return {
      taskId: found.taskId,
      tenant: found.tenant,
      hook: redactHook(view.url),
      done: view.done,
      open: found.open,
      deliveries: view.records.map(toRow),
    };
  }

  /**
   * Delivers again one change (`seq`) or every handled one, in sequence order; answers how many were queued (a
   * change still pending is not queued twice). @example await mj.deliveries.replay('1712345678901234', { seq: 2 });
   */
  async replay(
    taskId: string,
    opts: { seq?: number; tenant?: string } = {}
  ): Promise<{ taskId: string; tenant: string; queued: number }> {
    if (opts.seq !== undefined && (!Number.isInteger(opts.seq) || opts.seq < 1)) {
      throw new MjInputError('seq', 'must be a positive integer (a seq of the delivery log)');
    }
    const found = await this.find(taskId, opts.tenant);
    if (!found.open) throw new GatewayTaskNotFoundError(found.taskId, 'open');
    await requireGatewayWorker(this.client, found.taskQueue);
    try {
      const { queued } = await this.client.workflow
        .getHandle(found.workflowId)
        .executeUpdate(replayDeliveriesUpdate, { args: [opts.seq === undefined ? {} : { seq: opts.seq }] });
      return { taskId: found.taskId, tenant: found.tenant, queued };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const d = (err.cause.details?.[0] ?? {}) as { field?: string };
        if (d.field === 'seq')
          throw new MjInputError('seq', `must be a seq of the delivery log of task ${found.taskId}`);
      }
      // Closed between the describe and the update.
      if (err instanceof WorkflowNotFoundError) throw new GatewayTaskNotFoundError(found.taskId, 'open');
      throw err;
    }
  }

  /** The task's callback workflow; its tenant found among the registry's unless named. */
  private async find(
    rawTaskId: string,
    tenant: string | undefined
  ): Promise<{ taskId: string; tenant: string; workflowId: string; taskQueue: string; open: boolean }> {
    const taskId = normaliseTaskId(rawTaskId);
    if (taskId === undefined) throw new MjInputError('taskId', 'must be a gateway task id (16 digits)');
    if (tenant !== undefined) checkTenant(tenant);
    const candidates = tenant !== undefined ? [tenant] : Object.keys((await this.tenants.memo(true)).tenants);
    const hits = await describeEach(this.client, candidates, (t) => callbackWorkflowId(t, taskId));
    if (hits.length > 1) {
      throw new MjInputError('tenant', `must be given: task ${taskId} exists for ${hits.map((h) => h.key).join(', ')}`);
    }
    const hit = hits[0];
    if (hit) {
      const d = hit.info;
      return {
        taskId,
        tenant: hit.key,
        workflowId: d.workflowId,
        taskQueue: d.taskQueue,
        open: d.status.name === 'RUNNING',
      };
    }
    // No deliveries: a task without a notifyHook, or no task at all. Both are "not found", said apart.
    const jobs = await describeEach(this.client, candidates, (t) => jobWorkflowId(t, taskId));
    throw new GatewayTaskNotFoundError(taskId, jobs.length > 0 ? 'notify-hook' : 'exists');
  }
}

/** The workflows that exist among `keys` mapped to ids, described a few at a time. */
async function describeEach(client: Client, keys: string[], idOf: (key: string) => string) {
  const out: { key: string; info: NonNullable<Awaited<ReturnType<typeof describeOrUndefined>>> }[] = [];
  for (let i = 0; i < keys.length; i += LOOKUP_CONCURRENCY) {
    const chunk = keys.slice(i, i + LOOKUP_CONCURRENCY);
    const infos = await Promise.all(chunk.map((k) => describeOrUndefined(client, idOf(k))));
    infos.forEach((info, j) => {
      if (info) out.push({ key: chunk[j]!, info });
    });
  }
  return out;
}

function toRow(r: DeliveryRecord): DeliveryRow {
  return {
    seq: r.seq,
    phase: r.phase,
    status: r.status,
    ...(r.attempts !== undefined ? { attempts: r.attempts } : {}),
    ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
    ...(r.error !== undefined ? { lastError: r.error } : {}),
    ...(r.at !== undefined ? { at: new Date(r.at).toISOString() } : {}),
    replays: r.replays,
  };
}

/** The hook as it may be shown: scheme, host and path; a query string becomes `?…`. */
export function redactHook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}
