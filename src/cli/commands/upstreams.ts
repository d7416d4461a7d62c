import type { Command } from 'commander';
import type { UpstreamHealthSnapshot, UpstreamPoolSnapshot } from '../../workflows/upstreams/messages';
import type { CliContext } from '../context';
import { CliNotFoundError } from '../exit-codes';

/**
 * `upstreams`: health of every routed upstream; `upstreams disable <id> [--message]` and `upstreams enable
 * <id>` take one out of routing or put it back. Thin over `client.upstreams`; never prints a URL or key (the pool has
 * none).
 */
export function registerUpstreamsCommand(program: Command, ctx: CliContext): void {
  const upstreams = program
    .command('upstreams')
    .description('health of the routed upstreams: in flight, today, cooldowns, disables')
    .action(async () => {
      const health = await (await ctx.client()).upstreams.health();
      if (!health) throw new CliNotFoundError('no upstream pool runs yet (no routed job has been submitted)');
      ctx.print({ pool: health }, () => formatHealth(health));
    });
  upstreams
    .command('disable')
    .description('take an upstream out of routing (its jobs keep their follow-ups, which wait for it)')
    .argument('<upstreamId>', 'the upstream id, as `upstreams` lists it')
    .option('--message <text>', 'why (shown in the health)')
    .action(async (upstreamId: string, f: { message?: string }) => {
      const u = await (await ctx.client()).upstreams.setEnabled(upstreamId, false, f.message);
      ctx.print({ upstream: u }, () => `upstream ${u.id} disabled${u.disabled ? `: ${u.disabled.message}` : ''}`);
    });
  upstreams
    .command('enable')
    .description('put an upstream back (clears its cooldown, fast-hours exhaustion and an automatic disable)')
    .argument('<upstreamId>', 'the upstream id')
    .action(async (upstreamId: string) => {
      const u = await (await ctx.client()).upstreams.setEnabled(upstreamId, true);
      ctx.print({ upstream: u }, () => `upstream ${u.id} enabled`);
    });
}

function modeCounts(counts: UpstreamHealthSnapshot['inFlight']): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([mode, n]) => `${mode} ${n}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

function formatHealth(p: UpstreamPoolSnapshot): string {
  const rows = p.upstreams.map((u) =>
    [u.id, modeCounts(u.inFlight), modeCounts(u.accepted), u.blocked ?? (u.disabled ? 'disabled' : 'ok')].join('  ')
  );
  const t = p.totals;
  return [
    `rule ${p.routing.rule}, modes ${p.routing.modePreference.join(' > ')}`,
    'UPSTREAM  IN FLIGHT  ACCEPTED TODAY  STATE',
    ...rows,
    `reserved ${t.reserved}, accepted ${t.accepted}, failovers ${t.failovers}, released ${t.released}, reclaimed ${t.reclaimed}`,
  ].join('\n');
}
