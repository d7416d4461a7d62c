/**
 * Runs the CLI as a subprocess (tsx over src/cli/index.ts) with `--json`, as a user's shell would: the exit code and
 * the one JSON document it printed (undefined when stdout was not JSON, so the test's own assertion names it).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'src', 'cli', 'index.ts');

export interface CliRun {
  code: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  stdout: string;
  stderr: string;
}

export function runCliJson(args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [CLI, ...args, '--json'],
      { env, cwd: ROOT, timeout: opts.timeoutMs ?? 90_000 },
      (err, stdout, stderr) => {
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, json, stdout, stderr });
      }
    );
  });
}
