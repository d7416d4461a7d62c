/**
 * What `npm start` keeps in its data directory for the gateway: the deployment secret, a key of the `dev` tenant
 * (created on first start, recreated only when the registry no longer knows it), and `endpoints.json`, which
 * scripts and tests read instead of parsing the banner.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TenantDirectory } from '../tenancy/tenant-directory';

export const DEV_TENANT = 'dev';

function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function writeSecretFile(file: string, value: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
}

/** The gateway's deployment secret, kept across restarts (image URLs and webhook secrets stay valid). */
export function devGatewaySecret(dataDir: string): string {
  const file = path.join(dataDir, 'gateway-secret');
  const existing = readTrimmed(file);
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32).toString('base64url');
  writeSecretFile(file, secret);
  return secret;
}

/** The dev tenant's API key: the one kept in the data directory while the registry still knows it. */
export async function devApiKey(dataDir: string, tenants: TenantDirectory): Promise<string> {
  const file = path.join(dataDir, 'dev-api-key');
  const existing = readTrimmed(file);
  if (existing && (await tenants.isLive(existing, DEV_TENANT))) return existing;
  const { apiKey } = await tenants.createKey(DEV_TENANT, { label: 'npm start' });
  writeSecretFile(file, apiKey);
  return apiKey;
}

export interface Endpoints {
  temporal: string;
  temporalUi: string | null;
  simulator: { url: string } | null;
  gateway: { baseUrl: string; apiKey: string };
  console: { url: string } | null;
  /** The MCP server (Streamable HTTP; the gateway's API key as `Authorization: Bearer`). */
  mcp: { url: string } | null;
}

export function writeEndpoints(dataDir: string, e: Endpoints): string {
  const file = path.join(dataDir, 'endpoints.json');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`, { mode: 0o600 });
  return file;
}
