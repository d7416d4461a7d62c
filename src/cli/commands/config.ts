import type { Command } from 'commander';
import { redactConfig } from '../../config';
import type { CliContext } from '../context';

/** `config`: the effective configuration, secrets redacted. */
export function registerConfigCommand(program: Command, ctx: CliContext): void {
  program
    .command('config')
    .description('print the effective configuration (secrets redacted)')
    .action(() => {
      const c = redactConfig(ctx.getConfig());
      ctx.print({ config: c }, () => JSON.stringify(c, null, 2));
    });
}
