import type { Command } from 'commander';
import type { ScheduleSummary } from '../../client';
import type { SpeedMode } from '../../mj/types';
import type { CliContext } from '../context';
import { readBatchFile } from '../files';
import { parseMode, parsePositiveInt } from '../flags';

interface CreateFlags {
  cron: string;
  promptFile: string;
  mode: SpeedMode;
  concurrency?: number;
  timezone: string;
  paused?: boolean;
}

/** `schedule create|list|delete|trigger`: Temporal Schedules that start batches (`client.schedules`). */
export function registerScheduleCommand(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description('Temporal Schedules that start batches (e.g. relax jobs overnight)');
  schedule
    .command('create')
    .argument('<scheduleId>')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *" (02:00 daily)')
    .requiredOption('--prompt-file <file>', 'prompt file or JSON batch spec')
    .option('--mode <mode>', 'speed mode', parseMode, 'RELAX' as SpeedMode)
    .option('--concurrency <n>', 'most jobs at once', parsePositiveInt('--concurrency'))
    .option('--timezone <tz>', 'IANA time zone of the cron expression', 'UTC')
    .option('--paused', 'create paused')
    .action(async (id: string, f: CreateFlags) => {
      const batch = await readBatchFile(f.promptFile, 'prompt-file');
      const jobs = await ctx.client();
      const { cron, mode, concurrency, timezone, paused } = f;
      const created = await jobs.schedules.create(id, { cron, batch, mode, concurrency, timezone, paused });
      ctx.print(
        { ...created },
        () => `schedule ${id} created: ${created.items} prompt(s), next run ${created.nextRuns[0] ?? '(paused)'}`
      );
    });
  schedule.command('list').action(async () => {
    const rows = await (await ctx.client()).schedules.list();
    ctx.print({ schedules: rows }, () => (rows.length === 0 ? 'no schedules' : rows.map(formatRow).join('\n')));
  });
  schedule
    .command('delete')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      await (await ctx.client()).schedules.delete(id);
      ctx.print({ scheduleId: id, deleted: true }, () => `schedule ${id} deleted`);
    });
  schedule
    .command('trigger')
    .description('run a schedule now')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      await (await ctx.client()).schedules.trigger(id);
      ctx.print({ scheduleId: id, triggered: true }, () => `schedule ${id} triggered`);
    });
}

function formatRow(r: ScheduleSummary): string {
  return `${r.scheduleId}  ${r.paused ? 'paused' : 'active'}  next ${r.nextRuns[0] ?? '-'}`;
}
