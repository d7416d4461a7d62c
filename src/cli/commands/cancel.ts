import type { Command } from 'commander';
import type { CliContext } from '../context';

/** `cancel <jobId>`: request cancellation of a job, pipeline or batch. */
export function registerCancelCommand(program: Command, ctx: CliContext): void {
  program
    .command('cancel')
    .description('cancel a job, pipeline or batch')
    .argument('<jobId>', 'a job, pipeline or batch id, or the --id you chose')
    .action(async (jobId: string) => {
      const jobs = await ctx.client();
      await jobs.cancel(jobId);
      ctx.print({ jobId, cancelRequested: true }, () => `cancellation requested: ${jobId}`);
    });
}
