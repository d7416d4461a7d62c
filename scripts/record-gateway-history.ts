/**
 * Records one job history behind the simulator's new-api gateway for the replay test, on the paths issue 17 added
 * (test/fixtures/histories/job-gateway-new-api.json): a first submit refused with code 5, stubs read before the
 * gateway's first poll, polls held to the gateway's refresh, and a RELAX-speed run past the FAST total, so every
 * `patched()` marker of `src/workflows/job/patches.ts` and the fetch results' `refreshMs` are in it. It writes only
 * that file; the older fixtures stay as recorded (scripts/record-histories.ts).
 *
 *   npx tsx scripts/record-gateway-history.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { LocalAssetStore } from '../src/assets';
import { MjClient } from '../src/mj';
import { DEFAULT_DURATIONS, startSimulator } from '../src/simulator';
import { makeStateKey } from '../src/shared/state-key';
import { mjJobWorkflow } from '../src/workflows';
import { JOB_PATCH } from '../src/workflows/job/patches';
import { bundleJobWorkflows, uniqueId } from '../test/helpers/job-env';
import { createDevServerEnv } from '../test/helpers/temporal';

const OUT = path.resolve(__dirname, '../test/fixtures/histories/job-gateway-new-api.json');
const SCALE = 100;

async function main(): Promise<void> {
  const [env, bundle, dir] = await Promise.all([
    createDevServerEnv(),
    bundleJobWorkflows(),
    mkdtemp(path.join(tmpdir(), 'record-gateway-')),
  ]);
  // The gateway refreshes every five simulated minutes (3 s real) while the worker believes 150 ms: the first reads
  // meet stubs, and the floor still shows in the timers. The channel runs FAST jobs at RELAX speed.
  const sim = await startSimulator({
    flavour: 'gateway',
    timeScale: SCALE,
    seed: 3,
    durations: { FAST: DEFAULT_DURATIONS.RELAX },
    gateway: { refreshMs: 300_000 },
  });
  const mj = new MjClient({ baseUrl: sim.url, flavour: 'gateway', refreshIntervalMs: 15_000 / SCALE });
  const taskQueue = `record-gateway-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ mj, store: new LocalAssetStore({ dir }) }),
  });
  const running = worker.run();
  try {
    const workflowId = uniqueId('job-gateway-new-api');
    sim.faults.add({ kind: 'gateway-bad-upstream-key', match: { state: makeStateKey(workflowId, 0) }, times: 1 });
    const handle = await env.client.workflow.start(mjJobWorkflow, {
      taskQueue,
      workflowId,
      args: [
        {
          request: { kind: 'imagine', prompt: 'a lighthouse at dusk --v 7' },
          mode: 'FAST',
          policy: { initialInterval: '100ms', maxInterval: '400ms', jitter: 0.1, totalTimeout: '8s' },
        },
      ],
    });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const json = historyToJSON(history);
    // Patch markers carry their id as a JSON payload (`{"id":…}`), base64 in the history's JSON form.
    const patches = (history.events ?? []).flatMap((e) =>
      (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
        (p) => (JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8')) as { id?: string }).id
      )
    );
    for (const id of Object.values(JOB_PATCH)) {
      if (!patches.includes(id)) throw new Error(`the recorded history has no ${id} marker; not written`);
    }
    await writeFile(OUT, `${json}\n`);
    console.log(`recorded ${path.basename(OUT)}: ${history.events?.length ?? 0} events, ${result.fetches} fetches`);
  } finally {
    worker.shutdown();
    await running;
    await mj.close();
    await sim.close();
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
