/**
 * A worker SIGKILLed while it copies a finished job's images into the store. The upstream task is paid and done;
 * only the capture must run again on another worker. Before captureImages heartbeated, nothing noticed the dead
 * worker until the activity's 5 minute start-to-close timeout; now the 20 s heartbeat timeout does.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSimulator, type Simulator } from '../../src/simulator';
import { makeStateKey } from '../../src/shared/state-key';
import { mjJobWorkflow } from '../../src/workflows';
import { bundleJobWorkflows, uniqueId, uniqueTaskQueue } from '../helpers/job-env';
import { createDevServerEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessConfig } from '../helpers/worker-process';

jest.setTimeout(180_000);

/** How long the image CDN takes to answer: long enough to kill the worker mid-download. */
const CDN_DELAY_MS = 5_000;

let env: TestWorkflowEnvironment;
let sim: Simulator;
let cdn: Server;
let dir: string;
let config: WorkerProcessConfig;
let imageRequests = 0;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // A slow CDN in front of the simulator's image URLs (the proxy's API itself stays fast).
  let simPort = 0;
  cdn = createServer((req, res) => {
    imageRequests++;
    const timer = setTimeout(() => {
      const up = httpRequest(
        { host: '127.0.0.1', port: simPort, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        }
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    }, CDN_DELAY_MS);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  let code: string;
  [env, sim, dir, { code }] = await Promise.all([
    createDevServerEnv(),
    startSimulator({
      timeScale: 30,
      seed: 9,
      publicBaseUrl: `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`,
    }),
    mkdtemp(path.join(tmpdir(), 'mj-capture-crash-')),
    bundleJobWorkflows(),
  ]);
  simPort = Number(new URL(sim.url).port);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  config = {
    address: env.address,
    namespace: env.namespace ?? 'default',
    taskQueue: uniqueTaskQueue(__filename),
    bundlePath,
    simUrl: sim.url,
    flavour: 'trueai',
    assetDir: path.join(dir, 'assets'),
  };
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  cdn?.closeAllConnections();
  await new Promise((resolve) => cdn?.close(resolve));
  await sim?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function spawnWorker(): Promise<WorkerProcess> {
  const w = startWorkerProcess(config);
  workers.push(w);
  await w.ready;
  return w;
}

it('a worker killed mid-capture: another worker captures within the heartbeat timeout, without a second submit', async () => {
  const first = await spawnWorker();
  const workflowId = uniqueId('capture-crash');
  const handle = await env.client.workflow.start(mjJobWorkflow, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [{ request: { kind: 'imagine', prompt: 'a fox on a slow CDN' }, policy: { initialInterval: '300ms' } }],
  });
  const deadline = Date.now() + 60_000;
  while (imageRequests === 0) {
    if (Date.now() > deadline) throw new Error('the capture never started');
    await new Promise((r) => setTimeout(r, 50));
  }
  const killedAt = Date.now();
  await first.kill('SIGKILL');
  await spawnWorker();

  // Without the heartbeat this waits out the 5 minute start-to-close timeout; fail well before that.
  const result = await Promise.race([
    handle.result(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no result 90 s after the kill')), 90_000)),
  ]);
  const recoveredInMs = Date.now() - killedAt;
  expect(result.task.status).toBe('SUCCESS');
  expect(result.images.length).toBeGreaterThan(0);
  expect(sim.stats().submitsByState[makeStateKey(workflowId, 0)]).toBe(1);
  // 20 s heartbeat timeout + one more slow download, far below the 5 minute start-to-close timeout.
  expect(recoveredInMs).toBeLessThan(60_000);
  // The retry is recorded on the capture's start event: second attempt, after a heartbeat timeout.
  const events = (await handle.fetchHistory()).events ?? [];
  const captureId = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'captureImages'
  )!.eventId;
  const started = events.find(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(captureId)
  )!.activityTaskStartedEventAttributes!;
  expect(started.attempt).toBe(2);
  expect(started.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
    temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT
  );
});
