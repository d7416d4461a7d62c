/**
 * A Temporal dev server for one benchmark phase: `temporal server start-dev` on free loopback ports, a SQLite file
 * in WAL mode, our search attributes registered, headless. Started and stopped by the benchmark itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';
import { freePort, sleep } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

const SA_TYPE_NAME: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** The Temporal CLI: TEMPORAL_CLI_PATH, else the project venv (scripts/install-temporal.mjs). */
export function temporalCliPath(): string {
  const candidate = process.env.TEMPORAL_CLI_PATH || path.join(ROOT, '.temporal', 'venv', 'bin', 'temporal');
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new Error(`Temporal CLI not found at ${candidate}: run "node scripts/install-temporal.mjs" or set TEMPORAL_CLI_PATH`);
  }
  return candidate;
}

export function temporalCliVersion(): string {
  const r = spawnSync(temporalCliPath(), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout || r.stderr || '').trim().split('\n')[0] ?? 'unknown';
}

export interface DevServer {
  readonly address: string;
  readonly pid: number;
  readonly dbFile: string;
  readonly args: string[];
  /** The server's Prometheus metrics (its store counters: bench/lib/server-store.ts). */
  readonly metricsUrl: string;
  /** A client on the default namespace; closed by {@link stop}. */
  readonly client: Client;
  readonly connection: Connection;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  dir: string;
  name: string;
  log: (m: string) => void;
  /**
   * `history.timerProcessorMaxTimeShift`: the server never fires a timer earlier than now + this (default 1 s). Our
   * real poll intervals are ≥ 2 s, so the floor never touches them in production; time-scaled phases shrink them
   * below a second, so they lower the floor to keep timers as exact as they are at 1×.
   */
  timerFloor?: string;
  /** More `--dynamic-config-value key=value` settings (throughput: eager workflow start and activity dispatch). */
  dynamicConfig?: string[];
  /** Namespaces created at launch besides `default` (our search attributes are registered in each). */
  namespaces?: string[];
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const dbFile = path.join(opts.dir, `${opts.name}.db`);
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--db-filename',
    dbFile,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--log-level',
    'error',
    ...(opts.timerFloor ? ['--dynamic-config-value', `history.timerProcessorMaxTimeShift="${opts.timerFloor}"`] : []),
    ...(opts.dynamicConfig ?? []).flatMap((kv) => ['--dynamic-config-value', kv]),
    ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${SA_TYPE_NAME[k.type] ?? 'Keyword'}`]),
  ];
  const logFile = createWriteStream(path.join(opts.dir, `${opts.name}.server.log`));
  const child: ChildProcess = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const address = `127.0.0.1:${port}`;

  const kill = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exitedPromise, sleep(10_000)]);
    if (!exited) {
      child.kill('SIGKILL');
      await Promise.race([exitedPromise, sleep(5_000)]);
    }
  };

  // Ready = the frontend answers and every namespace exists (bounded: 60 s).
  let connection: Connection | undefined;
  const until = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`temporal dev server exited during start-up (see ${opts.dir}/${opts.name}.server.log)`);
    try {
      connection ??= await Connection.connect({ address, connectTimeout: 2_000 });
      for (const namespace of ['default', ...(opts.namespaces ?? [])])
        await connection.workflowService.describeNamespace({ namespace });
      break;
    } catch {
      if (Date.now() > until) {
        await kill();
        throw new Error('temporal dev server did not become ready within 60 s');
      }
      await sleep(250);
    }
  }
  const client = new Client({ connection, namespace: 'default' });
  opts.log(`dev server ${opts.name} ready on ${address} (pid ${child.pid}, ${path.basename(dbFile)}, WAL)`);
  return {
    address,
    pid: child.pid!,
    dbFile,
    args,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    client,
    connection,
    stop: async () => {
      await connection.close().catch(() => undefined);
      await kill();
      logFile.end();
    },
  };
}
