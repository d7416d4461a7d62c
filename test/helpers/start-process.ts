/**
 * `npm start`'s entry (src/cli/start.ts) as a subprocess for the tests that drive the whole local stack: started
 * with a given environment, ready once its banner says so, stopped with SIGINT as a person would (SIGKILL after
 * a minute).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

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
