/**
 * A real third-party client of the midjourney-proxy API, installed from npm as a test-only dependency, completing
 * jobs through the gateway against a real dev server, the simulator and a job worker.
 *
 * The client is `uniai` (pinned in devDependencies). Its MidJourney provider (`src/providers/MidJourney.ts`, read in
 * node_modules/uniai/dist/index.js) speaks the proxy API with axios: `POST {proxy}/mj/submit/imagine` with
 * `{prompt: "<p> --ar W:H "}` and an `mj-api-secret` header (it throws unless `code === 1`), `GET
 * {proxy}/mj/task/{id}/fetch` (it reads `progress` with parseInt, `failReason`, `startTime`, `action`, and downloads
 * `imageUrl` into ./cache/<id>.png, treating anything that does not start with http(s):// as base64), `GET
 * {proxy}/mj/task/list`, and `POST {proxy}/mj/submit/change` `{taskId, action, index}` for U1.
 *
 * uniai keeps a node-localstorage under "./cache" of the working directory, created when the module loads; so the
 * test loads it from a temporary working directory and stays there while the client runs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type UniAIClass from 'uniai';
import { startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

type UniAI = InstanceType<typeof UniAIClass>;

let stack: GatewayStack;
let key: string;
let ai: UniAI;
let provider: import('uniai').ImagineModelProvider;
const cwd = process.cwd();

beforeAll(async () => {
  stack = await startGatewayStack();
  key = (await stack.gateway.tenants.createKey('uniai-user')).apiKey;
  process.chdir(mkdtempSync(path.join(tmpdir(), 'mj-uniai-')));
  const mod = await import('uniai');
  provider = mod.ImagineModelProvider.MidJourney;
  ai = new mod.default({ MidJourney: { proxy: stack.url, token: key } });
});
afterAll(async () => {
  process.chdir(cwd);
  await stack?.stop();
});

/** Polls through the client itself, as its users do, until the task is finished (progress 100). */
async function pollWithClient(taskId: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [task] = await ai.task(provider, taskId);
    if (task.progress === 100 || Date.now() > deadline) return task;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function expectPng(file: string): void {
  const img = PNG.sync.read(readFileSync(path.resolve(file)));
  expect(img.width).toBeGreaterThan(0);
}

test('uniai: imagine through the gateway reaches SUCCESS, with the image downloaded by the client', async () => {
  const submitted = await ai.imagine('a lighthouse at dusk', { provider, width: 1024, height: 576 });
  expect(submitted.taskId).toMatch(/^\d{16}$/);

  const early = (await ai.task(provider, submitted.taskId))[0];
  expect(early.id).toBe(submitted.taskId);
  expect(early.fail).toBe('');
  expect(Number.isInteger(early.progress)).toBe(true);

  const done = await pollWithClient(submitted.taskId);
  expect(done).toMatchObject({ id: submitted.taskId, type: 'IMAGINE', fail: '', progress: 100 });
  expect(typeof done.created).toBe('number');
  // The client fetched our absolute imageUrl itself and wrote it to disk: it must be a real PNG.
  expect(done.imgs).toEqual([path.join('cache', `${submitted.taskId}.png`)]);
  expectPng(done.imgs[0]);

  const fromGateway = await waitForStatus(stack, key, submitted.taskId, ['SUCCESS']);
  expect(fromGateway.prompt).toContain('a lighthouse at dusk --ar 16:9');

  const listed = await ai.task(provider);
  expect(listed.map((t) => t.id)).toContain(submitted.taskId);
});

test('uniai: change UPSCALE 1 (U1) on the finished grid completes a second job', async () => {
  const grid = await ai.imagine('a red kite', { provider });
  expect((await pollWithClient(grid.taskId)).fail).toBe('');

  const u1 = await ai.change(provider, grid.taskId, 'UPSCALE', 1);
  expect(u1.taskId).toMatch(/^\d{16}$/);
  expect(u1.taskId).not.toBe(grid.taskId);
  const up = await pollWithClient(u1.taskId);
  expect(up).toMatchObject({ id: u1.taskId, type: 'UPSCALE', fail: '', progress: 100 });
  expectPng(up.imgs[0]);

  const fromGateway = await waitForStatus(stack, key, u1.taskId, ['SUCCESS']);
  expect(fromGateway).toMatchObject({ status: 'SUCCESS', parentId: grid.taskId });
});

test('uniai: a wrong key is refused with a JSON answer the client reports', async () => {
  const mod = await import('uniai');
  const stranger = new mod.default({ MidJourney: { proxy: stack.url, token: `${key}x` } });
  // axios rejects a non-2xx answer; its response body is our JSON error.
  const err = await stranger.imagine('nope', { provider }).catch((e: unknown) => e);
  const res = (err as { response?: { status: number; data: unknown } }).response;
  expect(res?.status).toBe(401);
  expect(res?.data).toMatchObject({ code: 4, result: null, description: expect.any(String) });
});
