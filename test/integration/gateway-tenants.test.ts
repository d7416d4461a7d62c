/**
 * Tenants over real HTTP: keys stored hashed in the registry workflow (read without a worker), revocation, isolation
 * (another tenant's id answers exactly like one that never existed), rate limits and the open-jobs cap with 429 and
 * Retry-After, and the notifyHook guard with a per-tenant allow-list.
 */
import { keySecretOf } from '../../src/tenancy/api-keys';
import { TenantDirectory } from '../../src/tenancy/tenant-directory';
import { TENANTS_MEMO_KEY, TENANTS_WORKFLOW_ID } from '../../src/workflows/tenants/messages';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let a: string;
let b: string;
let aTask: string;

beforeAll(async () => {
  stack = await startGatewayStack({ gateway: { allowPrivateHooks: false } });
  a = (await stack.gateway.tenants.createKey('tenant-a')).apiKey;
  b = (await stack.gateway.tenants.createKey('tenant-b')).apiKey;
  const r = await call(stack, 'POST', '/mj/submit/imagine', { key: a, body: { prompt: 'tenant a only' } });
  aTask = r.json.result;
  await waitForStatus(stack, a, aTask, ['SUCCESS']);
});
afterAll(async () => stack?.stop());

test("another tenant's task id is answered exactly like one that never existed", async () => {
  const never = '1700000000000001';
  const pairs: [string, string, unknown?][] = [
    ['GET', `/mj/task/ID/fetch`],
    ['GET', `/mj/task/ID/image-seed`],
    ['POST', `/mj/task/ID/cancel`],
    ['GET', `/mj/image/ID`],
    ['POST', '/mj/submit/action', { taskId: 'ID', customId: 'MJ::JOB::upsample::1::x' }],
    ['POST', '/mj/submit/change', { taskId: 'ID', action: 'UPSCALE', index: 1 }],
    ['POST', '/mj/submit/modal', { taskId: 'ID', prompt: 'x' }],
  ];
  for (const [method, path, body] of pairs) {
    const fill = (id: string) => ({
      path: path.replace('ID', id),
      body: body && JSON.parse(JSON.stringify(body).replace('"ID"', `"${id}"`)),
    });
    const theirs = fill(aTask);
    const none = fill(never);
    const r1 = await call(stack, method, theirs.path, { key: b, body: theirs.body });
    const r2 = await call(stack, method, none.path, { key: b, body: none.body });
    expect([method, path, r1.status, r1.text]).toEqual([method, path, r2.status, r2.text]);
  }
  const list = await call(stack, 'POST', '/mj/task/list-by-condition', { key: b, body: { ids: [aTask] } });
  expect(list.json).toEqual([]);
  const mine = await call(stack, 'POST', '/mj/task/list-by-condition', { key: a, body: { ids: [aTask] } });
  expect(mine.json.map((t: { id: string }) => t.id)).toEqual([aTask]);
  expect((await call(stack, 'GET', '/mj/task/list', { key: b })).json).toEqual([]);
});

test('a revoked key stops working within the cache time; keys list shows it revoked', async () => {
  const k = await stack.gateway.tenants.createKey('tenant-r');
  const path = `/mj/task/list`;
  expect((await call(stack, 'GET', path, { key: k.apiKey })).status).toBe(200);
  expect(await stack.gateway.tenants.revokeKey(k.apiKey)).toEqual({ revoked: true, tenant: 'tenant-r' });
  await new Promise((r) => setTimeout(r, 300));
  const after = await call(stack, 'GET', path, { key: k.apiKey });
  expect(after.status).toBe(401);
  expect(after.json).toMatchObject({ code: 4, result: null });
  const rows = await stack.gateway.tenants.listKeys('tenant-r');
  expect(rows).toEqual([expect.objectContaining({ keyId: k.keyId, revokedAt: expect.any(String) })]);
});

