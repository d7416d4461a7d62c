/**
 * A decompression bomb — a few hundred bytes of PNG whose header says 20000 × 20000 — on every route that takes an
 * image, over the running stack on loopback (dev server, simulator, job worker, gateway with the console mounted).
 * Each answer is the route's usual bad-input answer naming the field, and its rule is the header's pixel cap: the
 * image was refused from its header, before anything decoded it (decoding it took the old console 25 s of a frozen
 * event loop and 1.1 GB). Time and memory are not asserted; the rule shows which path answered.
 */
import sharp from 'sharp';
import { mountConsole } from '../../src/console';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { MAX_IMAGE_PIXELS } from '../../src/shared/defaults';
import { bombDataUrl, bombPng } from '../helpers/bomb-png';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

const PIXEL_RULE = `must have at most ${MAX_IMAGE_PIXELS} pixels (its header says 20000×20000)`;
const BOMB = bombDataUrl();
const BOMB_BARE = bombPng().toString('base64');

let stack: GatewayStack;
let key: string;
let consoleUrl: string;
/** The upscale (256 px) Vary (Region) was pressed on, its Vary (Region) button, and the task waiting for the mask. */
let up: { id: string; regionCustomId: string; size: { width: number; height: number } };
let modalId: string;

/** A Vary (Region) mask as a data URL: its top third white (repaint), the rest black. */
async function maskPng(width: number, height: number): Promise<string> {
  const raw = Buffer.alloc(width * height * 3);
  raw.fill(255, 0, Math.floor(height / 3) * width * 3);
  const bytes = await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

let small: string;

beforeAll(async () => {
  stack = await startGatewayStack();
  consoleUrl = mountConsole(stack.gateway, { keyRecheckMs: 0 }).url;
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
  const grid = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt: 'a lighthouse' } });
  const done = await waitForStatus(stack, key, grid.json.result, ['SUCCESS']);
  const u1 = done.buttons.find((b: { label: string }) => b.label === 'U1');
  const upR = await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: done.id, customId: u1.customId } });
  const upTask = await waitForStatus(stack, key, upR.json.result, ['SUCCESS']);
  const image = await fetch(upTask.imageUrl);
  expect(image.status).toBe(200);
  const head = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
  up = {
    id: upTask.id,
    regionCustomId: upTask.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::')).customId,
    size: { width: head.width!, height: head.height! },
  };
  small = await maskPng(4, 4);
  const act = await call(stack, 'POST', '/mj/submit/action', {
    key,
    body: { taskId: up.id, customId: up.regionCustomId },
  });
  expect(act.json.code).toBe(21);
  modalId = act.json.result;
});
afterAll(async () => stack?.stop());

describe('gateway: the bomb is refused from its header on every image route', () => {
  const routes: [string, string, () => Record<string, unknown>, string][] = [
    ['modal', '/mj/submit/modal', () => ({ taskId: modalId, prompt: 'a hat', maskBase64: BOMB }), 'maskBase64'],
    ['modal (bare base64)', '/mj/submit/modal', () => ({ taskId: modalId, maskBase64: BOMB_BARE }), 'maskBase64'],
    ['imagine', '/mj/submit/imagine', () => ({ prompt: 'a cat', base64Array: [small, small, BOMB] }), 'base64Array[2]'],
    ['imagine (legacy base64)', '/mj/submit/imagine', () => ({ prompt: 'a cat', base64: BOMB }), 'base64'],
    ['blend', '/mj/submit/blend', () => ({ base64Array: [small, BOMB] }), 'base64Array[1]'],
    ['describe', '/mj/submit/describe', () => ({ base64: BOMB }), 'base64'],
    ['edits', '/mj/submit/edits', () => ({ prompt: 'a hat', image: BOMB_BARE }), 'image'],
    ['video', '/mj/submit/video', () => ({ prompt: 'waves', image: BOMB }), 'image'],
    ['video (end frame)', '/mj/submit/video', () => ({ prompt: 'waves', image: small, endImage: BOMB }), 'endImage'],
    ['upload', '/mj/submit/upload-discord-images', () => ({ base64Array: [BOMB] }), 'base64Array[0]'],
  ];

  test.each(routes)('%s', async (_name, path, body, field) => {
    const r = await call(stack, 'POST', path, { key, body: body() });
    // Submit routes answer bad input as the proxies do: HTTP 200, code 4.
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      code: 4,
      description: `${field} ${PIXEL_RULE}`,
      result: null,
      properties: { field, rule: 'image-pixels' },
    });
  });

  test('modal: a mask of another size than the parent image is refused, and the task still waits', async () => {
    const r = await call(stack, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: modalId, prompt: 'a hat', maskBase64: small },
    });
    expect(r.json).toMatchObject({ code: 4, properties: { field: 'maskBase64', rule: 'image-size' } });
    expect(r.json.description).toContain(`${up.size.width}×${up.size.height}`);
    // Still waiting after every refusal: the right mask goes through.
    expect((await call(stack, 'GET', `/mj/task/${modalId}/fetch`, { key })).json.status).toBe('MODAL');
  });
});

