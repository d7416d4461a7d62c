import type { Command } from 'commander';
import type { CliContext } from '../context';
import { readJsonFile } from '../files';
import { describePipeline, report } from '../output';

/** `pipeline <file>`: start a pipeline from a JSON spec. */
export function registerPipelineCommand(program: Command, ctx: CliContext): void {
  program
    .command('pipeline')
    .description('start a pipeline from a JSON file')
    .argument('<file>')
    .option('--id <pipelineId>', 'your own pipeline id (idempotency key)')
    .option('--wait', 'wait for the result')
    .action(async (file: string, f: { id?: string; wait?: boolean }) => {
      const spec = await readJsonFile(file, 'file');
      const jobs = await ctx.client();
      const h = await jobs.pipeline(spec, { jobId: f.id });
      await report(ctx, h, f.wait, describePipeline);
    });
}
