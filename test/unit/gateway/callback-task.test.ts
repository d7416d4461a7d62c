/**
 * A callback delivers the task JSON `fetch` answers for the same memo: `toProxyTask` of the gateway's memo and the
 * change's job memo, with a routed task's `properties.cost` from the ledger. Loopback receiver, no Temporal server
 * (the activity reads the gateway memo through a stubbed client).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCallbackActivities } from '../../../src/gateway/callbacks/callback-activities';
import { GATEWAY_MEMO_KEY, type GatewayMemo } from '../../../src/gateway/tasks/gateway-memo';
import { imageUrls, UrlSigner } from '../../../src/gateway/tasks/image-urls';
import { costOf } from '../../../src/gateway/tasks/task-cost';
import { jobWorkflowId } from '../../../src/tenancy/task-id';
import { toProxyTask } from '../../../src/gateway/tasks/task-view';
import type { JobMemo } from '../../../src/shared/job-memo';
import type { ChargeRecord } from '../../../src/workflows/ledger/messages';

const SECRET = 'd'.repeat(64);
// A fixed clock, so the callback's and fetch's signed image URLs are the same.
const URLS = new UrlSigner(SECRET, { ttlMs: 3_600_000, now: () => 1_000_000 });
const GW: GatewayMemo = {
  v: 1,
  tenant: 'acme',
  taskId: '1796453117805800',
  action: 'DESCRIBE',
  submitTime: 1_000,
  prompt: '',
  endpoint: 'describe',
  notify: true,
  baseUrl: 'http://gw.example',
};
const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare\n\n3️⃣ an owl\n\n4️⃣ a cat';
const owner = { upstreamId: 'cheap', taskId: 'T1', mode: 'RELAX' as const };
const memo = (routed: boolean): JobMemo => ({
  v: 1,
  phase: 'succeeded',
  kind: 'describe',
  mode: 'RELAX',
  taskId: 'T1',
  status: 'SUCCESS',
  progress: '100%',
  action: 'DESCRIBE',
  submitTime: 1_000,
  finishTime: 2_000,
  reported: { finalPrompt: PROMPTS, finalZhPrompt: '1️⃣ 狐狸', promptEn: 'a fox' },
  ...(routed ? { owner } : {}),
});
const charge: ChargeRecord = {
  key: 'k',
  jobId: jobWorkflowId('acme', GW.taskId),
  upstreamId: 'cheap',
  upstreamTaskId: 'T1',
  action: 'DESCRIBE',
  mode: 'RELAX',
  price: 0.02,
  currency: 'USD',
  at: 1,
};

let server: http.Server;
let url: string;
const bodies: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => new Promise((r) => server.close(r)));

async function deliver(routed: boolean): Promise<Record<string, unknown>> {
  const client = {
    workflow: { getHandle: () => ({ describe: async () => ({ memo: { [GATEWAY_MEMO_KEY]: GW } }) }) },
  } as unknown as Client;
  const { deliverCallback } = createCallbackActivities({
    client,
    deploymentSecret: SECRET,
    allowPrivateHooks: true,
    allowList: async () => undefined,
    urls: URLS,
    keyGeneration: async () => 0,
    baseUrl: () => GW.baseUrl!,
    cost: { chargesOf: async (ids) => (ids.includes(charge.jobId) ? [charge] : []) },
  });
  const input = { url, tenant: 'acme', jobWorkflowId: charge.jobId, seq: 7, memo: memo(routed) };
  await new MockActivityEnvironment().run(deliverCallback, input as Parameters<typeof deliverCallback>[0]);
  return bodies.at(-1)!;
}

test("a describe's callback is fetch's task JSON: its four prompts and Chinese twin, and its sequence", async () => {
  const { sequence, ...task } = await deliver(false);
  expect(sequence).toBe(7);
  const fetched = toProxyTask(
    { gateway: GW, job: memo(false), execution: 'COMPLETED' },
    imageUrls(GW.baseUrl!, URLS, 'acme', 0)
  );
  expect(task).toEqual(JSON.parse(JSON.stringify(fetched)));
  expect(task).toMatchObject({ status: 'SUCCESS', properties: { finalPrompt: PROMPTS, finalZhPrompt: '1️⃣ 狐狸' } });
});

test("a routed task's callback carries its cost, as fetch shows it", async () => {
  const { properties } = (await deliver(true)) as { properties: Record<string, unknown> };
  expect(properties.cost).toEqual(costOf(owner, [charge]));
  expect(properties.cost).toMatchObject({ upstreamId: 'cheap', mode: 'RELAX', price: 0.02, currency: 'USD' });
});