describe('console: the bomb as a mask is refused from its header', () => {
  let session: { cookie: string; csrf: string };

  beforeAll(async () => {
    const page = await fetch(`${consoleUrl}/sign-in`);
    const pre = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${consoleUrl}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: pre },
      body: new URLSearchParams({ _csrf: token, apiKey: key }),
    });
    expect(res.status).toBe(303);
    const cookie = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('mjc_session='))!
      .split(';')[0]!;
    const start = await (await fetch(`${consoleUrl}/start`, { headers: { cookie } })).text();
    session = { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(start)![1]! };
  });

  async function post(path: string, fields: Record<string, string>, files: Record<string, Buffer> = {}) {
    const form = new FormData();
    form.set('_csrf', session.csrf);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    for (const [k, v] of Object.entries(files)) form.set(k, new Blob([v], { type: 'image/png' }), `${k}.png`);
    const res = await fetch(`${consoleUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookie },
      body: form,
    });
    return { status: res.status, text: await res.text() };
  }

  const upJob = () => jobWorkflowId('acme', up.id);
  const cases: [string, () => Promise<{ status: number; text: string }>][] = [
    [
      'job input, painter field',
      () => post(`/jobs/${upJob()}/input`, { customId: up.regionCustomId, prompt: 'a hat', mask: BOMB }),
    ],
    [
      'job input, uploaded file',
      () => post(`/jobs/${upJob()}/input`, { customId: up.regionCustomId, prompt: 'a hat' }, { maskFile: bombPng() }),
    ],
    [
      'answer, painter field',
      () => post('/answer', { target: jobWorkflowId('acme', modalId), prompt: 'a hat', mask: BOMB }),
    ],
    [
      'answer, uploaded file',
      () => post('/answer', { target: jobWorkflowId('acme', modalId), prompt: 'a hat' }, { maskFile: bombPng() }),
    ],
  ];

  test.each(cases)('%s', async (_name, send) => {
    const r = await send();
    expect(r.status).toBe(400);
    // The pixel cap is the header's rule; a decoded bomb would have failed the size check after decoding instead.
    expect(r.text).toContain(`mask ${PIXEL_RULE}`);
  });

  test('imagine with an uploaded reference image', async () => {
    const r = await post('/start/imagine', { prompt: 'a cat', mode: 'FAST' }, { images: bombPng() });
    expect(r.status).toBe(400);
    expect(r.text).toContain(`images ${PIXEL_RULE}`);
  });
});

describe('afterwards', () => {
  test('the waiting task takes a mask of its parent image’s size', async () => {
    const m = await call(stack, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: modalId, prompt: 'a red hat', maskBase64: await maskPng(up.size.width, up.size.height) },
    });
    expect(m.json).toMatchObject({ code: 1, result: modalId });
    expect(await waitForStatus(stack, key, modalId, ['SUCCESS', 'FAILURE'])).toMatchObject({ status: 'SUCCESS' });
  });
});
