/**
 * Tenancy as the gateway defines it: every job of a tenant carries the `MjTenant` keyword search
 * attribute, so the tenant's gallery is one visibility query and ownership is one `describe`. A pipeline's or a
 * batch's child jobs (`<rootId>/<step>/<branch>`, `<rootId>/<item>`) belong to whoever owns the root.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { PipelineInput } from '../shared/pipeline-types';
import { isTenantName, TENANT_NAME_RULE } from '../shared/tenant-name';
import { MJ_TENANT } from '../shared/search-attributes';
import type { JobInput } from '../shared/types';
import { jobStaticSummary } from '../workflows/job/memo';
import type { TenantId } from './backend';

export { MJ_TENANT };

/** Workflow id of the workflow that owns `id`: the id up to its first `/`. */
export function rootWorkflowId(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

/**
 * Tags every workflow a client starts with the tenant, so jobs started through `MjJobsClient` (which knows nothing
 * of tenants) are the tenant's in visibility, exactly like the gateway's.
 */
export function tenantStartInterceptor(tenant: TenantId): WorkflowClientInterceptor {
  return {
    async start(input, next) {
      const given = input.options.typedSearchAttributes;
      const pairs = given instanceof TypedSearchAttributes ? given.getAll() : (given ?? []);
      const attrs = [...pairs.filter((p) => p.key.name !== MJ_TENANT.name), { key: MJ_TENANT, value: tenant }];
      const staticSummary =
        input.options.staticSummary ??
        startSummary(input.workflowType, (input.options.args as unknown[] | undefined)?.[0]);
      return next({ ...input, options: { ...input.options, typedSearchAttributes: attrs, staticSummary } });
    },
  };
}

/**
 * The one line the Temporal Web UI shows for a workflow the console starts (the job's own current details tell the
 * rest as it runs), so an operator sees what it is without opening its input. Built from the start input only.
 */
export function startSummary(workflowType: string, arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  if (workflowType === 'mjJobWorkflow' && 'request' in arg) return jobStaticSummary((arg as JobInput).request);
  if (workflowType === 'pipelineWorkflow' && 'steps' in arg) {
    const p = arg as PipelineInput;
    return `pipeline ${p.name}: ${p.steps.map((s) => s.id).join(' → ')}`.slice(0, 120);
  }
  if (workflowType === 'batchWorkflow' && 'items' in arg && Array.isArray(arg.items)) {
    return `batch of ${arg.items.length} job${arg.items.length === 1 ? '' : 's'}`;
  }
  return undefined;
}

/** A visibility query value, quoted and escaped so it cannot widen the query. */
export function quoteQueryValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * API keys of tenants held as SHA-256 digests and compared in constant time: for development and tests, until the
 * gateway's durable key store is mounted in its place (any `(key) => Promise<tenant | null>` fits).
 */
export class StaticTenantKeys {
  private readonly digests: { tenant: TenantId; digest: Buffer }[] = [];

  constructor(keys: Record<TenantId, string> = {}) {
    for (const [tenant, key] of Object.entries(keys)) this.add(tenant, key);
  }

  add(tenant: TenantId, apiKey: string): void {
    if (!isTenantName(tenant))
      throw new TypeError(`tenant must be ${TENANT_NAME_RULE} (got ${JSON.stringify(tenant)})`);
    if (apiKey.length < 16) throw new TypeError(`the API key of tenant ${tenant} must be at least 16 characters`);
    this.digests.push({ tenant, digest: digest(apiKey) });
  }

  async authenticate(apiKey: string): Promise<TenantId | null> {
    const d = digest(apiKey);
    let found: TenantId | null = null;
    // Every entry is compared, so timing says nothing about which one matched.
    for (const entry of this.digests) if (timingSafeEqual(entry.digest, d)) found = entry.tenant;
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
