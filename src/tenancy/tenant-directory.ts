/**
 * Tenants and their keys as every gateway process sees them: the registry workflow's memo, read with `describe`
 * (no worker, no replay) and cached for `cacheMs`; changes go through the registry's updates (these need the
 * gateway worker, which `npm start` and `npm run gateway` run).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  createKeyUpdate,
  revokeKeyUpdate,
  setTenantOptionsUpdate,
  TENANTS_MEMO_KEY,
  TENANTS_MEMO_VERSION,
  TENANTS_WORKFLOW_ID,
  type TenantOptions,
  type TenantsMemo,
} from '../workflows/tenants/messages';
import { tenantsWorkflow } from '../workflows/tenants/tenants-workflow';
import { keyIdOf, matchKey, newApiKey } from './api-keys';

export interface KeyRow {
  tenant: string;
  keyId: string;
  createdAt: string;
  revokedAt?: string;
  label?: string;
}

/** A registry update refused by its validator: the field and the rule. */
export class TenantRequestError extends Error {
  override readonly name = 'TenantRequestError';
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string
  ) {
    super(message);
  }
}

const EMPTY: TenantsMemo = { v: TENANTS_MEMO_VERSION, tenants: {} };

export class TenantDirectory {
  private cached?: { at: number; memo: TenantsMemo };

  constructor(
    private readonly client: Client,
    private readonly opts: { taskQueue: string; cacheMs: number; now?: () => number }
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The registry memo (cached). An absent registry is an empty one. */
  async memo(fresh = false): Promise<TenantsMemo> {
    if (!fresh && this.cached && this.now() - this.cached.at < this.opts.cacheMs) return this.cached.memo;
    let memo = EMPTY;
    try {
      const d = await this.client.workflow.getHandle(TENANTS_WORKFLOW_ID).describe();
      const m = d.memo?.[TENANTS_MEMO_KEY] as TenantsMemo | undefined;
      if (m?.v === TENANTS_MEMO_VERSION) memo = m;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    this.cached = { at: this.now(), memo };
    return memo;
  }

  /** The tenant a key belongs to, or undefined (unknown, malformed or revoked). */
  async authenticate(key: string): Promise<string | undefined> {
    const id = keyIdOf(key);
    const memo = await this.memo();
    for (const [tenant, rec] of Object.entries(memo.tenants)) {
      const k = id === undefined ? undefined : rec.keys.find((x) => x.id === id);
      if (k) return matchKey(key, k.hash) && k.revokedAt === undefined ? tenant : undefined;
    }
    matchKey(key, undefined);
    return undefined;
  }

  /**
   * How many of the tenant's keys were ever revoked (keys are never deleted, so it only grows). Signed image and
   * upload URLs carry it: a revocation ends every URL made before it.
   */
  async keyGeneration(tenant: string): Promise<number> {
    return ((await this.memo()).tenants[tenant]?.keys ?? []).filter((k) => k.revokedAt !== undefined).length;
  }

  async options(tenant: string): Promise<TenantOptions> {
    return (await this.memo()).tenants[tenant]?.options ?? {};
  }

  private async ensureRegistry(): Promise<void> {
    try {
      await this.client.workflow.start(tenantsWorkflow, {
        workflowId: TENANTS_WORKFLOW_ID,
        taskQueue: this.opts.taskQueue,
        args: [],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  private async update<R>(fn: () => Promise<R>): Promise<R> {
    await this.ensureRegistry();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const d = (err.cause.details?.[0] ?? {}) as { field?: string; rule?: string };
        throw new TenantRequestError(d.field ?? 'request', d.rule ?? 'invalid', err.cause.message);
      }
      throw err;
    } finally {
      this.cached = undefined;
    }
  }

  /** Creates a key for `tenant` (and the tenant on its first key). The key is returned once, never stored. */
  async createKey(
    tenant: string,
    opts: { label?: string; options?: TenantOptions } = {}
  ): Promise<{ tenant: string; keyId: string; apiKey: string }> {
    const k = newApiKey();
    await this.update(() =>
      this.client.workflow
        .getHandle(TENANTS_WORKFLOW_ID)
        .executeUpdate(createKeyUpdate, { args: [{ tenant, keyId: k.keyId, hash: k.hash, ...opts }] })
    );
    return { tenant, keyId: k.keyId, apiKey: k.key };
  }

  async revokeKey(keyIdOrKey: string): Promise<{ revoked: boolean; tenant?: string }> {
    const keyId = keyIdOf(keyIdOrKey) ?? keyIdOrKey;
    return this.update(() =>
      this.client.workflow.getHandle(TENANTS_WORKFLOW_ID).executeUpdate(revokeKeyUpdate, { args: [{ keyId }] })
    );
  }

  async setOptions(tenant: string, options: TenantOptions): Promise<TenantOptions> {
    return this.update(() =>
      this.client.workflow
        .getHandle(TENANTS_WORKFLOW_ID)
        .executeUpdate(setTenantOptionsUpdate, { args: [{ tenant, options }] })
    );
  }

  async listKeys(tenant?: string): Promise<KeyRow[]> {
    const memo = await this.memo(true);
    const rows: KeyRow[] = [];
    for (const [name, rec] of Object.entries(memo.tenants)) {
      if (tenant !== undefined && name !== tenant) continue;
      for (const k of rec.keys)
        rows.push({
          tenant: name,
          keyId: k.id,
          createdAt: new Date(k.createdAt).toISOString(),
          ...(k.revokedAt !== undefined ? { revokedAt: new Date(k.revokedAt).toISOString() } : {}),
          ...(k.label ? { label: k.label } : {}),
        });
    }
    return rows;
  }

  /** True when `apiKey` is a live key of `tenant` (npm start keeps its dev key only while this holds). */
  async isLive(apiKey: string, tenant: string): Promise<boolean> {
    await this.memo(true);
    return (await this.authenticate(apiKey)) === tenant;
  }
}
