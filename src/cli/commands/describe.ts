import type { Command } from 'commander';
import type { CliContext } from '../context';
import { startOptions, withStartFlags, type StartFlags } from '../flags';
import { describeResult, report } from '../output';

/** `describe <image>`: four prompts for an image. */
export function registerDescribeCommand(program: Command, ctx: CliContext): void {
  withStartFlags(
    program.command('describe').description('describe an image').argument('<image>', 'URL or file')
  ).action(async (image: string, f: StartFlags) => {
    const jobs = await ctx.client();
    const h = await jobs.describe(image, startOptions(f));
    await report(ctx, h, f.wait, (r, locate) => describeResult(h.jobId, r, locate));
  });
}
