import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { startOptions, withStartFlags, type StartFlags } from '../flags';
import { describeResult, report } from '../output';

type Dimensions = 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE';

/** `blend <images…>`: blend 2-5 images. */
export function registerBlendCommand(program: Command, ctx: CliContext): void {
  withStartFlags(
    program
      .command('blend')
      .description('blend 2-5 images')
      .argument('<images...>', 'http(s) URLs or files')
      .addOption(new Option('--dimensions <d>', 'output shape').choices(['PORTRAIT', 'SQUARE', 'LANDSCAPE']))
  ).action(async (images: string[], f: StartFlags & { dimensions?: Dimensions }) => {
    const jobs = await ctx.client();
    const h = await jobs.blend(images, { ...startOptions(f), dimensions: f.dimensions });
    await report(ctx, h, f.wait, (r, locate) => describeResult(h.jobId, r, locate));
  });
}
