/** Config rule: upstream ids are unique (they key health, owners, tokens and ledger entries). */
import type { ConfigIssue } from '../values';
import type { UpstreamEntry } from '../upstreams-schema';

export function uniqueIdIssues(upstreams: readonly UpstreamEntry[], at: string): ConfigIssue[] {
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  upstreams.forEach((u, i) => {
    const first = seen.get(u.id);
    if (first === undefined) seen.set(u.id, i);
    else issues.push({ field: `${at}.upstreams[${i}].id`, rule: `must be unique (also used by upstreams[${first}])` });
  });
  return issues;
}
