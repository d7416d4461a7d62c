/**
 * The console in a real browser (Debian's chromium through playwright-core) against a real Temporal dev server, the
 * simulator and a worker: sign in, watch an imagine finish live, press U1, paint a Vary (Region) mask, answer a
 * pipeline step from the inbox, tenant isolation, CSRF. (docs/screenshots come from scripts/console-screenshots.ts.)
 */
import type { BrowserContext, Page } from 'playwright-core';
import { Client } from '@temporalio/client';
import { PNG } from 'pngjs';
import { MjJobsClient } from '../../src/client';
import { tenantStartInterceptor } from '../../src/console';
import { KEYS, startConsoleEnv, type ConsoleEnv } from './helpers/console-env';
import { createLedgerRecorder } from '../../src/ledger/ledger-recorder';

jest.setTimeout(120_000);

let t: ConsoleEnv;
let ctx: BrowserContext;
let page: Page;
const jobs: { grid?: string; upscale?: string } = {};

async function signIn(p: Page, key: string): Promise<void> {
  await p.goto(`${t.url}/console`);
  await p.waitForURL(/\/console\/sign-in/);
  await p.fill('input[name=apiKey]', key);
  await Promise.all([p.waitForURL(/\/console\/jobs$/), p.click('button[type=submit]')]);
}

function jobIdOf(p: Page): string {
  return decodeURIComponent(new URL(p.url()).pathname.split('/').pop()!);
}

/** Where image pixel (x, y) of the painter's canvas is on the screen (its centre), at whatever zoom it is shown. */
async function screenOf(p: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const canvas = p.locator('[data-painter-canvas]');
  const box = (await canvas.boundingBox())!;
  const scale = box.width / (await canvas.evaluate((c) => (c as unknown as { width: number }).width));
  return { x: box.x + (x + 0.5) * scale, y: box.y + (y + 0.5) * scale };
}

/** Paints with the mouse: a drag from (x0, y0) to (x1, y1) in image pixels of the painter's canvas. */
async function drag(p: Page, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  const a = await screenOf(p, x0, y0);
  const b = await screenOf(p, x1, y1);
  await p.mouse.move(a.x, a.y);
  await p.mouse.down();
  await p.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await p.mouse.move(b.x, b.y, { steps: 4 });
  await p.mouse.up();
}

/** Runs in the page: the natural size of an image element once decoded. */
interface ImageLike {
  decode(): Promise<void>;
  naturalWidth: number;
  naturalHeight: number;
}
const naturalSize = (img: unknown): Promise<number[]> => {
  const i = img as ImageLike;
  return i.decode().then(() => [i.naturalWidth, i.naturalHeight]);
};

function decodeMask(dataUrl: unknown): PNG {
  expect(typeof dataUrl).toBe('string');
  expect(dataUrl as string).toMatch(/^data:image\/png;base64,/);
  return PNG.sync.read(Buffer.from((dataUrl as string).split(',')[1]!, 'base64'));
}

/** Asserts the mask is binary and white exactly inside the rectangles (x, y, w, h). */
function expectMask(png: PNG, rects: [number, number, number, number][]): void {
  let wrong = 0;
  let white = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b, a] = [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
      expect(a).toBe(255);
      expect(r === g && g === b && (r === 0 || r === 255)).toBe(true);
      const inside = rects.some(([rx, ry, rw, rh]) => x >= rx && x < rx + rw && y >= ry && y < ry + rh);
      if ((r === 255) !== inside) wrong++;
      if (r === 255) white++;
    }
  }
  expect(wrong).toBe(0);
  expect(white).toBeGreaterThan(0);
}

/** What reached the simulator's `/submit/modal` (the proxy records imagines too). */
const modalSubmits = () => t.proxy.recorded.filter((r) => r.path.endsWith('/submit/modal'));

