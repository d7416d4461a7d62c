/**
 * The tenants registry's messages and the memo readers use. The registry holds API key HASHES only (SHA-256 of a
 * key with 256 random bits), never a key: keys are made and hashed by the caller (CLI, `npm start`), so no key
 * enters workflow history. Readers (every gateway process) read the memo with `describe`, so checking a key needs
 * no worker.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** One registry per namespace. */
export const TENANTS_WORKFLOW_ID = 'mj-gw-tenants';
export const TENANTS_MEMO_KEY = 'mjTenants';
export const TENANTS_MEMO_VERSION = 1;

/** Per-tenant limits and rules; absent fields take the gateway's defaults. */
export interface TenantOptions {
  /** Submits allowed per minute (per gateway process). */
  submitsPerMinute?: number;
  /** Reads (fetch, list) allowed per second (per gateway process). */
  readsPerSecond?: number;
  /** Jobs of the tenant open at once (counted in visibility, so across processes). */
  maxOpenJobs?: number;
  /** Bytes of images the tenant may store per day (per gateway process); the gateway's `storageBytesPerDay` else. */
  storageBytesPerDay?: number;
  /** notifyHook hosts allowed (`example.com` exact, `*.example.com` any subdomain); absent = any public host. */
  hookAllowList?: string[];
}

export interface ApiKeyRecord {
  /** Public part of the key (`mjk_<id>_…`), to find the record without comparing every hash. */
  id: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  createdAt: number;
  revokedAt?: number;
  label?: string;
}

export interface TenantRecord {
  createdAt: number;
  options: TenantOptions;
  keys: ApiKeyRecord[];
}

export interface TenantsMemo {
  v: typeof TENANTS_MEMO_VERSION;
  tenants: Record<string, TenantRecord>;
}

export interface CreateKeyRequest {
  tenant: string;
  keyId: string;
  hash: string;
  label?: string;
  /** Replaces the tenant's options when given. */
  options?: TenantOptions;
}

export interface CreateKeyAck {
  tenant: string;
  keyId: string;
  createdAt: number;
}

export const createKeyUpdate = defineUpdate<CreateKeyAck, [CreateKeyRequest]>('createKey');
export const revokeKeyUpdate = defineUpdate<{ revoked: boolean; tenant?: string }, [{ keyId: string }]>('revokeKey');
export const setTenantOptionsUpdate = defineUpdate<TenantOptions, [{ tenant: string; options: TenantOptions }]>(
  'setTenantOptions'
);
export const getTenantsQuery = defineQuery<TenantsMemo>('getTenants');

/** `ApplicationFailure.type` of a rejected registry update (details: `{ field, rule }`). */
export const TENANTS_REJECTION = 'TenantsRequestRejected';
