/**
 * Every compatibility rule of the gateway issue (§1), one test each, over real HTTP against a real dev server, the
 * simulator and a job worker; plus bad input at every endpoint (a JSON error naming the field, nothing started).
 */
import { PNG } from 'pngjs';
import { readImageHeader } from '../../src/assets';
import { MJ_TENANT } from '../../src/shared/search-attributes';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

let stack: GatewayStack;
let key: string;
let grid: { id: string; buttons: { customId: string; label: string; emoji: string }[] };

function png(w = 4, h = 4, white = false): string {
  const p = new PNG({ width: w, height: h });
  p.data.fill(white ? 255 : 0);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = 255;
  return `data:image/png;base64,${PNG.sync.write(p).toString('base64')}`;
}

async function imagine(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return call(stack, 'POST', '/mj/submit/imagine', { key, body, headers });
}

async function openJobs(tenant = 'acme'): Promise<number> {
  return (await stack.env.client.workflow.count(`${MJ_TENANT.name} = "${tenant}"`)).count;
}

beforeAll(async () => {
  stack = await startGatewayStack();
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
  const r = await imagine({ prompt: 'a grid to click on' });
  const done = await waitForStatus(stack, key, r.json.result, ['SUCCESS']);
  grid = { id: done.id, buttons: done.buttons };
});
afterAll(async () => stack?.stop());