test('per-tenant submit and read rates: 429 with Retry-After and a JSON body', async () => {
  const c = (await stack.gateway.tenants.createKey('tenant-c', { options: { submitsPerMinute: 1, readsPerSecond: 1 } }))
    .apiKey;
  const first = await call(stack, 'POST', '/mj/submit/shorten', {
    key: c,
    body: { prompt: 'one', state: 'x' },
    headers: { 'idempotency-key': 'rate-1' },
  });
  expect(first.json.code).toBe(1);
  const second = await call(stack, 'POST', '/mj/submit/shorten', { key: c, body: { prompt: 'two' } });
  expect(second.status).toBe(429);
  expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(second.json).toMatchObject({ code: 23, result: null, properties: { rule: 'rate-limit' } });
  const reads = [];
  for (let i = 0; i < 4; i++) reads.push(await call(stack, 'GET', '/mj/task/list', { key: c }));
  expect(reads.map((r) => r.status)).toContain(429);
  // A retried submit (same Idempotency-Key and body) is answered with its first id even at the limit.
  const idem = await call(stack, 'POST', '/mj/submit/shorten', {
    key: c,
    body: { prompt: 'one', state: 'x' },
    headers: { 'idempotency-key': 'rate-1' },
  });
  expect(idem.json).toMatchObject({ code: 1, result: first.json.result });
});

test('the open-jobs cap counts across processes (visibility) and answers 429', async () => {
  const d = (await stack.gateway.tenants.createKey('tenant-d', { options: { maxOpenJobs: 1 } })).apiKey;
  const one = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', {
    key: d,
    body: { prompt: 'long relax' },
    headers: { 'idempotency-key': 'cap-1' },
  });
  expect(one.json.code).toBe(1);
  let two;
  for (let i = 0; i < 20; i++) {
    two = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', { key: d, body: { prompt: 'another' } });
    if (two.status === 429) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(two!.status).toBe(429);
  expect(two!.json.description).toContain('open jobs');
  // The repeat of the first submit (same Idempotency-Key) is not refused by the cap.
  const k1 = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', {
    key: d,
    body: { prompt: 'long relax' },
    headers: { 'idempotency-key': 'cap-1' },
  });
  expect(k1.json).toMatchObject({ code: 1, result: one.json.result });
});

test('notifyHook: loopback refused by the SSRF guard; a tenant allow-list admits only its hosts', async () => {
  const r = await call(stack, 'POST', '/mj/submit/imagine', {
    key: a,
    body: { prompt: 'x', notifyHook: 'http://127.0.0.1:9/hook' },
  });
  expect(r.json).toMatchObject({ code: 4, properties: { field: 'notifyHook' } });
  expect(r.json.description).toMatch(/loopback|private/);
  const e = (await stack.gateway.tenants.createKey('tenant-e', { options: { hookAllowList: ['hooks.example.com'] } }))
    .apiKey;
  const off = await call(stack, 'POST', '/mj/submit/imagine', {
    key: e,
    body: { prompt: 'x', notifyHook: 'https://elsewhere.example.org/h' },
  });
  expect(off.json).toMatchObject({ code: 4, properties: { field: 'notifyHook' } });
  expect(off.json.description).toContain('allow-list');
});

test('(last) the registry holds hashes only, and answers without a worker', async () => {
  const d = await stack.env.client.workflow.getHandle(TENANTS_WORKFLOW_ID).describe();
  const memo = JSON.stringify(d.memo?.[TENANTS_MEMO_KEY]);
  expect(memo).toContain('tenant-a');
  expect(memo).not.toContain(a);
  // The secret part whatever its characters (it may contain or begin with '_').
  const secret = keySecretOf(a)!;
  expect(secret).toHaveLength(43);
  expect(memo).not.toContain(secret);
  const history = JSON.stringify(
    (await stack.env.client.workflow.getHandle(TENANTS_WORKFLOW_ID).fetchHistory()).events
  );
  expect(history).not.toContain(secret);
  // With the gateway worker stopped, keys still authenticate (describe only).
  stack.gateway.worker!.shutdown();
  const fresh = new TenantDirectory(stack.env.client, { taskQueue: 'unused', cacheMs: 0 });
  expect(await fresh.authenticate(a)).toBe('tenant-a');
  expect(await fresh.authenticate(`${a.slice(0, -1)}x`)).toBeUndefined();
});
