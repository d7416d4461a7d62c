import type { Command } from 'commander';
import { assertPromptParams } from '../../mj/prompt-rule';
import type { CliContext } from '../context';
import { startOptions, withStartFlags, type StartFlags } from '../flags';
import { describeResult, report } from '../output';

/** `imagine <prompt…>`: start an imagine job. */
export function registerImagineCommand(program: Command, ctx: CliContext): void {
  withStartFlags(
    program
      .command('imagine')
      .description('start an imagine job')
      .argument('<prompt...>', 'the prompt (quote it, or pass it as words)')
      .option('--image <urlOrFile...>', 'reference images (http(s) URLs or files)')
  ).action(async (words: string[], f: StartFlags & { image?: string[] }) => {
    const prompt = words.join(' ');
    // The parameter rules refuse before anything connects; the client checks them again.
    for (const w of assertPromptParams(prompt)) ctx.warn(w.message);
    const jobs = await ctx.client();
    const h = await jobs.imagine(prompt, { ...startOptions(f), images: f.image });
    await report(ctx, h, f.wait, (r, locate) => describeResult(h.jobId, r, locate));
  });
}