describe('answers', () => {
  test('compact JSON, code/description/result on every answer, JSON for 401 and 404', async () => {
    const ok = await imagine({ prompt: 'compact' });
    expect(ok.text).toMatch(/^\{"code":1,"description":"[^"]*","result":"\d{16}"/);
    const noKey = await call(stack, 'GET', `/mj/task/${grid.id}/fetch`);
    expect(noKey.status).toBe(401);
    expect(noKey.json).toMatchObject({ code: 4, description: expect.any(String), result: null });
    const unknown = await call(stack, 'GET', '/mj/task/1234567890123456/fetch', { key });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 4, description: 'task not found', result: null });
    const noRoute = await call(stack, 'GET', '/mj/nothing-here', { key });
    expect(noRoute.status).toBe(404);
    expect(noRoute.json).toMatchObject({ code: 4, result: null });
    expect(noRoute.json.description).toContain('/mj/nothing-here');
  });

  test('the key in mj-api-secret, Authorization: Bearer, and bare Authorization', async () => {
    const path = `/mj/task/${grid.id}/fetch`;
    const forms: Record<string, string>[] = [
      { 'mj-api-secret': key },
      { authorization: `Bearer ${key}` },
      { authorization: key },
    ];
    for (const headers of forms) {
      expect((await call(stack, 'GET', path, { headers })).status).toBe(200);
    }
    expect((await call(stack, 'GET', path, { headers: { authorization: `Bearer ${key}x` } })).status).toBe(401);
  });

  test('CORS preflight allows the headers browser clients send', async () => {
    const r = await call(stack, 'OPTIONS', '/mj/submit/imagine', {
      headers: { origin: 'http://ui.example', 'access-control-request-method': 'POST' },
    });
    expect(r.status).toBe(204);
    const allowed = String(r.headers['access-control-allow-headers']);
    for (const h of ['mj-api-secret', 'authorization', 'content-type', 'x-ptoken']) expect(allowed).toContain(h);
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });

  test('task objects: string id/status/progress, epoch-ms times, submitTime of the caller, absolute imageUrl', async () => {
    const before = Date.now();
    const r = await imagine({ prompt: 'times' });
    const t = (await call(stack, 'GET', `/mj/task/${r.json.result}/fetch`, { key })).json;
    expect(t).toMatchObject({ id: r.json.result, status: 'SUBMITTED', progress: '0%', failReason: '' });
    expect(Number.isInteger(t.submitTime)).toBe(true);
    expect(t.submitTime).toBeGreaterThanOrEqual(before - 5);
    expect(t.submitTime).toBeLessThanOrEqual(Date.now());
    const g = (await call(stack, 'GET', `/mj/task/${grid.id}/fetch`, { key })).json;
    expect(g.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(Number.isInteger(g.finishTime) || g.finishTime === null).toBe(true);
    // The upstream's (trueai) echo of the prompt; trueai has no Chinese twin. Every operation and flavour: parity test.
    expect(g.properties).toEqual({ finalPrompt: 'a grid to click on', finalZhPrompt: '' });
    expect(g).toMatchObject({ prompt: 'a grid to click on', promptEn: 'a grid to click on' });
  });

  test('the image URL serves our stored copy with CORS; without its token it does not exist', async () => {
    const g = (await call(stack, 'GET', `/mj/task/${grid.id}/fetch`, { key })).json;
    const img = await call(stack, 'GET', new URL(g.imageUrl).pathname + new URL(g.imageUrl).search);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toMatch(/^image\//);
    expect(img.headers['access-control-allow-origin']).toBe('*');
    const bare = await call(stack, 'GET', `/mj/image/${grid.id}`);
    expect(bare.status).toBe(404);
    expect(bare.json).toMatchObject({ code: 4, result: null });
    expect((await call(stack, 'GET', `/mj/image/${grid.id}`, { key })).status).toBe(200);
  });
});

describe('submits', () => {
  test('the same Idempotency-Key returns the first id with code 1, and starts one job', async () => {
    const before = await openJobs();
    const a = await imagine({ prompt: 'idem header' }, { 'idempotency-key': 'order-77' });
    const b = await imagine({ prompt: 'idem header' }, { 'idempotency-key': 'order-77' });
    expect(a.json).toMatchObject({ code: 1 });
    expect(b.json).toEqual(a.json);
    expect(await openJobs()).toBe(before + 1);
  });

  test('state is echoed, never a key: two submits with one state both run their own prompt', async () => {
    const a = await imagine({ prompt: 'first prompt of chat 42', state: 'chat-42' });
    const b = await imagine({ prompt: 'second prompt of chat 42', state: 'chat-42' });
    expect([a.json.code, b.json.code]).toEqual([1, 1]);
    expect(b.json.result).not.toBe(a.json.result);
    const [ta, tb] = await Promise.all([
      waitForStatus(stack, key, a.json.result, ['SUCCESS']),
      waitForStatus(stack, key, b.json.result, ['SUCCESS']),
    ]);
    expect([ta.prompt, ta.state]).toEqual(['first prompt of chat 42', 'chat-42']);
    expect([tb.prompt, tb.state]).toEqual(['second prompt of chat 42', 'chat-42']);
    const c = await imagine({ prompt: 'empty', state: '', notifyHook: '' });
    const d = await imagine({ prompt: 'empty', state: '', notifyHook: '' });
    expect(c.json.code).toBe(1);
    expect(d.json.result).not.toBe(c.json.result);
  });

  test('an Idempotency-Key is bound to its request: the same body (keys in any order) answers the first task', async () => {
    const before = await openJobs();
    const a = await imagine({ prompt: 'bound key', state: 's-1' }, { 'idempotency-key': 'bound-1' });
    const b = await imagine({ state: 's-1', prompt: 'bound key' }, { 'idempotency-key': 'bound-1' });
    expect(a.json).toMatchObject({ code: 1 });
    expect(b.json).toEqual(a.json);
    expect(await openJobs()).toBe(before + 1);
  });

  test('the same Idempotency-Key with another body or endpoint is refused with 409, and starts nothing', async () => {
    const a = await imagine({ prompt: 'key reuse' }, { 'idempotency-key': 'reuse-1' });
    expect(a.json).toMatchObject({ code: 1 });
    const before = await openJobs();
    const otherBody = await imagine({ prompt: 'another prompt' }, { 'idempotency-key': 'reuse-1' });
    const otherEndpoint = await call(stack, 'POST', '/mj/submit/shorten', {
      key,
      body: { prompt: 'key reuse' },
      headers: { 'idempotency-key': 'reuse-1' },
    });
    const otherMode = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', {
      key,
      body: { prompt: 'key reuse' },
      headers: { 'idempotency-key': 'reuse-1' },
    });
    for (const r of [otherBody, otherEndpoint, otherMode]) {
      expect(r.status).toBe(409);
      expect(r.json).toMatchObject({ code: 4, result: null, properties: { field: 'Idempotency-Key' } });
      expect(r.json.description).toContain('Idempotency-Key');
    }
    expect(await openJobs()).toBe(before);
    // Keys are per tenant: another tenant's same key is its own first use.
    const other = (await stack.gateway.tenants.createKey('acme-2')).apiKey;
    const b = await call(stack, 'POST', '/mj/submit/imagine', {
      key: other,
      body: { prompt: 'another prompt' },
      headers: { 'idempotency-key': 'reuse-1' },
    });
    expect(b.json).toMatchObject({ code: 1 });
    expect(b.json.result).not.toBe(a.json.result);
  });

  test('the legacy single base64 field is a reference image', async () => {
    const r = await imagine({ prompt: 'with a reference', base64: png() });
    expect(r.json).toMatchObject({ code: 1 });
  });

  test('speed prefixes select the mode', async () => {
    const r = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', { key, body: { prompt: 'slow one' } });
    expect(r.json.code).toBe(1);
    expect((await call(stack, 'GET', `/mj-relax/mj/task/${r.json.result}/fetch`, { key })).json.mode).toBe('RELAX');
  });

  test('change without index for REROLL, with index for U; simple-change "<id> V2"', async () => {
    const reroll = await call(stack, 'POST', '/mj/submit/change', { key, body: { taskId: grid.id, action: 'REROLL' } });
    expect(reroll.json).toMatchObject({ code: 1 });
    const up = await call(stack, 'POST', '/mj/submit/change', {
      key,
      body: { taskId: grid.id, action: 'UPSCALE', index: 2 },
    });
    expect(up.json).toMatchObject({ code: 1 });
    const v2 = await call(stack, 'POST', '/mj/submit/simple-change', { key, body: { content: `${grid.id} V2` } });
    expect(v2.json).toMatchObject({ code: 1 });
    const t = await waitForStatus(stack, key, up.json.result, ['SUCCESS', 'FAILURE']);
    expect(t).toMatchObject({ status: 'SUCCESS', action: 'UPSCALE' });
  });

  test('Vary (Region): code 21, MODAL held by us, /submit/modal with mask keeps the task id', async () => {
    const u1 = grid.buttons.find((b) => b.label === 'U1')!;
    const upId = (
      await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: grid.id, customId: u1.customId } })
    ).json.result;
    const up = await waitForStatus(stack, key, upId, ['SUCCESS']);
    const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::1'));
    const act = await call(stack, 'POST', '/mj/submit/action', {
      key,
      body: { taskId: upId, customId: region.customId },
    });
    expect(act.json).toMatchObject({ code: 21, result: expect.stringMatching(/^\d{16}$/) });
    const modalId = act.json.result;
    expect((await call(stack, 'GET', `/mj/task/${modalId}/fetch`, { key })).json.status).toBe('MODAL');
    const noMask = await call(stack, 'POST', '/mj/submit/modal', { key, body: { taskId: modalId, prompt: 'a hat' } });
    expect(noMask.json).toMatchObject({ code: 4, properties: { field: 'maskBase64' } });
    // The mask covers the parent image: its size, from the parent's header.
    const parentImage = new Uint8Array(await (await fetch(up.imageUrl)).arrayBuffer());
    const { width, height } = readImageHeader(parentImage)!;
    const m = await call(stack, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: modalId, prompt: 'a red hat', maskBase64: png(width, height, true) },
    });
    expect(m.json).toMatchObject({ code: 1, result: modalId });
    const done = await waitForStatus(stack, key, modalId, ['SUCCESS', 'FAILURE']);
    expect(done).toMatchObject({ status: 'SUCCESS', id: modalId });

    // Custom Zoom: a modal without prompt falls back to the task's prompt.
    const zoom = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::CustomZoom::'));
    const z = await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: upId, customId: zoom.customId } });
    expect(z.json.code).toBe(21);
    const zm = await call(stack, 'POST', '/mj/submit/modal', { key, body: { taskId: z.json.result } });
    expect(zm.json).toMatchObject({ code: 1, result: z.json.result });
    expect((await waitForStatus(stack, key, z.json.result, ['SUCCESS', 'FAILURE'])).status).toBe('SUCCESS');
  });

  test('upload-discord-images answers an array of URL strings that serve the image', async () => {
    const r = await call(stack, 'POST', '/mj/submit/upload-discord-images', { key, body: { base64Array: [png()] } });
    expect(r.json.code).toBe(1);
    expect(Array.isArray(r.json.result)).toBe(true);
    const img = await call(stack, 'GET', new URL(r.json.result[0]).pathname);
    expect(img.status).toBe(200);
  });

  test('cancel: code 1, then FAILURE with 100%', async () => {
    const r = await call(stack, 'POST', '/mj-relax/mj/submit/imagine', { key, body: { prompt: 'to cancel' } });
    const c = await call(stack, 'POST', `/mj/task/${r.json.result}/cancel`, { key });
    expect(c.json).toMatchObject({ code: 1, result: r.json.result });
    const t = await waitForStatus(stack, key, r.json.result, ['FAILURE']);
    expect(t).toMatchObject({ progress: '100%', failReason: 'cancelled' });
  });
});

