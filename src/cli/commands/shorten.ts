import type { Command } from 'commander';
import type { CliContext } from '../context';
import { startOptions, withStartFlags, type StartFlags } from '../flags';
import { describeResult, report } from '../output';

/** `shorten <prompt…>`: shorter variants of a prompt. */
export function registerShortenCommand(program: Command, ctx: CliContext): void {
  withStartFlags(program.command('shorten').description('shorten a prompt').argument('<prompt...>')).action(
    async (words: string[], f: StartFlags) => {
      const jobs = await ctx.client();
      const h = await jobs.shorten(words.join(' '), startOptions(f));
      await report(ctx, h, f.wait, (r, locate) => describeResult(h.jobId, r, locate));
    }
  );
}