/** The mask a painter form would post, caught before it leaves the page (nothing reaches the upstream). */
async function postedMask(p: Page): Promise<PNG> {
  let body = '';
  await p.route('**/input', async (route) => {
    body = route.request().postData() ?? '';
    await route.fulfill({ status: 204 });
  });
  await p.click('button[type=submit].primary');
  for (let i = 0; i < 50 && !body; i++) await new Promise((r) => setTimeout(r, 100));
  await p.unroute('**/input');
  const m = /name="mask"\r\n\r\n(data:image\/png;base64,[A-Za-z0-9+/=]+)/.exec(body);
  return decodeMask(m?.[1]);
}

const px = (png: PNG, x: number, y: number): number => png.data[(y * png.width + x) * 4]!;

function expectBinary(png: PNG): void {
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b, a] = [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
    if (!(a === 255 && r === g && g === b && (r === 0 || r === 255))) throw new Error(`pixel ${i / 4} is not binary`);
  }
}

beforeAll(async () => {
  t = await startConsoleEnv(__filename);
  ctx = await t.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await ctx.newPage();
});

afterAll(async () => {
  await t?.close();
});

test('sign in with a tenant key: HttpOnly SameSite=Strict session, strict CSP, the key never in a page', async () => {
  const res = await page.goto(`${t.url}/console/sign-in`);
  expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(res!.headers()['content-security-policy']).toContain("default-src 'none'");
  await page.fill('input[name=apiKey]', 'not-a-real-key-000000');
  await page.click('button[type=submit]');
  await expect(page.locator('[role=alert]').textContent()).resolves.toContain('not valid');
  await signIn(page, KEYS.acme);
  await expect(page.locator('.empty').textContent()).resolves.toContain('No jobs yet');
  const session = (await ctx.cookies()).find((c) => c.name === 'mjc_session')!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Strict');
  expect(session.value).not.toContain(KEYS.acme);
  expect(await page.content()).not.toContain(KEYS.acme);
});

