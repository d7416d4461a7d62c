import type { Command } from 'commander';
import type { CliContext } from '../context';

/** `download <jobId>`: save a finished job's images (stored copies, else the result URLs). */
export function registerDownloadCommand(program: Command, ctx: CliContext): void {
  program
    .command('download')
    .description("save a finished job's images (stored copies, else the result URLs)")
    .argument('<jobId>', 'a job, pipeline or batch id, or the --id you chose')
    .option('--out <dir>', 'target directory', '.')
    .action(async (jobId: string, f: { out: string }) => {
      const jobs = await ctx.client();
      const files = await jobs.download(jobId, f.out);
      ctx.print({ jobId, files }, () => (files.length === 0 ? `no images in ${jobId}` : files.join('\n')));
    });
}
