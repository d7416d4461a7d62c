/**
 * `npm run cli -- <command>`: start, watch and manage MidJourney jobs from a shell. One file per command under
 * `commands/`, each thin over `MjJobsClient`; this file only wires them and maps errors to exit codes.
 *
 * Human output by default; `--json` prints exactly one JSON document on stdout (`{ "ok": true, … }` or
 * `{ "ok": false, "error": { "code", "message", "field"?, "rule"? } }`) for scripts. Exit codes: see `exit-codes.ts`
 * (0 ok, 1 job failed, 2 bad input, 3 not found, 4 Temporal unreachable, 130 interrupted).
 */
import { Command, CommanderError } from 'commander';
import { registerActionCommand } from './commands/action';
import { registerBatchCommand } from './commands/batch';
import { registerBlendCommand } from './commands/blend';
import { registerCancelCommand } from './commands/cancel';
import { registerConfigCommand } from './commands/config';
import { registerCostCommand } from './commands/cost';
import { registerDeliveriesCommand } from './commands/deliveries';
import { registerDescribeCommand } from './commands/describe';
import { registerDownloadCommand } from './commands/download';
import { registerImagineCommand } from './commands/imagine';
import { registerKeysCommand } from './commands/keys';
import { registerListCommand } from './commands/list';
import { registerModalCommand } from './commands/modal';
import { registerPipelineCommand } from './commands/pipeline';
import { registerScheduleCommand } from './commands/schedule';
import { registerShortenCommand } from './commands/shorten';
import { registerStatusCommand } from './commands/status';
import { registerUpstreamsCommand } from './commands/upstreams';
import { registerWatchCommand } from './commands/watch';
import { CliContext, type Io } from './context';
import { describeError, EXIT, exitCodeFor } from './exit-codes';

export { EXIT } from './exit-codes';
export { CliContext } from './context';

/** Every command, in help order. A new command is one file under `commands/` and one line here. */
const COMMANDS = [
  registerImagineCommand,
  registerActionCommand,
  registerModalCommand,
  registerPipelineCommand,
  registerBlendCommand,
  registerDescribeCommand,
  registerShortenCommand,
  registerStatusCommand,
  registerWatchCommand,
  registerListCommand,
  registerCancelCommand,
  registerDownloadCommand,
  registerBatchCommand,
  registerScheduleCommand,
  registerKeysCommand,
  registerDeliveriesCommand,
  registerConfigCommand,
  registerCostCommand,
  registerUpstreamsCommand,
];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('mj')
    .description('Durable MidJourney jobs on Temporal')
    .option('--json', 'print one JSON document on stdout (for scripts)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) })
    .hook('preAction', (_this, cmd) => {
      ctx.json = Boolean(cmd.optsWithGlobals().json);
    });
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/** Writes the error the way the output mode asks; returns the exit code. */
function reportError(ctx: CliContext, err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are exits with code 0; everything else commander rejects is a usage error.
    if (err.exitCode === 0) return EXIT.ok;
    if (ctx.json)
      ctx.io.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
    return EXIT.badInput;
  }
  const code = exitCodeFor(err);
  const error = describeError(err);
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error }, null, 2)}\n`);
  } else {
    const hint = code === EXIT.unreachable ? ' (is Temporal running? `npm start`, or set TEMPORAL_ADDRESS)' : '';
    ctx.io.stderr.write(`error: ${String(error.message)}${hint}\n`);
  }
  return code;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
  io: Io = process
): Promise<number> {
  const ctx = new CliContext(io, env);
  ctx.json = argv.includes('--json');
  const program = buildProgram(ctx);
  const onSigint = () => {
    if (ctx.json) {
      io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'INTERRUPTED', message: 'interrupted' } })}\n`);
    } else {
      io.stderr.write('\ninterrupted: jobs keep running on the server (npm run cli -- watch <jobId>)\n');
    }
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSigint);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(ctx, err);
  } finally {
    process.off('SIGINT', onSigint);
    await ctx.close().catch(() => undefined);
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
