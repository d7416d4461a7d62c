import type { Command } from 'commander';
import type { CliContext } from '../context';
import { describeStatus } from '../output';

/**
 * `status <jobId>`: state and progress; a closed job is read without a running worker. A job also shows where it
 * sits (parent job, root, pipeline, batch), its seed, and the jobs started by pressing its buttons.
 */
export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("a job's, pipeline's or batch's state and progress")
    .argument('<jobId>', 'a job, pipeline or batch id, or the --id you chose')
    .action(async (jobId: string) => {
      const jobs = await ctx.client();
      const s = await jobs.status(jobId);
      const children = s.kind === 'job' ? await jobs.children(s.jobId) : undefined;
      ctx.print({ ...s, ...(children ? { children } : {}) }, () => describeStatus(s, children));
    });
}
