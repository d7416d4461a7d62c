/**
 * Config rule: an upstream's API key comes from exactly one place, inline `apiKey` or `apiKeyEnv` naming a set
 * environment variable (or neither, for an open proxy). The rule text names the variable, never the key.
 */
import { Secret, type ConfigIssue } from '../values';
import type { UpstreamEntry } from '../upstreams-schema';

export type KeyResult = { ok: true; apiKey: Secret | undefined } | { ok: false; issue: ConfigIssue };

export function apiKeyOf(
  u: UpstreamEntry,
  env: Readonly<Record<string, string | undefined>>,
  field: string
): KeyResult {
  if (u.apiKey !== undefined && u.apiKeyEnv !== undefined) {
    return { ok: false, issue: { field: `${field}.apiKeyEnv`, rule: 'set either apiKey or apiKeyEnv, not both' } };
  }
  if (u.apiKeyEnv !== undefined) {
    const value = env[u.apiKeyEnv];
    if (value === undefined || value === '') {
      return { ok: false, issue: { field: `${field}.apiKeyEnv`, rule: `names ${u.apiKeyEnv}, which is not set` } };
    }
    return { ok: true, apiKey: new Secret(value) };
  }
  return { ok: true, apiKey: u.apiKey === undefined ? undefined : new Secret(u.apiKey) };
}