describe('reads', () => {
  test('list-by-condition: a bare array, string and numeric ids, unknown ids left out', async () => {
    const r = await call(stack, 'POST', '/mj/task/list-by-condition', {
      key,
      body: { ids: [grid.id, Number(grid.id), '1111111111111111', 'junk', 42] },
    });
    expect(r.status).toBe(200);
    expect(r.json.map((t: { id: string }) => t.id)).toEqual([grid.id]);
    expect((await call(stack, 'POST', '/mj/task/list-by-condition', { key, body: {} })).json).toEqual([]);
  });

  test('a GET with a body is served (new-api sends null with image-seed)', async () => {
    const r = await call(stack, 'GET', `/mj/task/${grid.id}/image-seed`, { key, raw: 'null' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ code: expect.any(Number), description: expect.any(String) });
    if (r.json.code === 1) expect(typeof r.json.result).toBe('string');
  });

  test('task/list and task/queue are arrays of task objects', async () => {
    const list = await call(stack, 'GET', '/mj/task/list', { key });
    expect(Array.isArray(list.json)).toBe(true);
    expect(list.json.some((t: { id: string }) => t.id === grid.id)).toBe(true);
    const queue = await call(stack, 'GET', '/mj/task/queue', { key });
    expect(Array.isArray(queue.json)).toBe(true);
  });
});

