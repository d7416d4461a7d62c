/**
 * Request hygiene and metered writes of the gateway, over loopback against a real dev server, the simulator and a
 * job worker: absolute URLs from configuration only (never a caller's Host or X-Forwarded-* unless a proxy is
 * trusted), JSON routes refusing other content types with 415, prompts blank once invisible characters go refused,
 * `X-Content-Type-Options: nosniff` on every answer, and image writes passing the tenant's rate limit and storage
 * quota before anything is stored (a refused submit stores nothing).
 */
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PNG } from 'pngjs';
import { request } from 'undici';
import { readImageHeader } from '../../src/assets';
import { describeError } from '../../src/console/errors';
import { consoleWriteMeter, mountConsole } from '../../src/console/mount';
import { TemporalConsoleBackend } from '../../src/console/temporal-backend';
import { BudgetGuard } from '../../src/gateway/guards/budget-guard';
import { GATEWAY_MEMO_KEY, type GatewayMemo } from '../../src/gateway/tasks/gateway-memo';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway';
import type { GatewayOptions } from '../../src/config/gateway';
import { RateLimiter } from '../../src/gateway/guards/rate-limit';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { MJ_TENANT } from '../../src/shared/search-attributes';
import type { BudgetStatus } from '../../src/workflows/ledger/messages';
import { call, log, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

let stack: GatewayStack;
let key: string;
/** A grid to press buttons on (the first test's, else the modal test makes one). */
let gridId: string | undefined;
const extra: RunningGateway[] = [];

/** Spoofed by the "attacker" on every request where absolute URLs matter. */
const EVIL = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

/**
 * A distinct PNG data URL per `n` (the store is content-addressed: new bytes, new file); `size` > 4 fills it with
 * fixed noise (a linear congruential sequence), so it does not compress below a few bytes per pixel.
 */
function png(n: number, size = 4, height = size): string {
  const p = new PNG({ width: size, height });
  let x = n;
  for (let i = 0; i < p.data.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    p.data[i] = size > 4 ? x >>> 24 : n & 255;
    p.data[i + 1] = size > 4 ? (x >>> 16) & 255 : (n >> 8) & 255;
    p.data[i + 2] = size > 4 ? (x >>> 8) & 255 : 0;
    p.data[i + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(p).toString('base64')}`;
}

function pngBytes(dataUrl: string): number {
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64').length;
}

/** Files the gateway wrote for callers (inputs and masks; the job worker's captures live elsewhere). */
function storedInputs(): string[] {
  const dir = stack.config.assets.kind === 'local' ? stack.config.assets.dir : '';
  return ['inputs', 'masks'].flatMap((p) => {
    try {
      return readdirSync(path.join(dir, p)).map((f) => `${p}/${f}`);
    } catch {
      return [];
    }
  });
}

async function jobsOf(tenant: string): Promise<number> {
  return (await stack.env.client.workflow.count(`${MJ_TENANT.name} = "${tenant}"`)).count;
}

/** Another gateway process on the same Temporal, tenants registry and asset store, without a worker. */
async function otherGateway(o: Partial<GatewayOptions>): Promise<{ gw: RunningGateway; at: GatewayStack }> {
  const gw = await startGateway({
    config: stack.config,
    gateway: {
      secret: stack.gateway.options.secret,
      port: 0,
      taskQueue: stack.gateway.options.taskQueue,
      tenantCacheMs: 200,
      submitsPerMinute: 600,
      ...o,
    },
    log,
    connection: stack.env.connection,
    namespace: stack.env.namespace,
    worker: false,
  });
  extra.push(gw);
  return { gw, at: { ...stack, url: gw.server.url } };
}

/** Callback bodies a loopback receiver got. */
const delivered: { status?: string; imageUrl?: string }[] = [];
let receiver: http.Server;
let hookUrl: string;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      delivered.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // Callbacks go to the loopback receiver above.
  stack = await startGatewayStack({ gateway: { allowPrivateHooks: true } });
  key = (await stack.gateway.tenants.createKey('hyg')).apiKey;
  mountConsole(stack.gateway);
});
afterAll(async () => {
  for (const gw of extra) await gw.stop();
  await stack?.stop();
  await new Promise((r) => receiver?.close(r));
});

describe('absolute URLs come from configuration', () => {
  test('without a public URL: the listen address, whatever Host and X-Forwarded-* say', async () => {
    const up = await call(stack, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [png(1)] },
      headers: EVIL,
    });
    expect(up.json.code).toBe(1);
    expect(up.json.result[0]).toMatch(new RegExp(`^${stack.url}/mj/upload/[A-Za-z0-9_-]{40,}\\.png$`));

    const sub = await call(stack, 'POST', '/mj/submit/imagine', {
      key,
      body: { prompt: 'a url test', notifyHook: hookUrl },
      headers: EVIL,
    });
    expect(sub.json.code).toBe(1);
    const taskId = sub.json.result as string;
    // The memo's baseUrl (callbacks' image URLs) is the configured one too.
    const d = await stack.env.client.workflow.getHandle(jobWorkflowId('hyg', taskId)).describe();
    expect((d.memo?.[GATEWAY_MEMO_KEY] as GatewayMemo).baseUrl).toBe(stack.url);
    await waitForStatus(stack, key, taskId, ['SUCCESS']);
    gridId = taskId;
    const fetched = await call(stack, 'GET', `/mj/task/${taskId}/fetch`, { key, headers: EVIL });
    expect(fetched.json.imageUrl).toMatch(new RegExp(`^${stack.url}/mj/image/${taskId}\\?t=`));
    for (const u of fetched.json.imageUrls as { url: string }[]) expect(u.url.startsWith(`${stack.url}/`)).toBe(true);
    // The callback of the SUCCESS change (delivered durably, so it may come a moment after fetch shows it).
    const deadline = Date.now() + 60_000;
    while (!delivered.some((d) => d.status === 'SUCCESS') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const success = delivered.find((d) => d.status === 'SUCCESS');
    expect(success?.imageUrl).toMatch(new RegExp(`^${stack.url}/mj/image/${taskId}\\?t=`));
    const listed = await call(stack, 'POST', '/mj/task/list-by-condition', {
      key,
      body: { ids: [taskId] },
      headers: EVIL,
    });
    expect(listed.json[0].imageUrl.startsWith(`${stack.url}/mj/image/`)).toBe(true);
  });

  test('MJ_GATEWAY_PUBLIC_URL wins over the headers, also for the console address', async () => {
    const { gw, at } = await otherGateway({ publicBaseUrl: 'https://mj.example.com/base/' });
    expect(gw.server.publicUrl).toBe('https://mj.example.com/base');
    const up = await call(at, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [png(2)] },
      headers: EVIL,
    });
    expect(up.json.result[0]).toMatch(/^https:\/\/mj\.example\.com\/base\/mj\/upload\/[A-Za-z0-9_-]{40,}\.png$/);
    expect(mountConsole(gw).url).toBe('https://mj.example.com/base/console');
  });

  test('behind a trusted proxy (MJ_GATEWAY_TRUST_PROXY) the forwarded host counts; a malformed one does not', async () => {
    const { at } = await otherGateway({ trustProxy: true });
    const up = await call(at, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [png(3)] },
      headers: { 'x-forwarded-host': 'cdn.example.org', 'x-forwarded-proto': 'https' },
    });
    expect(up.json.result[0]).toMatch(/^https:\/\/cdn\.example\.org\/mj\/upload\//);
    const bad = await call(at, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [png(3)] },
      headers: { 'x-forwarded-host': 'a.example/@evil', 'x-forwarded-proto': 'https' },
    });
    expect(bad.json.result[0].startsWith(`${at.url}/mj/upload/`)).toBe(true);
  });
});

describe('JSON routes take application/json', () => {
  test.each([
    ['text/plain', 'text/plain'],
    ['a form post', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['another charset', 'application/json; charset=latin1'],
  ])('%s is a 415 naming content-type, and nothing starts', async (_what, type) => {
    const before = await jobsOf('hyg');
    const r = await call(stack, 'POST', '/mj/submit/imagine', {
      key,
      raw: JSON.stringify({ prompt: 'wrong type' }),
      headers: { 'content-type': type },
    });
    expect(r.status).toBe(415);
    expect(r.json).toMatchObject({ code: 4, result: null, properties: { field: 'content-type' } });
    expect(r.json.description).toContain('content-type');
    expect(await jobsOf('hyg')).toBe(before);
  });

  test('a body without a content type is a 415; what clients send passes', async () => {
    const res = await request(`${stack.url}/mj/submit/imagine`, {
      method: 'POST',
      headers: { 'mj-api-secret': key },
      body: Buffer.from(JSON.stringify({ prompt: 'no type' })),
      dispatcher: stack.agent,
    });
    expect(res.statusCode).toBe(415);
    expect(((await res.body.json()) as { properties: { field: string } }).properties.field).toBe('content-type');
    for (const type of ['application/json', 'application/json;charset=UTF-8', 'Application/JSON; charset="utf-8"']) {
      const ok = await call(stack, 'POST', '/mj/task/list-by-condition', {
        key,
        raw: JSON.stringify({ ids: [] }),
        headers: { 'content-type': type },
      });
      expect({ type, status: ok.status }).toEqual({ type, status: 200 });
    }
    // A POST without a body needs no content type (cancel of an unknown task: not found, not 415).
    const cancel = await call(stack, 'POST', '/mj/task/1234567890123456/cancel', { key });
    expect(cancel.json).toMatchObject({ code: 4, description: 'task not found' });
    // GET routes ignore it (new-api forwards GET image-seed with its client's content type).
    const get = await call(stack, 'GET', '/mj/task/list', { key, headers: { 'content-type': 'text/plain' } });
    expect(get.status).toBe(200);
  });
});

describe('prompts', () => {
  const INVISIBLE = '\u200b\u200c\u200d\ufeff\u200e\u200f\u202e\u2066\u2069\u00ad\u3164 \u00a0\t\n';

  test.each(['imagine', 'shorten'])(
    '%s: a prompt of invisible characters only is refused naming prompt',
    async (ep) => {
      const before = await jobsOf('hyg');
      const r = await call(stack, 'POST', `/mj/submit/${ep}`, { key, body: { prompt: INVISIBLE } });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ code: 4, result: null, properties: { field: 'prompt' } });
      expect(await jobsOf('hyg')).toBe(before);
    }
  );

  test('edits and video too; a visible character among invisible ones passes', async () => {
    const edits = await call(stack, 'POST', '/mj/submit/edits', { key, body: { prompt: INVISIBLE, image: png(4) } });
    expect(edits.json).toMatchObject({ code: 4, properties: { field: 'prompt' } });
    const video = await call(stack, 'POST', '/mj/submit/video', { key, body: { prompt: '\u200b', image: png(4) } });
    expect(video.json).toMatchObject({ code: 4, properties: { field: 'prompt' } });
    const ok = await call(stack, 'POST', '/mj/submit/shorten', { key, body: { prompt: `\u200bcat\u200b` } });
    expect(ok.json.code).toBe(1);
  });
});

describe('X-Content-Type-Options: nosniff', () => {
  test('on JSON, errors, 404s, images and the console', async () => {
    const up = await call(stack, 'POST', '/mj/submit/upload-discord-images', { key, body: { base64Array: [png(5)] } });
    const imagePath = new URL(up.json.result[0] as string).pathname;
    const answers = {
      json: up,
      image: await call(stack, 'GET', imagePath),
      unauthorized: await call(stack, 'GET', '/mj/task/list'),
      unknownTask: await call(stack, 'GET', '/mj/task/1234567890123456/fetch', { key }),
      unknownPath: await call(stack, 'GET', '/nothing-here'),
      unknownImage: await call(stack, 'GET', '/mj/image/1234567890123456'),
      badType: await call(stack, 'POST', '/mj/submit/imagine', { key, raw: '{}', headers: { 'content-type': 'x/y' } }),
      preflight: await call(stack, 'OPTIONS', '/mj/submit/imagine'),
      health: await call(stack, 'GET', '/healthz'),
      console: await call(stack, 'GET', '/console/sign-in'),
    };
    expect(answers.console.headers['content-type']).toMatch(/^text\/html/);
    expect(answers.image.headers['content-type']).toBe('image/png');
    for (const [what, r] of Object.entries(answers))
      expect({ what, nosniff: r.headers['x-content-type-options'] }).toEqual({ what, nosniff: 'nosniff' });
  });
});

describe('writes are metered before anything is stored', () => {
  test('refused submits store nothing: bad input, rate limit, budget', async () => {
    const before = storedInputs();
    // Bad input found after the image was read: botType of describe, notifyHook and state of imagine.
    const bad = [
      await call(stack, 'POST', '/mj/submit/describe', { key, body: { base64: png(10), botType: 'NOPE' } }),
      await call(stack, 'POST', '/mj/submit/imagine', {
        key,
        body: { prompt: 'bad hook', base64Array: [png(11)], notifyHook: 'ftp://example.com/hook' },
      }),
      await call(stack, 'POST', '/mj/submit/imagine', {
        key,
        body: { prompt: 'bad state', base64Array: [png(12)], state: 'x'.repeat(300) },
      }),
      await call(stack, 'POST', '/mj/submit/blend', {
        key,
        body: { base64Array: [png(13), png(14)], dimensions: 'ROUND' },
      }),
    ];
    for (const r of bad) expect(r.json.code).toBe(4);

    // Rate limit: one submit a minute (burst 1), the second refused before its image is written.
    const slow = (await stack.gateway.tenants.createKey('hyg-slow', { options: { submitsPerMinute: 1 } })).apiKey;
    const first = await call(stack, 'POST', '/mj/submit/imagine', { key: slow, body: { prompt: 'first' } });
    expect(first.json.code).toBe(1);
    const limited = [
      await call(stack, 'POST', '/mj/submit/imagine', {
        key: slow,
        body: { prompt: 'second', base64Array: [png(15)] },
      }),
      await call(stack, 'POST', '/mj/submit/upload-discord-images', { key: slow, body: { base64Array: [png(16)] } }),
    ];
    for (const r of limited)
      expect(r).toMatchObject({ status: 429, json: { code: 23, properties: { rule: 'rate-limit' } } });

    // Budget used up: refused with code 4 naming the budget, before the image is written.
    const { gw, at } = await otherGateway({});
    const row: BudgetStatus = {
      scope: 'tenant',
      id: 'hyg',
      limit: 1,
      period: 'day',
      onExceed: 'refuse',
      name: 'tenant:hyg/day',
      target: 'hyg',
      currency: 'USD',
      spent: 1,
      window: '2026-12-05',
    };
    gw.app.budgets = new BudgetGuard({ budgets: async () => [row] });
    const broke = await call(at, 'POST', '/mj/submit/edits', { key, body: { prompt: 'no money', image: png(17) } });
    expect(broke.json).toMatchObject({ code: 4, properties: { field: 'budget', rule: 'budget-exceeded' } });

    expect(storedInputs()).toEqual(before);
  });

  test('the storage quota: writes within it pass, the next is a 429, one body over it a 413; nothing stored', async () => {
    const a = png(20);
    const b = png(21);
    // Keys first: the other gateway reads the registry at its first request and trusts that copy for 200 ms.
    const q = (await stack.gateway.tenants.createKey('hyg-quota')).apiKey;
    const roomy = (await stack.gateway.tenants.createKey('hyg-roomy', { options: { storageBytesPerDay: 1_000_000 } }))
      .apiKey;
    const tight = (await stack.gateway.tenants.createKey('hyg-tight', { options: { storageBytesPerDay: 10 } })).apiKey;
    // Room for `a` and all of `b` but one byte; a frozen clock refills nothing.
    const { gw, at } = await otherGateway({ storageBytesPerDay: pngBytes(a) + pngBytes(b) - 1 });
    gw.app.limiter = new RateLimiter(() => 1_000);
    const before = storedInputs();
    const ok = await call(at, 'POST', '/mj/submit/upload-discord-images', { key: q, body: { base64Array: [a] } });
    expect(ok.json.code).toBe(1);
    const written = storedInputs();
    expect(written.length).toBe(before.length + 1);

    const over = await call(at, 'POST', '/mj/submit/imagine', { key: q, body: { prompt: 'quota', base64Array: [b] } });
    expect(over).toMatchObject({ status: 429, json: { code: 23, properties: { rule: 'storage-quota' } } });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const upload = await call(at, 'POST', '/mj/submit/upload-discord-images', { key: q, body: { base64Array: [b] } });
    expect(upload.status).toBe(429);
    const huge = await call(at, 'POST', '/mj/submit/upload-discord-images', {
      key: q,
      body: { base64Array: [png(22, 64)] },
    });
    expect(huge).toMatchObject({
      status: 413,
      json: { code: 4, properties: { field: 'body', rule: 'storage-quota' } },
    });
    // Another tenant has a quota of its own.
    const other = await call(at, 'POST', '/mj/submit/upload-discord-images', { key, body: { base64Array: [b] } });
    expect(other.json.code).toBe(1);
    expect(storedInputs().length).toBe(written.length + 1);

    // A tenant's own quota (its registry option) counts instead of the gateway's.
    const big = await call(at, 'POST', '/mj/submit/upload-discord-images', {
      key: roomy,
      body: { base64Array: [png(22, 64)] },
    });
    expect(big.json).toMatchObject({ code: 1 });
    const small = await call(stack, 'POST', '/mj/submit/upload-discord-images', {
      key: tight,
      body: { base64Array: [png(23)] },
    });
    expect(small).toMatchObject({ status: 413, json: { properties: { rule: 'storage-quota' } } });
  });

  test("the console's starts and answers pass the same meter before the job service stores anything", async () => {
    const { gw } = await otherGateway({ storageBytesPerDay: 0 });
    const backend = new TemporalConsoleBackend({
      mj: gw.app.mj,
      authenticate: async () => null,
      beforeWrite: consoleWriteMeter(gw),
    });
    const bytes = Buffer.from(png(30).split(',')[1]!, 'base64');
    const before = storedInputs();
    const err = await backend.imagine('hyg', { prompt: 'from the console', images: [bytes] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 413, extra: { rule: 'storage-quota' } });
    expect(describeError(err)).toMatchObject({ status: 413, message: expect.stringContaining('storage quota') });
    expect(storedInputs()).toEqual(before);
    // URLs store nothing and are not metered.
    const jobId = await backend.imagine('hyg', { prompt: 'a url reference', images: ['https://example.com/a.png'] });
    expect(jobId).toEqual(expect.any(String));
  });

  test('a Vary (Region) mask passes the meter before it is stored; a blank modal prompt is refused', async () => {
    const id: string =
      gridId ?? (await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt: 'a grid' } })).json.result;
    const grid = await waitForStatus(stack, key, id, ['SUCCESS']);
    const u1 = grid.buttons.find((b: { label: string }) => b.label === 'U1');
    const upId = (await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: id, customId: u1.customId } }))
      .json.result;
    const up = await waitForStatus(stack, key, upId, ['SUCCESS']);
    const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::1'));
    const act = await call(stack, 'POST', '/mj/submit/action', {
      key,
      body: { taskId: upId, customId: region.customId },
    });
    expect(act.json.code).toBe(21);
    const modalId = act.json.result as string;

    // The mask must have the size of the image it masks (read from the parent's header).
    const { width, height } = readImageHeader(new Uint8Array(await (await fetch(up.imageUrl)).arrayBuffer()))!;
    const blank = await call(stack, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: modalId, prompt: '\u200b\u200d\ufeff', maskBase64: png(40, width, height) },
    });
    expect(blank.json).toMatchObject({ code: 4, properties: { field: 'prompt' } });
    const { at } = await otherGateway({ storageBytesPerDay: 0 });
    const before = storedInputs();
    const refused = await call(at, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: modalId, prompt: 'a red hat', maskBase64: png(41, width, height) },
    });
    expect(refused).toMatchObject({ status: 413, json: { code: 4, properties: { rule: 'storage-quota' } } });
    expect(storedInputs()).toEqual(before);
  });
});
