/**
 * A tenant's paged batches through the gateway: progress, pause and resume, the manifest, retry-failed, and another
 * tenant's key answered as if the batch did not exist.
 */
import type { BatchLiveProgress, ManifestLine } from '../../src/shared/batch-run-types';
import { eventually } from '../helpers/eventually';
import { call, startGatewayStack, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let acme: string;
let beta: string;

beforeAll(async () => {
  stack = await startGatewayStack({ sim: { timeScale: 200 } });
  acme = (await stack.gateway.tenants.createKey('acme')).apiKey;
  beta = (await stack.gateway.tenants.createKey('beta')).apiKey;
});
afterAll(async () => stack?.stop());

test('progress, pause, resume, results and retry-failed of the tenant own batch', async () => {
  const text = ['{"id":"ok-1","prompt":"a kite"}', '{"id":"bad-1","prompt":"a bannedword kite"}'].join('\n');
  const { batchId } = await stack.gateway.app.mj.batches.start(text, {
    format: 'jsonl',
    tenant: 'acme',
    concurrency: 1,
    captureImages: false,
  });
  const path = `/mj/batch/${encodeURIComponent(batchId)}`;

  const other = await call(stack, 'GET', path, { key: beta });
  expect(other.json).toMatchObject({ code: 4, description: expect.stringMatching(/batch of this tenant/) });
  expect((await call(stack, 'POST', `${path}/pause`, { key: beta, body: {} })).json).toMatchObject({ code: 4 });

  const paused = await call(stack, 'POST', `${path}/pause`, { key: acme, body: {} });
  expect(paused.json).toMatchObject({ code: 1, result: batchId });
  expect((await call(stack, 'POST', `${path}/resume`, { key: acme, body: {} })).json).toMatchObject({ code: 1 });

  const done = await eventually(
    async () => {
      const p = (await call(stack, 'GET', path, { key: acme })).json.result as BatchLiveProgress;
      return p.state === 'done' ? p : undefined;
    },
    'the batch to finish',
    120_000
  );
  expect(done).toMatchObject({ total: 2, done: 2, failed: 1 });

  const results = await call(stack, 'GET', `${path}/results`, { key: acme });
  const lines = results.json.result.lines as ManifestLine[];
  expect([...new Set(lines.map((l) => l.itemId))].sort()).toEqual(['bad-1', 'ok-1']);
  expect(lines.find((l) => l.itemId === 'bad-1')).toMatchObject({ status: 'failed' });

  const retry = await call(stack, 'POST', `${path}/retry-failed`, { key: acme, body: {} });
  expect(retry.json).toMatchObject({ code: 1, result: { batchId: `${batchId}~attempt-2`, items: 1 } });
});
