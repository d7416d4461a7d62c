/**
 * `npm start`'s entry (src/cli/start.ts) as a subprocess for the tests that drive the whole local stack: started
 * with a given environment, ready once its banner says so, stopped with SIGINT as a person would (SIGKILL after
 * a minute).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './chaos-temporal';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * The environment of a whole local stack on free ports and its own data directory, at 40× simulated time, quiet,
 * the gateway on any free port: nothing inherited but PATH (and HOME, unless given).
 */
export async function freeStackEnv(dataDir: string, home = process.env.HOME): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    HOME: home,
    MJ_DATA_DIR: dataDir,
    MJ_DEV_TEMPORAL_PORT: String(await freePort()),
    MJ_DEV_UI_PORT: String(await freePort()),
    MJ_DEV_SIMULATOR_PORT: String(await freePort()),
    // Fixed across a restart with the same env: the simulator's pending webhooks name this port.
    MJ_WEBHOOK_PORT: String(await freePort()),
    MJ_GATEWAY_PORT: '0',
    MJ_DEV_TIME_SCALE: '40',
    MJ_LOG_LEVEL: 'warn',
  };
}

export interface StartedStack {
  child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Starts the stack and waits for its ready banner; fails with what it printed when it exits or stalls first. */
export async function startStack(env: NodeJS.ProcessEnv, readyTimeoutMs = 120_000): Promise<StartedStack> {
  const child = spawn(TSX, [path.join(ROOT, 'src', 'cli', 'start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes('mj-temporal ready')) {
    if (child.exitCode !== null) {
      throw new Error(`npm start exited early (${child.exitCode}):\n${out}\n${err.slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start not ready in time:\n${out}\n${err.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, stdout: () => out, exit };
}

/** SIGINT, as Ctrl-C; SIGKILL if it has not exited within a minute. Resolves with the exit code. */
export async function stopStack(s: StartedStack): Promise<number | null> {
  s.child.kill('SIGINT');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 60_000);
  const code = await s.exit;
  clearTimeout(timer);
  return code;
}
