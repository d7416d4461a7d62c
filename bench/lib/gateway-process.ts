/** `src/gateway/main.ts` as its own process (as `npm run gateway` runs it), for the phases that measure it. */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { freePort, sleep, waitUntil } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

export interface GatewayProcess {
  url: string;
  /** The gateway's process id (its memory is read from /proc). */
  pid: number;
  stop(): Promise<void>;
}

/** Where a benchmark's gateway process finds Temporal, the simulator, the job worker and its files. */
export interface BenchGatewaySetup {
  temporalAddress: string;
  simUrl: string;
  /** The job worker's task queue. */
  jobQueue: string;
  /** The gateway's own task queue (tenants, callbacks). */
  gatewayQueue: string;
  assetDir: string;
}

/**
 * The environment every benchmark's gateway runs with: the setup's addresses, a fresh secret, a free port, and the
 * limits that protect a shared service lifted (one tenant is every client here, and the gateway is what is measured).
 */
export async function benchGatewayEnv(s: BenchGatewaySetup): Promise<NodeJS.ProcessEnv> {
  return {
    TEMPORAL_ADDRESS: s.temporalAddress,
    MJ_BASE_URL: s.simUrl,
    MJ_TASK_QUEUE: s.jobQueue,
    MJ_ASSET_DIR: s.assetDir,
    MJ_LOG_LEVEL: 'warn',
    MJ_GATEWAY_SECRET: randomBytes(32).toString('hex'),
    MJ_GATEWAY_PORT: String(await freePort()),
    MJ_GATEWAY_TASK_QUEUE: s.gatewayQueue,
    MJ_GATEWAY_READS_PER_SECOND: '1000000',
    MJ_GATEWAY_SUBMITS_PER_MINUTE: '1000000',
    MJ_GATEWAY_MAX_OPEN_JOBS: '1000000',
  };
}

/** `src/gateway/main.ts` as its own process; resolves once it prints its URL. */
export async function spawnGateway(env: NodeJS.ProcessEnv, logFile: string): Promise<GatewayProcess> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = fork(path.join(ROOT, 'src', 'gateway', 'main.ts'), [], {
    execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stderr?.pipe(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  let url: string | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    url ??= /gateway listening on (\S+)/.exec(chunk.toString())?.[1];
  });
  const ok = await waitUntil(() => url !== undefined || exited, 120_000, 100);
  if (!ok || !url) {
    child.kill('SIGKILL');
    throw new Error(`gateway process did not start (see ${logFile})`);
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      await Promise.race([exitedPromise, sleep(15_000)]);
      if (!exited) child.kill('SIGKILL');
      log.end();
    },
  };
}

