/**
 * `client.keys`: the gateway's API keys per tenant, over the tenants registry (`TenantDirectory`). A key is made and
 * hashed here, handed back once by {@link MjKeysClient.create} and never stored or shown again: the registry keeps
 * its SHA-256, `list` shows ids and the public prefix only. Input is checked before anything reaches the server.
 */
import type { Client } from '@temporalio/client';
import { keyIdOf } from '../tenancy/api-keys';
import { TenantDirectory, TenantRequestError, type KeyRow } from '../tenancy/tenant-directory';
import { MjInputError } from '../mj/errors';
import { TENANTS_WORKFLOW_ID } from '../workflows/tenants/messages';
import { ApiKeyNotFoundError } from './errors';
import { requireGatewayWorker } from './gateway-pollers';
import { describeOrUndefined } from './job-ids';
import { checkTenant } from './validation';

/** One key as `list` shows it: never the key, only its id and the prefix every key with that id starts with. */
export interface ApiKeySummary extends KeyRow {
  /** `mjk_<keyId>_`: how a key holder matches a key to its row. */
  prefix: string;
}

export interface CreatedApiKey {
  tenant: string;
  keyId: string;
  /** The key itself: shown once, stored nowhere. */
  apiKey: string;
}

export interface RevokedApiKey {
  keyId: string;
  tenant: string;
  /** False when the key was revoked before (revoking is idempotent). */
  revoked: boolean;
}

const KEY_ID_RE = /^[a-z0-9]{8,32}$/;
const MAX_LABEL = 100;

export class MjKeysClient {
  private readonly directory: TenantDirectory;

  /** `taskQueue`: the gateway's (`MJ_GATEWAY_TASK_QUEUE`), where the registry runs when this call starts it. */
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string
  ) {
    // No cache: a person at the prompt expects the registry as it is now.
    this.directory = new TenantDirectory(client, { taskQueue, cacheMs: 0 });
  }

  /**
   * Creates a key for `tenant` (and the tenant with its first key). Needs a running gateway (its worker answers the
   * registry's updates). @example const { apiKey } = await mj.keys.create('acme', { label: 'chat UI' });
   */
  async create(tenant: string, opts: { label?: string } = {}): Promise<CreatedApiKey> {
    checkTenant(tenant);
    if (opts.label !== undefined && (typeof opts.label !== 'string' || opts.label.length > MAX_LABEL)) {
      throw new MjInputError('label', `must be a string of at most ${MAX_LABEL} characters`);
    }
    await this.requireWorker();
    const created = await mapRejection(() => this.directory.createKey(tenant, opts.label ? { label: opts.label } : {}));
    return { tenant: created.tenant, keyId: created.keyId, apiKey: created.apiKey };
  }

  /** Every key (of one tenant), revoked ones too; read from the registry's memo (no worker needed). */
  async list(filter: { tenant?: string } = {}): Promise<ApiKeySummary[]> {
    if (filter.tenant !== undefined) checkTenant(filter.tenant);
    const rows = await this.directory.listKeys(filter.tenant);
    return rows.map((r) => ({ ...r, prefix: `mjk_${r.keyId}_` }));
  }

  /**
   * Revokes a key by its id (a whole key is accepted too, and only its id is ever echoed). Gateways refuse it within
   * their registry cache time (`tenantCacheMs`, 5 s). Throws {@link ApiKeyNotFoundError} for an unknown id.
   * @example await mj.keys.revoke('a1b2c3d4e5f6');
   */
  async revoke(keyIdOrKey: string): Promise<RevokedApiKey> {
    if (typeof keyIdOrKey !== 'string') throw new MjInputError('keyId', 'must be a key id as `keys list` shows it');
    const keyId = keyIdOf(keyIdOrKey.trim()) ?? keyIdOrKey.trim();
    // Never echo a malformed value: it may be a mistyped key.
    if (!KEY_ID_RE.test(keyId))
      throw new MjInputError('keyId', 'must be a key id (8-32 of [a-z0-9]) as `keys list` shows it');
    // Checked against the registry first, so an unknown id changes nothing (not even starting the registry).
    const known = (await this.directory.listKeys()).some((k) => k.keyId === keyId);
    if (!known) throw new ApiKeyNotFoundError(keyId);
    await this.requireWorker();
    const r = await mapRejection(() => this.directory.revokeKey(keyId));
    if (r.tenant === undefined) throw new ApiKeyNotFoundError(keyId);
    return { keyId, tenant: r.tenant, revoked: r.revoked };
  }

  /** The registry's own task queue when it runs (it may differ from this process's setting), else ours. */
  private async requireWorker(): Promise<void> {
    const registry = await describeOrUndefined(this.client, TENANTS_WORKFLOW_ID);
    const running = registry?.status.name === 'RUNNING';
    await requireGatewayWorker(this.client, running ? registry.taskQueue : this.taskQueue);
  }
}

/** A registry validator's refusal as bad input naming the field (checked here first, so this is a last resort). */
async function mapRejection<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TenantRequestError)
      throw new MjInputError(err.field, `is refused by the registry (${err.rule})`);
    throw err;
  }
}