describe('bad input: a JSON error naming the field, nothing started', () => {
  const cases: [string, unknown, string][] = [
    ['/mj/submit/imagine', {}, 'prompt'],
    ['/mj/submit/imagine', { prompt: 5 }, 'prompt'],
    ['/mj/submit/imagine', { prompt: 'x', base64Array: ['data:text/plain;base64,aGk='] }, 'base64Array[0]'],
    ['/mj/submit/imagine', { prompt: 'x', botType: 'DALL_E' }, 'botType'],
    ['/mj/submit/imagine', { prompt: 'x', accountFilter: { modes: ['SLOW'] } }, 'accountFilter.modes'],
    ['/mj/submit/imagine', { prompt: 'x', notifyHook: 'ftp://x' }, 'notifyHook'],
    ['/mj/submit/imagine', { prompt: 'x', state: 's'.repeat(300) }, 'state'],
    ['/mj/submit/action', { customId: 'MJ::JOB::upsample::1::x' }, 'taskId'],
    ['/mj/submit/action', { taskId: '1234567890123456', customId: 'MJ::JOB::upsample::1::x' }, 'taskId'],
    ['/mj/submit/action', { taskId: 'GRID' }, 'customId'],
    ['/mj/submit/action', { taskId: 'GRID', customId: 'MJ::JOB::upsample::9::nope' }, 'customId'],
    ['/mj/submit/change', { taskId: 'GRID', action: 'UPSCALE' }, 'index'],
    ['/mj/submit/change', { taskId: 'GRID', action: 'ZOOM', index: 1 }, 'action'],
    ['/mj/submit/change', { taskId: '1234567890123456', action: 'REROLL' }, 'taskId'],
    ['/mj/submit/simple-change', { content: 'nonsense' }, 'content'],
    ['/mj/submit/modal', { taskId: 'GRID' }, 'taskId'],
    ['/mj/submit/modal', { prompt: 'x' }, 'taskId'],
    ['/mj/submit/blend', { base64Array: ['x'] }, 'base64Array'],
    ['/mj/submit/blend', { base64Array: ['PNG', 'PNG'], dimensions: 'ROUND' }, 'dimensions'],
    ['/mj/submit/describe', {}, 'base64'],
    ['/mj/submit/shorten', { prompt: '' }, 'prompt'],
    ['/mj/submit/edits', { prompt: 'x' }, 'image'],
    ['/mj/submit/video', { prompt: 'x', batchSize: 3 }, 'batchSize'],
    ['/mj/submit/video', { prompt: 'x', motion: 'fast' }, 'motion'],
    ['/mj/submit/upload-discord-images', {}, 'base64Array'],
    ['/mj/insight-face/swap', { sourceBase64: 'x', targetBase64: 'y' }, 'path'],
    ['/mj/submit/retexture', { prompt: 'x', image: 'y' }, 'path'],
  ];

  test.each(cases)('%s %j → field %s', async (path, body, field) => {
    const before = await openJobs();
    const fixed = JSON.parse(
      JSON.stringify(body)
        .replace(/"GRID"/g, `"${grid.id}"`)
        .replace(/"PNG"/g, `"${png()}"`)
    );
    const r = await call(stack, 'POST', path, { key, body: fixed });
    expect(r.json).toMatchObject({ code: 4, result: null, properties: { field } });
    expect(r.json.description).toEqual(expect.any(String));
    expect(await openJobs()).toBe(before);
  });

  test('action on an unknown taskId is code 4 "task not found"', async () => {
    const r = await call(stack, 'POST', '/mj/submit/action', {
      key,
      body: { taskId: '1234567890123456', customId: 'MJ::JOB::upsample::1::x' },
    });
    expect(r.json).toMatchObject({ code: 4, description: 'task not found' });
  });

  test('malformed JSON, a non-object body, ids not an array, a body over the cap', async () => {
    expect((await call(stack, 'POST', '/mj/submit/imagine', { key, raw: '{nope' })).json).toMatchObject({
      code: 4,
      properties: { field: 'body' },
    });
    expect((await call(stack, 'POST', '/mj/submit/imagine', { key, raw: '[1]' })).json).toMatchObject({
      properties: { field: 'body' },
    });
    const ids = await call(stack, 'POST', '/mj/task/list-by-condition', { key, body: { ids: 'x' } });
    expect(ids.status).toBe(400);
    expect(ids.json).toMatchObject({ code: 4, properties: { field: 'ids' } });
    const big = await call(stack, 'POST', '/mj/submit/shorten', { key, body: { prompt: 'x'.repeat(300_000) } });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ code: 4, properties: { field: 'body' } });
  });
});
