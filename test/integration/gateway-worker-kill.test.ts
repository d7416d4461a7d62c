/**
 * A job worker SIGKILLed mid-job while clients poll the gateway: every poll is still answered (the read path needs
 * no worker), the job completes once a new worker runs, and the upstream saw exactly one submit.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let key: string;
const workers: WorkerProcess[] = [];
let bundlePath: string;

beforeAll(async () => {
  stack = await startGatewayStack({ jobWorker: false });
  key = (await stack.gateway.tenants.createKey('polled')).apiKey;
  bundlePath = path.join(await mkdtemp(path.join(tmpdir(), 'gw-kill-')), 'bundle.js');
  await writeFile(bundlePath, stack.bundle.code);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await stack?.stop();
});

async function spawnWorker(): Promise<WorkerProcess> {
  const c = stack.config;
  const w = startWorkerProcess({
    address: stack.env.address,
    namespace: stack.env.namespace ?? 'default',
    taskQueue: c.worker.taskQueue,
    bundlePath,
    simUrl: stack.sim.url,
    flavour: 'trueai',
    assetDir: c.assets.kind === 'local' ? c.assets.dir : '',
  });
  workers.push(w);
  await w.ready;
  return w;
}

test('polls keep being answered through a worker kill; the job completes with one upstream submit', async () => {
  const w1 = await spawnWorker();
  const submitsBefore = stack.sim.stats().submitsByEndpoint['submit/imagine'] ?? 0;
  const r = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', { key, body: { prompt: 'survives a crash' } });
  const id: string = r.json.result;

  let polling = true;
  const answers: { status: number; ok: boolean }[] = [];
  const poller = (async () => {
    while (polling) {
      const f = await call(stack, 'GET', `/mj/task/${id}/fetch`, { key });
      const l = await call(stack, 'POST', '/mj/task/list-by-condition', { key, body: { ids: [id] } });
      answers.push({ status: f.status, ok: f.json?.id === id && typeof f.json.progress === 'string' });
      answers.push({ status: l.status, ok: Array.isArray(l.json) });
      await new Promise((res) => setTimeout(res, 100));
    }
  })();

  // Kill once the upstream has the task (the job is mid-flight: submitted, polling).
  const deadline = Date.now() + 30_000;
  while ((stack.sim.stats().submitsByEndpoint['submit/imagine'] ?? 0) === submitsBefore && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 50));
  await w1.kill('SIGKILL');
  const duringOutage = answers.length;
  await new Promise((res) => setTimeout(res, 3_000));
  expect(answers.length).toBeGreaterThan(duringOutage + 5);
  await spawnWorker();
  const done = await waitForStatus(stack, key, id, ['SUCCESS', 'FAILURE'], 90_000);
  polling = false;
  await poller;
  expect(done.status).toBe('SUCCESS');
  expect(answers.every((a) => a.status === 200 && a.ok)).toBe(true);
  expect((stack.sim.stats().submitsByEndpoint['submit/imagine'] ?? 0) - submitsBefore).toBe(1);
});