test('start an imagine and watch it finish live, without reloading', async () => {
  await page.goto(`${t.url}/console/start`);
  await page.fill('#imagine-h ~ form textarea[name=prompt]', 'a lighthouse at dusk, oil painting');
  await page.selectOption('#imagine-h ~ form select[name=version]', '--v 7');
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-job-/), page.click('#imagine-h ~ form button[type=submit]')]);
  jobs.grid = jobIdOf(page);
  const first = await page.locator('#job-live').getAttribute('data-state');
  expect(['queued', 'running']).toContain(first);
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  expect(navigations).toBe(0);
  const size = await page.locator('#job-image').evaluate(naturalSize);
  expect(size).toEqual([512, 512]);
  await expect(page.locator('.quads.large img').count()).resolves.toBe(4);
  await expect(page.locator('h1.title [data-field=prompt]').textContent()).resolves.toContain(
    'a lighthouse at dusk, oil painting --v 7'
  );
  const ui = await page.locator('a', { hasText: 'Temporal Web UI' }).getAttribute('href');
  expect(ui).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(jobs.grid)}`);
  await page.goto(`${t.url}/console/jobs`);
  await expect(page.locator(`[data-job-id="${jobs.grid}"] .quads img`).count()).resolves.toBe(4);
});

test('click U1: one click starts the follow-up job', async () => {
  await page.goto(`${t.url}/console/jobs/${encodeURIComponent(jobs.grid!)}`);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith(encodeURIComponent(jobs.grid!))),
    page.click('button.mj:has-text("Upscale 1")'),
  ]);
  jobs.upscale = jobIdOf(page);
  expect(jobs.upscale).not.toBe(jobs.grid);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  const size = await page.locator('#job-image').evaluate(naturalSize);
  expect(size).toEqual([256, 256]);
  await expect(page.locator('.buttons').textContent()).resolves.toContain('Vary (Region)');
});

test('Vary (Region): drags paint a binary mask at the native size; white exactly where the drags were', async () => {
  await page.goto(`${t.url}/console/jobs/${encodeURIComponent(jobs.upscale!)}`);
  await Promise.all([page.waitForURL(/\/input\?customId=/), page.click('a.button.mj:has-text("Vary (Region)")')]);
  await page.locator('[data-painter][data-ready=true]').waitFor();
  await expect(page.locator('[data-painter]').getAttribute('data-width')).resolves.toBe('256');
  await drag(page, 40, 50, 120, 110); // rectangle tool is the default
  await drag(page, 200, 10, 150, 60); // dragged right to left, bottom to top
  await drag(page, 10, 200, 60, 250); // a third one, undone below
  await page.click('button[data-cmd=undo]');
  await page.click('button[data-cmd=redo]');
  await page.click('button[data-cmd=undo]');
  await page.fill('textarea[name=prompt]', 'a red lantern in the window');
  const before = modalSubmits().length;
  await Promise.all([
    page.waitForURL((u) => /\/console\/jobs\/mj-job-[^/]+$/.test(u.pathname)),
    page.click('button[type=submit].primary'),
  ]);
  const varyJob = jobIdOf(page);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  const modals = modalSubmits().slice(before);
  expect(modals).toHaveLength(1);
  expect(modals[0]!.body.prompt).toBe('a red lantern in the window');
  const png = decodeMask(modals[0]!.body.maskBase64);
  expect([png.width, png.height]).toEqual([256, 256]);
  expectMask(png, [
    [40, 50, 80, 60],
    [150, 10, 50, 50],
  ]);
  expect(varyJob).not.toBe(jobs.upscale);
});

test('painter tools: lasso, brush, eraser, clear, undo of a clear, keyboard shortcuts; an empty mask is not sent', async () => {
  await page.goto(`${t.url}/console/jobs/${encodeURIComponent(jobs.upscale!)}`);
  await Promise.all([page.waitForURL(/\/input\?customId=/), page.click('a.button.mj:has-text("Vary (Region)")')]);
  await page.locator('[data-painter][data-ready=true]').waitFor();
  // Keyboard: l, b, e, r pick the tools (aria-pressed tells which).
  for (const [key, tool] of [
    ['l', 'lasso'],
    ['b', 'brush'],
    ['e', 'erase'],
    ['r', 'rect'],
  ] as const) {
    await page.keyboard.press(key);
    await expect(page.locator(`button[data-tool=${tool}]`).getAttribute('aria-pressed')).resolves.toBe('true');
  }
  await drag(page, 20, 20, 100, 100); // rectangle 20..100
  await page.click('button[data-tool=erase]');
  await drag(page, 20, 60, 100, 60); // a horizontal eraser stroke through its middle
  await page.click('button[data-tool=brush]');
  await drag(page, 150, 200, 240, 200); // a horizontal brush stroke
  await page.click('button[data-tool=lasso]');
  const start = await screenOf(page, 150, 20);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (const [x, y] of [
    [240, 20],
    [240, 110],
    [150, 110],
  ] as const) {
    const at = await screenOf(page, x, y);
    await page.mouse.move(at.x, at.y, { steps: 5 });
  }
  await page.mouse.up(); // a closed lasso: the box 150..240 × 20..110
  await page.fill('textarea[name=prompt]', 'tools');
  const png = await postedMask(page);
  expect([png.width, png.height]).toEqual([256, 256]);
  expectBinary(png);
  expect([px(png, 25, 25), px(png, 95, 95), px(png, 60, 30), px(png, 60, 90)]).toEqual([255, 255, 255, 255]);
  expect([px(png, 60, 60), px(png, 30, 60), px(png, 90, 60)]).toEqual([0, 0, 0]); // erased
  expect([px(png, 160, 200), px(png, 230, 200), px(png, 195, 200)]).toEqual([255, 255, 255]); // brushed
  expect([px(png, 195, 65), px(png, 160, 30), px(png, 230, 100)]).toEqual([255, 255, 255]); // lasso inside
  expect([px(png, 120, 150), px(png, 5, 5), px(png, 250, 250), px(png, 195, 140)]).toEqual([0, 0, 0, 0]);
  // Clear: nothing is posted and the page says why; undo brings the strokes back.
  await page.click('button[data-cmd=clear]');
  let posted = false;
  await page.route('**/input', async (route) => {
    posted = true;
    await route.fulfill({ status: 204 });
  });
  await page.click('button[type=submit].primary');
  await expect(page.locator('[role=alert]').textContent()).resolves.toContain('the mask is all black');
  expect(posted).toBe(false);
  await page.unroute('**/input');
  await page.keyboard.press('Control+Z');
  const back = await postedMask(page);
  expect([px(back, 25, 25), px(back, 60, 60), px(back, 195, 65)]).toEqual([255, 0, 255]);
});

test('Custom Zoom: a prompt form prefilled with the task’s prompt (and a zoom factor)', async () => {
  await page.goto(`${t.url}/console/jobs/${encodeURIComponent(jobs.upscale!)}`);
  await Promise.all([page.waitForURL(/\/input\?customId=/), page.click('a.button.mj:has-text("Custom Zoom")')]);
  await expect(page.locator('textarea[name=prompt]').inputValue()).resolves.toBe(
    'a lighthouse at dusk, oil painting --v 7 --zoom 1.5'
  );
  await expect(page.locator('[data-painter]').count()).resolves.toBe(0);
});

test('the gallery filters by state, mode and text; download and the four split images', async () => {
  const cards = async (query: string): Promise<string[]> => {
    await page.goto(`${t.url}/console/jobs?${query}`);
    return page.locator('.card').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id') ?? ''));
  };
  expect(await cards('state=succeeded')).toContain(jobs.grid);
  expect(await cards('state=failed')).toEqual([]);
  await expect(page.locator('.empty').textContent()).resolves.toContain('No job matches');
  expect(await cards('mode=FAST')).toEqual(expect.arrayContaining([jobs.grid, jobs.upscale]));
  expect(await cards('mode=RELAX')).toEqual([]);
  expect(await cards('q=LIGHTHOUSE&state=succeeded&mode=FAST')).toContain(jobs.grid);
  // The filter form sends the same query.
  await page.goto(`${t.url}/console/jobs`);
  await page.selectOption('select[name=state]', 'failed');
  await Promise.all([page.waitForURL(/state=failed/), page.locator('input[name=q]').press('Enter')]);
  const dl = await page.request.get(`${t.url}/console/jobs/${encodeURIComponent(jobs.grid!)}/download`);
  expect(dl.status()).toBe(200);
  expect(dl.headers()['content-disposition']).toMatch(/^attachment; filename="mj-job-[\w.-]+\.png"$/);
  const whole = PNG.sync.read(await dl.body());
  expect([whole.width, whole.height]).toEqual([512, 512]);
  for (const i of [1, 2, 3, 4]) {
    const q = await page.request.get(`${t.url}/console/jobs/${encodeURIComponent(jobs.grid!)}/image/${i}`);
    const png = PNG.sync.read(await q.body());
    expect([png.width, png.height]).toEqual([256, 256]);
  }
});

test('start with a mode and a reference image; a batch from a prompt list shows each item', async () => {
  await page.goto(`${t.url}/console/start`);
  await page.fill('#imagine-h ~ form textarea[name=prompt]', 'a teapot in the style of the reference');
  await page.selectOption('#imagine-h ~ form select[name=mode]', 'RELAX');
  const ref = new PNG({ width: 8, height: 8 });
  ref.data.fill(200);
  await page.setInputFiles('#imagine-h ~ form input[name=images]', {
    name: 'ref.png',
    mimeType: 'image/png',
    buffer: PNG.sync.write(ref),
  });
  const before = t.proxy.recorded.length;
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-job-/), page.click('#imagine-h ~ form button[type=submit]')]);
  for (let i = 0; i < 40 && t.proxy.recorded.length === before; i++) await new Promise((r) => setTimeout(r, 250));
  const imagine = t.proxy.recorded.slice(before).find((r) => r.path.endsWith('/submit/imagine'))!;
  expect(imagine.body.prompt).toContain('a teapot in the style of the reference');
  expect(imagine.body.base64Array).toEqual([expect.stringMatching(/^data:image\/png;base64,/)]);
  await expect(page.locator('.facts').textContent()).resolves.toContain('RELAX');

  await page.goto(`${t.url}/console/start`);
  await page.fill('#batch-h ~ form textarea[name=prompts]', 'a red fox\na blue whale\n');
  await page.selectOption('#batch-h ~ form select[name=mode]', 'FAST');
  await Promise.all([page.waitForURL(/\/console\/batches\//), page.click('#batch-h ~ form button[type=submit]')]);
  const batchUrl = page.url();
  let done = 0;
  for (let i = 0; i < 90 && done < 2; i++) {
    await page.goto(batchUrl);
    done = await page.locator('[data-item][data-status=succeeded]').count();
    if (done < 2) await new Promise((r) => setTimeout(r, 1000));
  }
  expect(done).toBe(2);
  await expect(page.locator('[data-item]').count()).resolves.toBe(2);
});

test('keyboard: every control of the gallery is reached with Tab, in order, with a visible focus', async () => {
  await page.goto(`${t.url}/console/jobs`);
  const seen: string[] = [];
  for (let i = 0; i < 14; i++) {
    await page.keyboard.press('Tab');
    seen.push(
      await page.evaluate<string>(
        `(() => { const el = document.activeElement; if (!el) return '';
          const label = (el.getAttribute('name') ?? el.textContent ?? '').trim().slice(0, 20);
          return el.tagName.toLowerCase() + ':' + label + ':' + getComputedStyle(el).outlineStyle; })()`
      )
    );
  }
  const names = seen.map((s) => s.split(':').slice(0, 2).join(':'));
  expect(names).toEqual(
    expect.arrayContaining(['a:Jobs', 'a:Inbox', 'a:Start', 'select:state', 'select:mode', 'input:q'])
  );
  expect(names.indexOf('a:Start')).toBeLessThan(names.indexOf('select:state'));
  expect(seen.every((s) => !s.endsWith(':none'))).toBe(true);
});

test('the Temporal Web UI is told what a job is: static summary and current details', async () => {
  const handle = t.env.client.workflow.getHandle(jobs.grid!);
  await expect((await handle.describe()).staticSummary()).resolves.toBe(
    'imagine: a lighthouse at dusk, oil painting --v 7'
  );
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(meta.currentDetails).toContain('**imagine** · FAST · **succeeded**');
  expect(meta.currentDetails).toContain('Prompt: a lighthouse at dusk, oil painting --v 7');
});

test('a job parked for its input (started elsewhere) is in the inbox and answered from its own page', async () => {
  // As the CLI or a backend service would: Vary (Region) without the input, under the tenant's tag.
  const client = new Client({
    connection: t.env.client.connection,
    interceptors: { workflow: [tenantStartInterceptor('acme')] },
  });
  const tagged = new MjJobsClient({ client, store: t.mj.store, taskQueue: t.mj.taskQueue });
  const parked = await tagged.action(jobs.upscale!, 'vary-region', {
    policy: { initialInterval: '500ms', maxInterval: '1s' },
  });
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.goto(`${t.url}/console/inbox`);
    found = (await page.locator('.inbox-item', { hasText: 'Vary (Region)' }).count()) > 0;
    if (!found) await new Promise((r) => setTimeout(r, 500));
  }
  expect(found).toBe(true);
  await expect(page.locator('.inbox-item a.button.primary').getAttribute('href')).resolves.toContain(
    encodeURIComponent(parked.jobId)
  );
  // Answered from the job's own page this time (the inbox links to the same answer form).
  await page.goto(`${t.url}/console/jobs/${encodeURIComponent(parked.jobId)}`);
  await expect(page.locator('#job-live').getAttribute('data-state')).resolves.toBe('waiting');
  await Promise.all([
    page.waitForURL(/\/console\/answer\?target=/),
    page.click('a.button.primary:has-text("Answer now")'),
  ]);
  await expect(page.locator('textarea[name=prompt]').inputValue()).resolves.toBe(
    'a lighthouse at dusk, oil painting --v 7'
  );
  await page.locator('[data-painter][data-ready=true]').waitFor();
  await drag(page, 100, 100, 180, 140);
  await page.fill('textarea[name=prompt]', 'a boat on the sea');
  const before = modalSubmits().length;
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-job-/), page.click('button[type=submit].primary')]);
  expect(jobIdOf(page)).toBe(parked.jobId);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  const modal = modalSubmits().slice(before);
  expect(modal).toHaveLength(1);
  expect(modal[0]!.body.prompt).toBe('a boat on the sea');
  expectMask(decodeMask(modal[0]!.body.maskBase64), [[100, 100, 80, 40]]);
});

test('a form post without the CSRF token is refused; with it, it is accepted', async () => {
  await page.goto(`${t.url}/console/start`);
  const csrf = await page.locator('#imagine-h ~ form input[name=_csrf]').getAttribute('value');
  const submitsBefore = t.sim.stats().requests.filter((r) => r.path.endsWith('/submit/imagine')).length;
  const without = await page.request.post(`${t.url}/console/start/imagine`, {
    form: { prompt: 'no token' },
    maxRedirects: 0,
  });
  expect(without.status()).toBe(403);
  const wrong = await page.request.post(`${t.url}/console/start/imagine`, {
    form: { prompt: 'wrong token', _csrf: 'x'.repeat(32) },
    maxRedirects: 0,
  });
  expect(wrong.status()).toBe(403);
  const right = await page.request.post(`${t.url}/console/start/imagine`, {
    form: { prompt: 'with the token', _csrf: csrf! },
    maxRedirects: 0,
  });
  expect(right.status()).toBe(303);
  expect(right.headers().location).toMatch(/\/console\/jobs\/mj-job-/);
  await new Promise((r) => setTimeout(r, 1500));
  const submits = t.sim.stats().requests.filter((r) => r.path.endsWith('/submit/imagine')).length;
  expect(submits).toBe(submitsBefore + 1);
});

test('a second tenant cannot open the first tenant’s job: answered exactly like a job that never existed', async () => {
  const other = await t.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const p = await other.newPage();
  await signIn(p, KEYS.globex);
  const theirs = await p.goto(`${t.url}/console/jobs/${encodeURIComponent(jobs.grid!)}`);
  const theirsBody = await p.content();
  const none = await p.goto(`${t.url}/console/jobs/mj-job-does-not-exist`);
  const noneBody = await p.content();
  expect(theirs!.status()).toBe(404);
  expect(none!.status()).toBe(404);
  expect(theirsBody).toBe(noneBody);
  const img = await p.request.get(`${t.url}/console/jobs/${encodeURIComponent(jobs.grid!)}/image/0`);
  expect(img.status()).toBe(404);
  await p.goto(`${t.url}/console/jobs`);
  await expect(p.locator('.empty').textContent()).resolves.toContain('No jobs yet');
  await other.close();
});

test('answer a pipeline step from the inbox; the pipeline goes on', async () => {
  await page.goto(`${t.url}/console/start`);
  await page.selectOption('#pipeline-h ~ form select[name=example]', 'cat-pipeline.json');
  await Promise.all([page.waitForURL(/\/console\/pipelines\//), page.click('#pipeline-h ~ form button[type=submit]')]);
  const pipelineId = jobIdOf(page);
  let found = false;
  for (let i = 0; i < 90 && !found; i++) {
    await page.goto(`${t.url}/console/inbox`);
    found = (await page.locator('.inbox-item', { hasText: 'cat · region · U2' }).count()) > 0;
    if (!found) await new Promise((r) => setTimeout(r, 1000));
  }
  expect(found).toBe(true);
  // The pipeline's own page offers the same answer on the waiting branch.
  await page.goto(`${t.url}/console/pipelines/${encodeURIComponent(pipelineId)}`);
  const onPage = page.locator('[data-branch="region/U2"][data-status=waiting-input] a.button.primary');
  await expect(onPage.getAttribute('href')).resolves.toMatch(/\/console\/answer\?target=.*&step=region&branch=U2$/);
  await page.goto(`${t.url}/console/inbox`);
  await Promise.all([
    page.waitForURL(/\/console\/answer\?/),
    page.locator('.inbox-item', { hasText: 'cat · region · U2' }).locator('a.button.primary').click(),
  ]);
  await page.locator('[data-painter][data-ready=true]').waitFor();
  // Prefilled with the prompt of the upscale it repaints (the required field was empty once, so nothing posted).
  await expect(page.locator('textarea[name=prompt]').inputValue()).resolves.toBe('a cute cat --v 7');
  await page.click('button[data-tool=lasso]');
  await page.click('button[data-tool=rect]');
  await drag(page, 20, 20, 100, 90);
  const before = modalSubmits().length;
  await Promise.all([page.waitForURL(/\/console\/pipelines\//), page.click('button[type=submit].primary')]);
  expect(jobIdOf(page)).toBe(pipelineId);
  for (let i = 0; i < 90 && modalSubmits().length === before; i++) await new Promise((r) => setTimeout(r, 500));
  const png = decodeMask(modalSubmits()[before]!.body.maskBase64);
  expect([png.width, png.height]).toEqual([256, 256]);
  expectMask(png, [[20, 20, 80, 70]]);
  await page.goto(`${t.url}/console/inbox`);
  await expect(page.locator('.empty').textContent()).resolves.toContain('Nothing waits');
  await page.goto(`${t.url}/console/pipelines/${encodeURIComponent(pipelineId)}`);
  await page.locator('[data-branch="region/U2"]').waitFor();
});

test('the gallery at 390 px: filters and cards fit the screen', async () => {
  const narrow = await t.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const p = await narrow.newPage();
  await signIn(p, KEYS.acme);
  const width = await p.evaluate('document.documentElement.scrollWidth');
  expect(width).toBeLessThanOrEqual(390);
  await p.goto(`${t.url}/console/jobs?q=lighthouse`);
  await expect(p.locator('.card').count()).resolves.toBeGreaterThanOrEqual(1);
  await p.goto(`${t.url}/console/jobs?q=no-such-prompt-anywhere`);
  await expect(p.locator('.empty').textContent()).resolves.toContain('No job matches');
  await narrow.close();
  await page.goto(`${t.url}/console/jobs`);
});

test('the spend page shows what the cost ledger charged the tenant, today and in all, and its budget', async () => {
  await t.mj.cost.setBudgets([{ scope: 'tenant', id: 'acme', limit: 1, period: 'day', onExceed: 'refuse' }]);
  const recorder = createLedgerRecorder({ client: t.env.client, taskQueue: t.mj.taskQueue });
  for (const [n, tenant] of [
    [1, 'acme'],
    [2, 'acme'],
    [3, 'globex'],
  ] as const) {
    await recorder.charge({
      key: `console-spend-${n}`,
      jobId: `mj-job-console-spend-${n}`,
      upstreamId: 'sim',
      upstreamTaskId: `t${n}`,
      action: 'IMAGINE',
      mode: 'FAST',
      price: 0.07,
      currency: 'USD',
      at: Date.now(),
      tenant,
    });
  }
  await page.goto(`${t.url}/console/spend`);
  await expect(page.locator('[data-field=spend-total]').textContent()).resolves.toMatch(/0\.14 USD\s*\(2 tasks\)/);
  await expect(page.locator('[data-field=spend-today]').textContent()).resolves.toContain('0.14 USD');
  await expect(page.locator('[data-budget="tenant:acme/day"]').textContent()).resolves.toMatch(/0\.14 of 1 USD/);
  await expect(page.locator('nav a[aria-current=page]').textContent()).resolves.toBe('Spend');
});
