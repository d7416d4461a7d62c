/**
 * A paged batch survives its worker and its Temporal server going away mid-batch: the worker is shut down, the dev
 * server (SQLite file) is killed and started again, a new worker takes over, and the batch completes with every item
 * run exactly once (one upstream submit per item job) and listed once in the manifest. The batch workflow continues
 * as new between chunks (a small threshold), so the restart also crosses runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { LocalAssetStore } from '../../src/assets';
import { MjBatchesClient } from '../../src/client/batches';
import { MjClient } from '../../src/mj';
import { parseStateKey } from '../../src/shared/state-key';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startRestartableDevServer, type RestartableDevServer } from '../helpers/chaos-temporal';
import { eventually, satisfying } from '../helpers/eventually';
import { bundleJobWorkflows } from '../helpers/job-env';
import { budgetsLeft, checkManifestFiles } from '../helpers/paged-batch';

jest.setTimeout(240_000);

const ITEMS = 40;

describe('paged batch across a worker and server restart', () => {
  let dir: string;
  let server: RestartableDevServer;
  let sim: Simulator;
  let mj: MjClient;
  let store: LocalAssetStore;
  const taskQueue = `paged-restart-${randomUUID().slice(0, 8)}`;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'paged-restart-'));
    [server, sim] = await Promise.all([
      startRestartableDevServer(path.join(dir, 'temporal.sqlite')),
      startSimulator({ flavour: 'trueai', seed: 3, durations: { FAST: { queueMs: 100, runMs: 500 } } }),
    ]);
    mj = new MjClient({ baseUrl: sim.url, flavour: sim.flavour });
    store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  }, 120_000);

  afterAll(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await mj?.close();
    await sim?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startWorker() {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: await bundleJobWorkflows(),
      activities: createActivities({ mj, store }),
    });
    const running = worker.run();
    return {
      async close() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await connection.close();
      },
    };
  }

  async function connectClient() {
    const connection = await Connection.connect({ address: server.address });
    open.push({ close: () => connection.close() });
    return new Client({ connection });
  }

  it('runs every item once and lists it once', async () => {
    const workerA = await startWorker();
    const clientA = await connectClient();
    const batchesA = new MjBatchesClient(clientA, store, taskQueue, budgetsLeft(1_000), []);
    const text = Array.from({ length: ITEMS }, (_, i) => `a harbour at dawn, plate ${i + 1}`).join('\n');
    const { batchId } = await batchesA.start(text, {
      concurrency: 4,
      chunkSize: 8,
      captureImages: true,
      continueAsNewAfterEvents: 40,
      policy: { initialInterval: '200ms', maxInterval: '500ms', jitter: 0.1 },
    });
    await eventually(
      satisfying(
        () => batchesA.progress(batchId),
        (p) => p.done >= 10
      ),
      'ten items done before the restart',
      120_000
    );
    await workerA.close();
    await server.restart();

    open.push(await startWorker());
    const batches = new MjBatchesClient(await connectClient(), store, taskQueue, budgetsLeft(1_000), []);
    const end = await eventually(
      satisfying(
        () => batches.progress(batchId),
        (p) => p.state === 'done'
      ),
      'the batch to finish after the restart',
      200_000,
      500
    );
    expect(end).toMatchObject({ total: ITEMS, succeeded: ITEMS, failed: 0, notStarted: 0 });
    expect(end.runs).toBeGreaterThan(1);

    const lines = await batches.manifest(batchId);
    const items = new Set(lines.map((l) => l.itemId));
    expect(items.size).toBe(ITEMS);
    // Every item's files are listed once: no (item, n) pair twice.
    const files = lines.map((l) => `${l.itemId}#${l.n}`);
    expect(new Set(files).size).toBe(files.length);
    await checkManifestFiles(store, lines);

    const byState = sim.stats().submitsByState;
    const jobs = Object.keys(byState).map((k) => parseStateKey(k)?.workflowId ?? '');
    expect(jobs.filter((j) => j.startsWith(`${batchId}/`)).sort()).toEqual(
      Array.from({ length: ITEMS }, (_, i) => `${batchId}/item-${i + 1}`).sort()
    );
    expect(Object.values(byState).every((n) => n === 1)).toBe(true);
  });
});
