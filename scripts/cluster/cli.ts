/**
 * `npm run cluster -- <command>`:
 * - `build`: builds the Temporal server and SQL tool from the Go module (cached under .temporal/cluster/).
 * - `start`: PostgreSQL and the four Temporal services on the ports of deploy/cluster.env (as compose), the namespace
 *   and search attributes registered; runs until Ctrl-C, then stops everything. Point `npm run worker` at it with
 *   TEMPORAL_ADDRESS=127.0.0.1:7233.
 */
import { ensureTemporalBuild } from './build';
import { startCluster } from './cluster';
import { clusterSettings } from './settings';

async function main(command: string | undefined): Promise<void> {
  if (command === 'build') {
    const build = await ensureTemporalBuild(clusterSettings().temporalVersion);
    console.log(JSON.stringify(build, null, 2));
    return;
  }
  if (command === 'start') {
    const cluster = await startCluster({ ports: 'file', name: 'manual', fresh: process.argv.includes('--fresh') });
    console.log(`Temporal cluster at ${cluster.address} (namespace ${cluster.namespace}); logs in ${cluster.dir}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await cluster.stop();
    return;
  }
  throw new Error('usage: npm run cluster -- build | start [--fresh]');
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
