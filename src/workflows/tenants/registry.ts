/**
 * The tenants registry's state and rules, apart from the workflow so they are testable without a server.
 * Workflow-safe.
 */
import type { CreateKeyAck, CreateKeyRequest, TenantOptions, TenantsMemo } from './messages';
import { TENANT_NAME_RE, TENANT_NAME_RULE } from '../../shared/tenant-name';
import { TENANTS_MEMO_VERSION } from './messages';

const KEY_ID_RE = /^[a-z0-9]{8,32}$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const HOST_RULE_RE = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A rejected request: the field and the rule it broke. */
export interface RegistryRejection {
  field: string;
  rule: string;
  message: string;
}

function positiveInt(v: unknown, field: string, max: number): RegistryRejection | null {
  if (v === undefined) return null;
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max
    ? null
    : { field, rule: 'range', message: `${field} must be an integer 1-${max}` };
}

export function checkTenantOptions(o: TenantOptions | undefined, prefix = 'options'): RegistryRejection | null {
  if (o === undefined) return null;
  if (typeof o !== 'object' || o === null)
    return { field: prefix, rule: 'type', message: `${prefix} must be an object` };
  const bad =
    positiveInt(o.submitsPerMinute, `${prefix}.submitsPerMinute`, 100_000) ??
    positiveInt(o.readsPerSecond, `${prefix}.readsPerSecond`, 100_000) ??
    positiveInt(o.maxOpenJobs, `${prefix}.maxOpenJobs`, 1_000_000) ??
    positiveInt(o.storageBytesPerDay, `${prefix}.storageBytesPerDay`, 2 ** 50);
  if (bad) return bad;
  if (o.hookAllowList !== undefined) {
    const list = o.hookAllowList;
    if (!Array.isArray(list) || list.length > 100 || !list.every((h) => typeof h === 'string' && HOST_RULE_RE.test(h)))
      return {
        field: `${prefix}.hookAllowList`,
        rule: 'hosts',
        message: `${prefix}.hookAllowList must be at most 100 host names (example.com or *.example.com)`,
      };
  }
  return null;
}

export class TenantRegistry {
  constructor(private readonly memo: TenantsMemo = { v: TENANTS_MEMO_VERSION, tenants: {} }) {}

  snapshot(): TenantsMemo {
    return this.memo;
  }

  checkCreate(r: CreateKeyRequest): RegistryRejection | null {
    if (typeof r?.tenant !== 'string' || !TENANT_NAME_RE.test(r.tenant))
      return {
        field: 'tenant',
        rule: 'name',
        message: `tenant must be ${TENANT_NAME_RULE}`,
      };
    if (typeof r.keyId !== 'string' || !KEY_ID_RE.test(r.keyId))
      return { field: 'keyId', rule: 'format', message: 'keyId must be 8-32 of [a-z0-9]' };
    if (typeof r.hash !== 'string' || !HASH_RE.test(r.hash))
      return { field: 'hash', rule: 'sha256-hex', message: 'hash must be 64 lower-case hex digits' };
    if (r.label !== undefined && (typeof r.label !== 'string' || r.label.length > 100))
      return { field: 'label', rule: 'length', message: 'label must be a string of at most 100 characters' };
    if (this.findKey(r.keyId)) return { field: 'keyId', rule: 'unique', message: 'keyId already exists' };
    return checkTenantOptions(r.options);
  }

  createKey(r: CreateKeyRequest, now: number): CreateKeyAck {
    const t = (this.memo.tenants[r.tenant] ??= { createdAt: now, options: {}, keys: [] });
    if (r.options) t.options = r.options;
    t.keys.push({ id: r.keyId, hash: r.hash, createdAt: now, ...(r.label ? { label: r.label } : {}) });
    return { tenant: r.tenant, keyId: r.keyId, createdAt: now };
  }

  revokeKey(keyId: string, now: number): { revoked: boolean; tenant?: string } {
    const found = this.findKey(keyId);
    if (!found || found.key.revokedAt !== undefined) return { revoked: false, tenant: found?.tenant };
    found.key.revokedAt = now;
    return { revoked: true, tenant: found.tenant };
  }

  checkSetOptions(tenant: string, options: TenantOptions): RegistryRejection | null {
    if (!this.memo.tenants[tenant]) return { field: 'tenant', rule: 'exists', message: 'tenant has no keys yet' };
    return checkTenantOptions(options);
  }

  setOptions(tenant: string, options: TenantOptions): TenantOptions {
    this.memo.tenants[tenant]!.options = options;
    return options;
  }

  findKey(keyId: string): { tenant: string; key: TenantsMemo['tenants'][string]['keys'][number] } | undefined {
    for (const [tenant, rec] of Object.entries(this.memo.tenants)) {
      const key = rec.keys.find((k) => k.id === keyId);
      if (key) return { tenant, key };
    }
    return undefined;
  }
}
