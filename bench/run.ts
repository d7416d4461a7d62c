/**
 * `npm run bench [-- --quick] [--jobs N] [--phases mix,gateway,gateway-read,mcp,console,streams,history,upstreams,batch,inflight,throughput] [--seed N] [--cache N]
 * [--gateway-read (that phase alone)]
 * [--levels 100,1000,3000,5000] [--workers 1,2] [--budget MIN]`
 *
 * Measures what users pay for against the simulator on this machine, writes `bench/results/<date>.json|md` and
 * `bench/results/latest.md`. Starts its own Temporal dev server per phase (SQLite file, WAL) on free loopback ports,
 * its own simulators, webhook receiver and worker processes, and stops all of them. Not a test: numbers, not
 * assertions (the report marks each target met or missed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { ALL_PHASES, type BenchContext, type BenchFlags, type PhaseName } from './lib/context';
import { temporalCliVersion } from './lib/dev-server';
import { machineInfo } from './lib/proc';
import { errorMessage, makeLogger } from './lib/util';
import { buildWorkflowBundle } from './lib/workers';
import { runConsolePhase } from './phases/console';
import { runGatewayPhase } from './phases/gateway';
import { runGatewayReadPhase } from './phases/gateway-read';
import { runBatchPhase } from './phases/batch';
import { runHistoryPhase } from './phases/history';
import { runStreamsPhase } from './phases/streams';
import { runInflightPhase } from './phases/inflight';
import { runMcpPhase } from './phases/mcp';
import { runMixPhase } from './phases/mix';
import { runThroughputPhase } from './phases/throughput';
import { runUpstreamsPhase } from './phases/upstreams';
import { writeReport, type BenchReport } from './report';

function parseList(text: string, what: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`${what} must be a comma-separated list of positive integers`);
  return out;
}

export function parseFlags(argv: string[]): BenchFlags {
  const flags: BenchFlags = {
    quick: false,
    phases: [...ALL_PHASES],
    seed: 7,
    cache: 1_000,
    inflightLevels: [100, 1_000, 3_000, 5_000],
    throughputWorkers: [1, 2],
  };
  let levelsGiven = false;
  let workersGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') flags.quick = true;
    else if (arg === '--gateway-read') flags.phases = ['gateway-read'];
    else if (arg === '--jobs') flags.jobs = parseList(value(), '--jobs')[0];
    else if (arg === '--seed') flags.seed = parseList(value(), '--seed')[0];
    else if (arg === '--cache') flags.cache = parseList(value(), '--cache')[0];
    else if (arg === '--budget') flags.budgetMin = parseList(value(), '--budget')[0];
    else if (arg === '--levels') {
      flags.inflightLevels = parseList(value(), '--levels');
      levelsGiven = true;
    } else if (arg === '--workers') {
      flags.throughputWorkers = parseList(value(), '--workers');
      workersGiven = true;
    } else if (arg === '--phases') {
      const names = value()
        .split(',')
        .map((s) => s.trim()) as PhaseName[];
      const bad = names.filter((p) => !ALL_PHASES.includes(p));
      if (bad.length) throw new Error(`unknown phase(s) ${bad.join(', ')}; use ${ALL_PHASES.join(', ')}`);
      flags.phases = names;
    } else if (arg === '--help' || arg === '-h') {
      console.log(
        'usage: npm run bench -- [--quick] [--jobs N] [--phases mix,gateway,gateway-read,mcp,console,streams,history,upstreams,batch,inflight,throughput] [--gateway-read] [--seed N] [--cache N] [--levels 100,1000] [--workers 1,2] [--budget MIN]'
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (flags.quick) {
    if (!levelsGiven) flags.inflightLevels = [100];
    if (!workersGiven) flags.throughputWorkers = [1];
  }
  flags.inflightLevels.sort((a, b) => a - b);
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const startedAt = Date.now();
  const log = makeLogger(startedAt);
  // Worker processes log for themselves; this process only runs clients and bundles.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'mj-bench-'));
  const budgetMs = (flags.budgetMin ?? (flags.quick ? 4 : 14)) * 60_000;
  log(`temp dir ${tmpDir}; phases ${flags.phases.join(', ')}${flags.quick ? ' (quick)' : ''}`);
  const bundlePath = await buildWorkflowBundle(tmpDir);
  log('workflow bundle built');
  const ctx: BenchContext = { flags, tmpDir, bundlePath, log, remainingMs: () => startedAt + budgetMs - Date.now() };

  const report: BenchReport = {
    startedAt: new Date(startedAt).toISOString(),
    quick: flags.quick,
    flags,
    machine: machineInfo(),
    temporalCli: temporalCliVersion(),
    phases: {},
    errors: {},
    durationSec: 0,
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: finishing the current phase, then writing what was measured (again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  for (const phase of ALL_PHASES.filter((p) => flags.phases.includes(p))) {
    if (interrupted) break;
    const t = Date.now();
    try {
      if (phase === 'mix') report.phases.mix = await runMixPhase(ctx);
      if (phase === 'gateway') report.phases.gateway = await runGatewayPhase(ctx);
      if (phase === 'gateway-read') report.phases.gatewayRead = await runGatewayReadPhase(ctx);
      if (phase === 'mcp') report.phases.mcp = await runMcpPhase(ctx);
      if (phase === 'console') report.phases.console = await runConsolePhase(ctx);
      if (phase === 'streams') report.phases.streams = await runStreamsPhase(ctx);
      if (phase === 'history') report.phases.history = await runHistoryPhase(ctx);
      if (phase === 'upstreams') report.phases.upstreams = await runUpstreamsPhase(ctx);
      if (phase === 'batch') report.phases.batch = await runBatchPhase(ctx);
      if (phase === 'inflight') report.phases.inflight = await runInflightPhase(ctx);
      if (phase === 'throughput') report.phases.throughput = await runThroughputPhase(ctx);
      log(`phase ${phase} done in ${Math.round((Date.now() - t) / 1000)} s`);
    } catch (err) {
      report.errors[phase] = errorMessage(err);
      log(`phase ${phase} failed: ${errorMessage(err)}`);
      if (process.env.BENCH_DEBUG) console.error(err);
    }
  }
  report.durationSec = Math.round((Date.now() - startedAt) / 1000);
  report.machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const files = writeReport(report);
  log(`wrote ${files.json}, ${files.md} and ${files.latest}`);
  process.stdout.write(`\n${files.markdown}\n`);
  if (!process.env.BENCH_KEEP_TMP) rmSync(tmpDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(errorMessage(err));
    process.exit(1);
  }
);
