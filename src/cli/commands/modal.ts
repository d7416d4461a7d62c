import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliInputError } from '../exit-codes';

interface ModalFlags {
  prompt?: string;
  mask?: string;
  step?: string;
  branch?: string;
  choice?: string;
}

/** `modal <jobId>`: give a job (or a pipeline step) waiting for a person its input. */
export function registerModalCommand(program: Command, ctx: CliContext): void {
  program
    .command('modal')
    .description('give a job waiting for input (or a waiting pipeline step) its prompt, mask or choice')
    .argument('<jobId>', 'a job or pipeline id, or the --id you chose')
    .option('--prompt <prompt>', 'the prompt')
    .option('--mask <file>', 'mask PNG for vary-region (stored first; only a reference is sent)')
    .option('--step <step>', 'pipeline step waiting for input')
    .option('--branch <branch>', 'branch of that step (when several wait)')
    .option('--choice <choice>', 'pick-step choice (U2, V1, …) or prompt number')
    .action(async (jobId: string, f: ModalFlags) => {
      if ((f.branch !== undefined || f.choice !== undefined) && f.step === undefined) {
        throw new CliInputError('--step', 'is required with --branch or --choice');
      }
      const jobs = await ctx.client();
      const ack = await jobs.provideModalInput(
        jobId,
        { prompt: f.prompt, mask: f.mask },
        { step: f.step, branch: f.branch, choice: f.choice }
      );
      ctx.print({ jobId, ack }, () => `input accepted by ${jobId}${f.step ? ` (step ${f.step})` : ''}`);
    });
}
