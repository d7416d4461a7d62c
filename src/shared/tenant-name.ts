/**
 * The one rule for a gateway tenant's name, and its wording: tenant names are part of workflow ids
 * (`mj-gw-<tenant>-<taskId>`) and of a search attribute, so they are short, lower-case and URL-safe. Every check and
 * every message about a tenant name derives from here. Workflow-safe.
 */

/** The pattern without anchors, for composing into larger patterns (a workflow id). */
export const TENANT_NAME_PATTERN = '[a-z0-9][a-z0-9_-]{0,39}';

export const TENANT_NAME_RE = new RegExp(`^${TENANT_NAME_PATTERN}$`);

/** What a tenant name must be, as error messages and help texts say it ("tenant must be …"). */
export const TENANT_NAME_RULE = '1-40 of [a-z0-9_-], starting with a letter or digit';

export function isTenantName(value: unknown): value is string {
  return typeof value === 'string' && TENANT_NAME_RE.test(value);
}
