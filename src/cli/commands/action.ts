import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliInputError } from '../exit-codes';
import { startOptions, withStartFlags, type StartFlags } from '../flags';
import { describeResult, report } from '../output';

interface ActionFlags extends StartFlags {
  task?: string;
  prompt?: string;
  mask?: string;
  remix?: boolean;
  payAgain?: boolean;
}

/**
 * `action <jobId> <intent…>` or `action --task <upstreamTaskId> <intent…>`: press a button. A job id (or the `--id`
 * you chose) that names no job is refused at once (exit 3); a task created outside this service is named with
 * `--task`, explicitly.
 */
export function registerActionCommand(program: Command, ctx: CliContext): void {
  withStartFlags(
    program
      .command('action')
      .usage('<jobId> <intent...> | --task <upstreamTaskId> <intent...> [options]')
      .description('press a button of a finished job: U2, V1, zoom-out 2, pan left, vary-region, …')
      .argument('[jobIdAndIntent...]', 'a job id (or the --id you chose), then the intent')
      .option('--task <upstreamTaskId>', 'act on a task created outside this service (its upstream task id)')
      .option('--prompt <prompt>', 'modal prompt known in advance (custom-zoom, vary-region, remix)')
      .option('--mask <file>', 'vary-region mask (PNG, white = repaint)')
      .option('--remix', 'enable remix')
      .option(
        '--pay-again',
        'a new, paid job even if this button (U1–U4, upscale-hd, video-upscale) was pressed before'
      )
  ).action(async (args: string[], f: ActionFlags) => {
    if (f.task === undefined && args.length === 0) throw new CliInputError('jobId', 'is required (or --task)');
    const [target, intent] = f.task !== undefined ? [f.task, args] : [args[0]!, args.slice(1)];
    if (intent.length === 0) throw new CliInputError('intent', 'is required (e.g. U2, V1, zoom-out 2)');
    const jobs = await ctx.client();
    const modal = f.prompt !== undefined || f.mask !== undefined ? { prompt: f.prompt, mask: f.mask } : undefined;
    const h = await jobs.action(target, intent.join(' '), {
      ...startOptions(f),
      enableRemix: f.remix,
      ...(f.payAgain ? { payAgain: true } : {}),
      modal,
      parentOrigin: f.task !== undefined ? 'external' : 'job',
    });
    await report(ctx, h, f.wait, (r, locate) => describeResult(h.jobId, r, locate));
  });
}
