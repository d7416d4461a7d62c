/** `src/gateway/main.ts` as its own process (as `npm run gateway` runs it), for the phases that measure it. */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sleep, waitUntil } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

export interface GatewayProcess {
  url: string;
  /** The gateway's process id (its memory is read from /proc). */
  pid: number;
  stop(): Promise<void>;
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

