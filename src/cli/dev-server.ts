/**
 * The embedded Temporal dev server of `npm start`: `temporal server start-dev` on a SQLite file (WAL), with our
 * search attributes registered, so a restart finds every job where it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { SEARCH_ATTRIBUTE_KEYS } from '../shared/search-attributes';
import { locateTemporalCli } from '../temporal-binaries';

const SA_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export interface DevServerOptions {
  /** gRPC port. @default 7233 */
  port?: number;
  /** Web UI port. @default port + 1000 */
  uiPort?: number;
  /** SQLite file; its directory is created. */
  dbFile: string;
  /** @default '127.0.0.1' */
  ip?: string;
  /** @default TEMPORAL_CLI_PATH, then .temporal/venv/bin/temporal, then `temporal` on PATH */
  cliPath?: string;
  /** How long to wait for the server to answer. @default 60_000 @unit milliseconds */
  readyTimeoutMs?: number;
  log?: Logger;
}

export interface DevServer {
  /** `host:port` for TEMPORAL_ADDRESS. */
  readonly address: string;
  readonly uiUrl: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code when the server process ends (for any reason). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The `start-dev` arguments (exported for tests and docs/deployment.md). */
export function devServerArgs(opts: DevServerOptions): string[] {
  const port = opts.port ?? 7233;
  const args = [
    'server',
    'start-dev',
    '--ip',
    opts.ip ?? '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(opts.uiPort ?? port + 1000),
    '--db-filename',
    opts.dbFile,
    // One SQLite connection serialises everything; WAL lets readers proceed during writes (about 10x throughput).
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--log-level',
    'warn',
  ];
  for (const key of SEARCH_ATTRIBUTE_KEYS)
    args.push('--search-attribute', `${key.name}=${SA_TYPE[key.type] ?? 'Keyword'}`);
  return args;
}

async function waitReady(address: string, deadline: number, exited: Promise<number | null>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the Temporal dev server exited during startup (is the port in use?)');
    try {
      const conn = await Connection.connect({ address, connectTimeout: '1s' });
      await conn.close();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `the Temporal dev server did not answer at ${address}: ${(lastError as Error)?.message ?? 'timeout'}`
  );
}

/** Starts the dev server and resolves once it answers gRPC. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = opts.cliPath ?? locateTemporalCli();
  mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? port + 1000;
  // Own process group: a terminal Ctrl-C reaches only us, and we stop the server last, after the worker drained.
  const child = spawn(cli, devServerArgs({ ...opts, ip, port, uiPort }), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping = false;
  const forward = (stream: NodeJS.ReadableStream | null, level: 'debug' | 'warn') =>
    stream?.on('data', (chunk: Buffer) => {
      // While stopping, the server's own pollers complain about the closing transport: noise, not warnings.
      const at = stopping ? 'debug' : level;
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) opts.log?.[at]({ component: 'temporal-dev' }, line.trim());
    });
  forward(child.stdout, 'debug');
  forward(child.stderr, 'warn');
  // If this process dies without a clean stop, do not leave an orphaned server holding the DB and ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `${ip}:${port}`;
  try {
    await waitReady(address, Date.now() + (opts.readyTimeoutMs ?? 60_000), exited);
  } catch (err) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw err;
  }
  return {
    address,
    uiUrl: `http://${ip}:${uiPort}`,
    process: child,
    exited,
    stop: async (graceMs = 10_000) => {
      stopping = true;
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
