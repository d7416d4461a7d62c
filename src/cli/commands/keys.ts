import type { Command } from 'commander';
import type { ApiKeySummary } from '../../client';
import type { CliContext } from '../context';
import { TENANT_NAME_RULE } from '../../shared/tenant-name';

/**
 * `keys create|list|revoke`: the gateway's API keys per tenant (`client.keys`). `create` prints the key once (with
 * `--json` exactly `{"tenant","apiKey"}`, what scripts and the issue expect); nothing else ever prints a key.
 */
export function registerKeysCommand(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys of the midjourney-proxy gateway, per tenant');
  keys
    .command('create')
    .description('create a key for a tenant (and the tenant with its first key); the key is shown once')
    .argument('<tenant>', `tenant name: ${TENANT_NAME_RULE}`)
    .option('--label <text>', 'a note kept with the key (who or what uses it)')
    .action(async (tenant: string, f: { label?: string }) => {
      const created = await (await ctx.client()).keys.create(tenant, { label: f.label });
      if (ctx.json) {
        ctx.io.stdout.write(`${JSON.stringify({ tenant: created.tenant, apiKey: created.apiKey })}\n`);
        return;
      }
      ctx.io.stdout.write(`${created.apiKey}\n`);
      ctx.info(
        `key ${created.keyId} created for tenant ${created.tenant}: shown once, stored hashed ` +
          `(send it as mj-api-secret or Authorization: Bearer; revoke: npm run cli -- keys revoke ${created.keyId})`
      );
    });
  keys
    .command('list')
    .description('key ids, tenants and times (never the keys)')
    .option('--tenant <tenant>', 'only this tenant')
    .action(async (f: { tenant?: string }) => {
      const rows = await (await ctx.client()).keys.list({ tenant: f.tenant });
      ctx.print({ keys: rows }, () => (rows.length === 0 ? 'no keys' : formatTable(rows)));
    });
  keys
    .command('revoke')
    .description('revoke a key: gateways refuse it within their registry cache time (5 s)')
    .argument('<keyId>', 'the key id, as `keys list` shows it')
    .action(async (keyId: string) => {
      const r = await (await ctx.client()).keys.revoke(keyId);
      ctx.print(
        { ...r },
        () => `key ${r.keyId} of tenant ${r.tenant} ${r.revoked ? 'revoked' : 'was already revoked'}`
      );
    });
}

function formatTable(rows: ApiKeySummary[]): string {
  const lines = rows.map((r) =>
    [r.keyId, `${r.prefix}…`, r.tenant, r.createdAt, r.revokedAt ? `revoked ${r.revokedAt}` : 'active', r.label ?? '']
      .join('  ')
      .trimEnd()
  );
  return ['KEY ID  PREFIX  TENANT  CREATED  STATE  LABEL', ...lines].join('\n');
}
