import type { Command } from 'commander';
import type { DeliveryLog } from '../../client';
import type { CliContext } from '../context';
import { CliInputError } from '../exit-codes';
import { parsePositiveInt } from '../flags';

interface DeliveriesFlags {
  replay?: boolean;
  seq?: number;
  tenant?: string;
}

/**
 * `deliveries <taskId> [--replay [--seq N]]`: the callback delivery log of a gateway task, and re-delivery
 * (`client.deliveries`). Shows outcomes, attempts, errors and times; never a secret or a signature.
 */
export function registerDeliveriesCommand(program: Command, ctx: CliContext): void {
  program
    .command('deliveries')
    .description('callback deliveries (notifyHook) of a gateway task; --replay delivers again')
    .argument('<taskId>', 'the 16-digit task id the gateway answered')
    .option('--replay', 'deliver again: every handled change, or the one named by --seq')
    .option('--seq <n>', 'with --replay: only this change', parsePositiveInt('--seq'))
    .option('--tenant <tenant>', 'the tenant of the task (needed only when two tenants have the same id)')
    .action(async (taskId: string, f: DeliveriesFlags) => {
      if (f.seq !== undefined && !f.replay) throw new CliInputError('--seq', 'needs --replay');
      const jobs = await ctx.client();
      if (f.replay) {
        const r = await jobs.deliveries.replay(taskId, { seq: f.seq, tenant: f.tenant });
        ctx.print(
          { ...r },
          () =>
            `task ${r.taskId}: ${r.queued} change(s) queued for delivery` +
            (r.queued === 0 ? ' (none handled yet, or already pending)' : '')
        );
        return;
      }
      const log = await jobs.deliveries.list(taskId, { tenant: f.tenant });
      ctx.print({ ...log }, () => formatLog(log));
    });
}

function formatLog(log: DeliveryLog): string {
  const state = log.done ? 'done' : log.open ? 'open' : 'closed';
  const head = `task ${log.taskId} (tenant ${log.tenant}) → ${log.hook}: ${state}`;
  if (log.deliveries.length === 0) return `${head}\n  no changes yet`;
  const rows = log.deliveries.map((d) =>
    [
      `  #${d.seq}`,
      d.phase,
      d.status,
      d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : '',
      d.attempts !== undefined ? `${d.attempts} attempt(s)` : '',
      d.at ?? '',
      d.replays > 0 ? `replayed ${d.replays}×` : '',
      d.lastError ? `error: ${d.lastError}` : '',
    ]
      .filter(Boolean)
      .join('  ')
  );
  return [head, ...rows].join('\n');
}
