/**
 * The console backend's reads of a job's family in Temporal visibility: its parent (by lineage, else by the parent's
 * upstream task id) and its children (by the `MjParentJob` search attribute), always as the tenant's. Finished
 * parents are cached, since what a child borrows from them (prompt, image) never changes.
 */
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import { MJ_PARENT_JOB, MJ_TASK_ID, MJ_TENANT } from '../shared/search-attributes';
import type { ConsoleJob, JobLink, TenantId } from './backend';
import { jobLink, withFamily } from './family';
import { quoteQueryValue } from './tenancy';

type Described = WorkflowExecutionDescription | WorkflowExecutionInfo;

/** What the reader needs of the backend: the tenant's execution by id, and a job as a page shows it. */
export interface FamilyAccess {
  owned(tenant: TenantId, id: string): Promise<Described | null>;
  view(info: Described): Promise<ConsoleJob>;
}

const CACHE_LIMIT = 500;

export class FamilyReader {
  /** Finished parents by tenant and id. */
  private readonly parents = new Map<string, ConsoleJob>();

  constructor(
    private readonly client: Client,
    private readonly access: FamilyAccess
  ) {}

  /** The tenant's job whose upstream task is `taskId`, or null. */
  async jobOfTask(tenant: TenantId, taskId: string): Promise<string | null> {
    const query = [
      `${MJ_TENANT.name} = ${quoteQueryValue(tenant)}`,
      `WorkflowType = "mjJobWorkflow"`,
      `${MJ_TASK_ID.name} = ${quoteQueryValue(taskId)}`,
    ].join(' AND ');
    for await (const wf of this.client.workflow.list({ query, pageSize: 1 })) return wf.workflowId;
    return null;
  }

  /**
   * The parent job of `job`, as the tenant's: by its lineage, else (jobs started before lineage was kept, or through
   * a door that keeps none) by the parent's upstream task id (`MjTaskId`). Its own parent is resolved too (its root's
   * prompt and image), at most a few levels up.
   */
  async parentOf(tenant: TenantId, job: ConsoleJob, depth = 0): Promise<ConsoleJob | null> {
    if (depth > 4 || job.kind !== 'job') return null;
    const id = job.lineage?.parentJobId ?? (job.parentTaskId ? await this.jobOfTask(tenant, job.parentTaskId) : null);
    if (!id || id === job.id) return null;
    const key = `parent:${tenant}:${id}`;
    const known = this.parents.get(key);
    if (known) return known;
    const info = await this.access.owned(tenant, id);
    if (!info) return null;
    let parent = await this.access.view(info);
    if (!parent.prompt || !parent.images.includes(0)) {
      const [up] = await withFamily([parent], (j) => this.parentOf(tenant, j, depth + 1));
      parent = up!;
    }
    // Only a finished parent is kept: its prompt and image never change.
    if (parent.state === 'succeeded') this.parents.set(key, parent);
    if (this.parents.size > CACHE_LIMIT) this.parents.delete(this.parents.keys().next().value!);
    return parent;
  }

  /** The tenant's jobs started from the buttons of `id`, oldest first (by the `MjParentJob` search attribute). */
  async childrenOf(tenant: TenantId, id: string): Promise<JobLink[]> {
    const query = [
      `${MJ_TENANT.name} = ${quoteQueryValue(tenant)}`,
      `${MJ_PARENT_JOB.name} = ${quoteQueryValue(id)}`,
    ].join(' AND ');
    const infos: WorkflowExecutionInfo[] = [];
    for await (const wf of this.client.workflow.list({ query, pageSize: 50 })) {
      infos.push(wf);
      if (infos.length >= 50) break;
    }
    const views = await Promise.all(infos.map((wf) => this.access.view(wf)));
    return views.sort((a, b) => a.submitTime - b.submitTime).map(jobLink);
  }
}
