import type { Command } from 'commander';
import type { SpeedMode } from '../../mj/types';
import type { CliContext } from '../context';
import { readBatchFile } from '../files';
import { parseMode, parsePositiveInt } from '../flags';
import { describeBatch, report } from '../output';

interface BatchFlags {
  id?: string;
  mode?: SpeedMode;
  concurrency?: number;
  name?: string;
  wait?: boolean;
}

/** `batch <prompt-file>`: many jobs, bounded concurrency per account × mode. */
export function registerBatchCommand(program: Command, ctx: CliContext): void {
  program
    .command('batch')
    .description('start a batch from a prompt file (one prompt per line, # comments) or a JSON batch spec')
    .argument('<prompt-file>')
    .option('--id <batchId>', 'your own batch id (idempotency key)')
    .option('--mode <mode>', 'speed mode', parseMode)
    .option('--concurrency <n>', 'most jobs at once per account × mode', parsePositiveInt('--concurrency'))
    .option('--name <name>', 'batch name')
    .option('--wait', 'wait for the report')
    .action(async (file: string, f: BatchFlags) => {
      const spec = await readBatchFile(file, 'prompt-file');
      const jobs = await ctx.client();
      const h = await jobs.batch(spec, { mode: f.mode, concurrency: f.concurrency, name: f.name, jobId: f.id });
      await report(ctx, h, f.wait, describeBatch);
    });
}
