/**
 * Runs the simulator as a process: `npx tsx src/simulator/cli.ts --flavour trueai --port 8080 --time-scale 60`.
 * Prints the URL on stdout (one line, for scripts to read) and stops cleanly on SIGINT or SIGTERM.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_FLAVOUR, MJ_FLAVOURS } from '../mj/terms/flavours';
import { startSimulator, type SimulatorOptions } from './index';

function number(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}`);
    return n;
  };
}

/** Parses command-line arguments into simulator options (exported for tests). */
export function optionsFromArgv(argv: string[]): SimulatorOptions {
  const program = new Command()
    .name('mj-simulator')
    .description('A midjourney-proxy simulator on loopback HTTP')
    .addOption(new Option('--flavour <flavour>', 'API family to imitate').choices(MJ_FLAVOURS).default(DEFAULT_FLAVOUR))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = random)', number('--port', 0), 0)
    .option(
      '--time-scale <n>',
      'simulated ms per real ms (3600: an hour per second)',
      number('--time-scale', Number.MIN_VALUE),
      1
    )
    .option('--api-key <key>', 'require this key, sent the flavour’s way')
    .option('--remix', 'account Remix on: variations, rerolls and pans park in MODAL', false)
    .option('--seed <n>', 'seed for every random choice', number('--seed', 0))
    .addOption(
      new Option('--default-version <v>', 'MJ version without --v in the prompt')
        .choices(['6.1', '7', '8'])
        .default('7')
    )
    .option('--queue-size <n>', 'waiting jobs per account before queue-full', number('--queue-size', 0), 10)
    .option('--concurrency <n>', 'running jobs per account and mode', number('--concurrency', 1), 3)
    .option('--public-base-url <url>', 'base of image URLs (default: the server URL)')
    .option('--notify-hook <url>', 'webhook for tasks submitted without notifyHook')
    .option(
      '--modal-ttl <s>',
      'unanswered MODAL children fail after this many simulated seconds (0 = never)',
      number('--modal-ttl', 0)
    )
    .option(
      '--gateway-task-timeout <s>',
      'gateway: unfinished tasks fail after this many simulated seconds (0 = never; default 3600)',
      number('--gateway-task-timeout', 0)
    )
    .option('--state-file <path>', 'keep tasks, clock and queues in this file and resume from it on the next start')
    .exitOverride()
    .parse(argv, { from: 'node' });
  const o = program.opts<{
    flavour: SimulatorOptions['flavour'];
    host: string;
    port: number;
    timeScale: number;
    apiKey?: string;
    remix: boolean;
    seed?: number;
    defaultVersion: SimulatorOptions['defaultVersion'];
    queueSize: number;
    concurrency: number;
    publicBaseUrl?: string;
    notifyHook?: string;
    modalTtl?: number;
    gatewayTaskTimeout?: number;
    stateFile?: string;
  }>();
  return {
    flavour: o.flavour,
    host: o.host,
    port: o.port,
    timeScale: o.timeScale,
    apiKey: o.apiKey,
    remix: o.remix,
    seed: o.seed,
    defaultVersion: o.defaultVersion,
    queueSize: o.queueSize,
    concurrency: { FAST: o.concurrency, RELAX: o.concurrency, TURBO: o.concurrency },
    publicBaseUrl: o.publicBaseUrl,
    notifyHook: o.notifyHook,
    modalTtl: o.modalTtl === undefined ? undefined : o.modalTtl * 1000,
    gatewayTaskTimeout: o.gatewayTaskTimeout === undefined ? undefined : o.gatewayTaskTimeout * 1000,
    stateFile: o.stateFile,
  };
}

async function run(): Promise<void> {
  let opts: SimulatorOptions;
  try {
    opts = optionsFromArgv(process.argv);
  } catch (err) {
    // commander already printed the message or the help text.
    process.exit((err as { exitCode?: number }).exitCode ?? 1);
  }
  const sim = await startSimulator(opts);
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: closing simulator\n`);
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      }
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // Print only once the handlers are in place: a script that reads the URL and then signals must get a clean stop.
  process.stdout.write(`${sim.url}\n`);
  process.stderr.write(`midjourney-proxy simulator (${sim.flavour}) listening on ${sim.url}; Ctrl-C to stop\n`);
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
