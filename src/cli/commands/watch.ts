import type { Command } from 'commander';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { describeStatus, watchUntilDone } from '../output';

/** `watch <jobId>`: live progress bars until the job (every branch) is done; exit 1 unless it completed. */
export function registerWatchCommand(program: Command, ctx: CliContext): void {
  program
    .command('watch')
    .description('live progress bars until the job (every branch) is done')
    .argument('<jobId>', 'a job, pipeline or batch id, or the --id you chose')
    .action(async (jobId: string) => {
      const s = await watchUntilDone(ctx, jobId);
      ctx.print({ ...s }, () => describeStatus(s));
      if (s.executionStatus !== 'COMPLETED') process.exitCode = EXIT.failed;
    });
}
