/**
 * The console as a person uses it, in Chromium against a real Temporal dev server, the simulator and a worker: jobs
 * told apart by kind, prompt and thumbnail; no workflow ids in titles; lineage links both ways; one vocabulary (the
 * intent catalogue's labels); "Started" on finished jobs; a cost that says why it is not known; the painter fitted
 * to the screen and zoomed with the mask exact at the image's own pixels; sign-in honouring a safe `next`; a
 * favicon and one tab stop for brand and Jobs; and axe-core with no serious or critical violation on every page.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { followUpRequest } from '../../src/job-start/follow-up';
import { startJobWorkflow } from '../../src/job-start/start-job-workflow';
import { MJ_PARENT_JOB, MJ_TASK_ID } from '../../src/shared/search-attributes';
import { KEYS, startConsoleEnv, type ConsoleEnv } from './helpers/console-env';

jest.setTimeout(180_000);

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FOX = 'a red fox in fresh snow, golden hour';
const WOLF = 'a grey wolf under the northern lights';

let t: ConsoleEnv;
let ctx: BrowserContext;
let page: Page;
const ids: { fox?: string; wolf?: string; upscale?: string; parked?: string; batch?: string } = {};

const enc = encodeURIComponent;
const jobUrl = (id: string): string => `${t.url}/console/jobs/${enc(id)}`;
const jobIdOf = (p: Page): string => decodeURIComponent(new URL(p.url()).pathname.split('/').pop()!);

async function signIn(p: Page, key: string, landing = /\/console\/jobs$/): Promise<void> {
  await p.fill('input[name=apiKey]', key);
  await Promise.all([p.waitForURL(landing), p.click('button[type=submit]')]);
}

async function imagine(prompt: string): Promise<string> {
  await page.goto(`${t.url}/console/start`);
  await page.fill('#imagine-h ~ form textarea[name=prompt]', prompt);
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-job-/), page.click('#imagine-h ~ form button[type=submit]')]);
  const id = jobIdOf(page);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  return id;
}

/** axe-core in the page: the serious and critical violations, as `rule: target` lines. */
async function axeViolations(p: Page): Promise<string[]> {
  await p.evaluate(AXE_SOURCE);
  const found = await p.evaluate<{ id: string; impact: string | null; nodes: { target: unknown[] }[] }[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))`
  );
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)}`));
}

/** The painter's canvas point (in display pixels) at the centre of image pixel (x, y), whatever the zoom. */
async function screenOf(p: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const canvas = p.locator('[data-painter-canvas]');
  const box = (await canvas.boundingBox())!;
  const width = await canvas.evaluate((c) => (c as unknown as { width: number }).width);
  const scale = box.width / width;
  return { x: box.x + (x + 0.5) * scale, y: box.y + (y + 0.5) * scale };
}

async function dragImage(p: Page, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  const a = await screenOf(p, x0, y0);
  const b = await screenOf(p, x1, y1);
  await p.mouse.move(a.x, a.y);
  await p.mouse.down();
  await p.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await p.mouse.move(b.x, b.y, { steps: 4 });
  await p.mouse.up();
}

/** The mask the painter form would post, caught before it leaves the page. */
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
  expect(m).not.toBeNull();
  return PNG.sync.read(Buffer.from(m![1]!.split(',')[1]!, 'base64'));
}

/** The white pixels of a binary mask are exactly the rectangle (x, y, w, h). */
function expectRect(png: PNG, [rx, ry, rw, rh]: [number, number, number, number]): void {
  let wrong = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const white = png.data[(y * png.width + x) * 4] === 255;
      if (white !== (x >= rx && x < rx + rw && y >= ry && y < ry + rh)) wrong++;
    }
  }
  expect(wrong).toBe(0);
}

/**
 * The page's words without its identifiers: ids are shown in `<code>` (the "Job id" row), and a paid-once press's id
 * ends in its intent's text (`….press.U1`), which is a name, not the page's vocabulary.
 */
const wordsText = (p: Page): Promise<string> =>
  p.evaluate(`(() => {
    document.querySelectorAll('code').forEach((e) => { e.style.display = 'none'; });
    return document.body.innerText;
  })()`) as Promise<string>;

beforeAll(async () => {
  t = await startConsoleEnv(__filename);
  ctx = await t.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await ctx.newPage();
});

afterAll(async () => {
  await t?.close();
});

test('sign-in goes on to a same-origin `next`, and to the jobs for any other', async () => {
  await page.goto(`${t.url}/console/spend`);
  await page.waitForURL(/\/console\/sign-in\?next=/);
  await signIn(page, KEYS.acme, /\/console\/spend$/);
  await expect(page.locator('h1').textContent()).resolves.toBe('Spend');
  for (const evil of [
    '//evil.example/console/jobs',
    'https://evil.example/console/jobs',
    '/console\\/evil.example',
    'javascript:alert(1)//console/jobs',
  ]) {
    const other = await t.browser.newContext();
    const p = await other.newPage();
    await p.goto(`${t.url}/console/sign-in?next=${enc(evil)}`);
    await signIn(p, KEYS.acme, /\/console\/jobs$/);
    expect(new URL(p.url()).host).toBe(new URL(t.url).host);
    await other.close();
  }
});

test('a favicon on every page, and brand and Jobs are one tab stop', async () => {
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await page.goto(`${t.url}/console/jobs`);
  const icon = await page.locator('link[rel=icon]').getAttribute('href');
  const res = await page.request.get(`${t.url}${icon}`);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('image/svg+xml');
  const stops: string[] = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    stops.push(await page.evaluate(`document.activeElement.getAttribute('href') || document.activeElement.tagName`));
  }
  expect(stops.filter((h) => h === '/console/jobs')).toHaveLength(1);
  expect(missing).toEqual([]);
});

test('jobs told apart: each card and heading has its kind, its prompt (an action its root’s) and an image', async () => {
  ids.fox = await imagine(FOX);
  ids.wolf = await imagine(WOLF);
  await page.goto(jobUrl(ids.fox));
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith(enc(ids.fox!))),
    page.click('button.mj:has-text("Upscale 1")'),
  ]);
  ids.upscale = jobIdOf(page);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });
  await expect(page.locator('h1.title').innerText()).resolves.toBe(`Upscale 1 · ${FOX}`);
  expect(await page.title()).not.toContain('mj-job-');

  await page.goto(`${t.url}/console/jobs`);
  const card = page.locator(`.card[data-job-id="${ids.upscale}"]`);
  await expect(card.locator('h3').innerText()).resolves.toBe(`Upscale 1\n${FOX}`);
  await expect(card.locator('.thumb img').count()).resolves.toBe(1);
  for (const [id, prompt] of [
    [ids.fox, FOX],
    [ids.wolf, WOLF],
  ] as const) {
    const c = page.locator(`.card[data-job-id="${id}"]`);
    await expect(c.locator('h3').innerText()).resolves.toBe(`Imagine\n${prompt}`);
    await expect(c.locator('.thumb img').getAttribute('src')).resolves.toContain(enc(id));
  }
});

test('a MODAL job started through the proxy API (no lineage) shows its prompt, image and parent', async () => {
  // As the gateway starts a press: a follow-up on the parent's upstream task, tagged with the tenant, no lineage.
  const upscale = await t.env.client.workflow.getHandle(ids.upscale!).describe();
  const taskId = upscale.typedSearchAttributes.get(MJ_TASK_ID)!;
  ids.parked = 'mj-job-proxy-started-1';
  await startJobWorkflow({
    client: t.env.client,
    taskQueue: t.mj.taskQueue,
    workflowId: ids.parked,
    input: {
      request: followUpRequest({ taskId }, { kind: 'vary-region' }),
      policy: { initialInterval: '500ms', maxInterval: '1s' },
    },
    modeAttribute: 'FAST',
    tenant: 'acme',
  });
  let waiting = false;
  for (let i = 0; i < 60 && !waiting; i++) {
    await page.goto(jobUrl(ids.parked));
    waiting = (await page.locator('#job-live').getAttribute('data-state')) === 'waiting';
    if (!waiting) await new Promise((r) => setTimeout(r, 500));
  }
  expect(waiting).toBe(true);
  await expect(page.locator('h1.title').innerText()).resolves.toBe(`Vary (Region) · ${FOX}`);
  await expect(page.locator('#job-image').getAttribute('src')).resolves.toContain(enc(ids.upscale!));
  await expect(page.locator('[data-rel=parent]').getAttribute('data-job-id')).resolves.toBe(ids.upscale);
  await page.goto(`${t.url}/console/jobs`);
  const card = page.locator(`.card[data-job-id="${ids.parked}"]`);
  await expect(card.locator('h3').innerText()).resolves.toBe(`Vary (Region)\n${FOX}`);
  await expect(card.locator('.thumb img').getAttribute('src')).resolves.toContain(enc(ids.upscale!));
  await page.goto(`${t.url}/console/inbox`);
  const item = page.locator('.inbox-item', { hasText: 'Vary (Region)' });
  await expect(item.locator('h3').innerText()).resolves.toBe(`Vary (Region) · ${FOX}`);
  await expect(item.locator('img').getAttribute('src')).resolves.toContain(enc(ids.upscale!));
});

test('lineage both ways: parent, children, and the batch a job belongs to', async () => {
  // The console's press recorded its parent (lineage and the MjParentJob search attribute).
  const upscale = await t.env.client.workflow.getHandle(ids.upscale!).describe();
  expect(upscale.typedSearchAttributes.get(MJ_PARENT_JOB)).toBe(ids.fox);
  await page.goto(jobUrl(ids.upscale!));
  const parent = page.locator('.lineage [data-rel=parent]');
  await expect(parent.getAttribute('data-job-id')).resolves.toBe(ids.fox);
  await Promise.all([page.waitForURL((u) => u.pathname.endsWith(enc(ids.fox!))), parent.locator('a').click()]);
  const child = page.locator(`.lineage [data-rel=child][data-job-id="${ids.upscale}"]`);
  await expect(child.innerText()).resolves.toContain('Upscale 1');
  await expect(page.locator(`.lineage [data-rel=child]`).count()).resolves.toBe(1);

  await page.goto(`${t.url}/console/start`);
  await page.fill('#batch-h ~ form textarea[name=prompts]', 'a snow owl\n');
  await Promise.all([page.waitForURL(/\/console\/batches\//), page.click('#batch-h ~ form button[type=submit]')]);
  ids.batch = jobIdOf(page);
  await expect(page.locator('h1').innerText()).resolves.toBe('Batch of 1 prompt');
  let item = '';
  for (let i = 0; i < 60 && !item; i++) {
    await page.goto(`${t.url}/console/batches/${enc(ids.batch)}`);
    item =
      (await page
        .locator('[data-item] h3 a')
        .first()
        .getAttribute('href')
        .catch(() => null)) ?? '';
    if (!item) await new Promise((r) => setTimeout(r, 500));
  }
  await page.goto(`${t.url}${item}`);
  await expect(page.locator('.lineage [data-rel=batch] a').getAttribute('href')).resolves.toBe(
    `/console/batches/${enc(ids.batch)}`
  );
});

test('one vocabulary: the catalogue’s labels, never IMAGINE, U1 · U1 or vary-region', async () => {
  const pages = [
    `${t.url}/console/jobs`,
    jobUrl(ids.fox!),
    jobUrl(ids.upscale!),
    jobUrl(ids.parked!),
    `${t.url}/console/inbox`,
  ];
  for (const url of pages) {
    await page.goto(url);
    const text = await wordsText(page);
    expect({ url, mixed: text.match(/\bIMAGINE\b|\bUPSCALE\b|\bU1\b|vary-region|\bU1 · U1\b/g) }).toEqual({
      url,
      mixed: null,
    });
  }
  await page.goto(jobUrl(ids.fox!));
  await expect(page.locator('.buttons').innerText()).resolves.toContain('Vary 1');
  await expect(page.locator('tr:has(th:text-is("Kind")) td').innerText()).resolves.toBe('Imagine');
});

test('a finished job shows when it started, and why its cost is not known', async () => {
  await page.goto(jobUrl(ids.upscale!));
  const started = page.locator('tr:has(th:text-is("Started")) td');
  await expect(started.locator('time').count()).resolves.toBe(1);
  const cost = await page.locator('tr:has(th:text-is("Cost")) td').innerText();
  expect(cost).toContain('not known');
  expect(cost).toContain('MJ_UPSTREAMS');
  expect(cost).toContain('docs/ledger.md');
  await page.goto(`${t.url}/console/spend`);
  await expect(page.locator('[data-field=spend-why]').innerText()).resolves.toContain('prices');
});

test('the painter fits the image to the screen, zooms, shows the brush size, and the mask stays exact', async () => {
  await page.goto(jobUrl(ids.upscale!));
  await Promise.all([page.waitForURL(/\/input\?customId=/), page.click('a.button.mj:has-text("Vary (Region)")')]);
  expect(await page.title()).not.toContain('mj-job-');
  await expect(page.locator('h1').innerText()).resolves.toBe(`Vary (Region) · ${FOX}`);
  await page.locator('[data-painter][data-ready=true]').waitFor();
  const canvas = page.locator('[data-painter-canvas]');
  const fitted = (await canvas.boundingBox())!;
  const viewport = (await page.locator('[data-painter-viewport]').boundingBox())!;
  // A 256-px upscale on a 1280 × 900 window: fitted, it is far larger than its own size, and fully visible.
  expect(fitted.width).toBeGreaterThan(256 * 2);
  expect(fitted.width).toBeLessThanOrEqual(viewport.width);
  expect(fitted.height).toBeLessThanOrEqual(900);
  await expect(page.locator('[data-zoom-value]').innerText()).resolves.toMatch(/^\d+% \(fit\)$/);

  await expect(page.locator('[data-brush-value]').innerText()).resolves.toBe('32 px');
  await page.keyboard.press(']');
  await expect(page.locator('[data-brush-value]').innerText()).resolves.toBe('40 px');
  await page.keyboard.press('[');
  await expect(page.locator('[data-brush-value]').innerText()).resolves.toBe('32 px');

  await dragImage(page, 30, 40, 130, 90); // at the fitted zoom
  await page.keyboard.press('1');
  await expect(page.locator('[data-zoom-value]').innerText()).resolves.toBe('100%');
  expect(Math.round((await canvas.boundingBox())!.width)).toBe(256);
  await page.keyboard.press('+');
  await expect(page.locator('[data-zoom-value]').innerText()).resolves.toBe('125%');
  await page.click('button[data-cmd=zoom-in]');
  await expect(page.locator('[data-zoom-value]').innerText()).resolves.toBe('150%');
  await page.keyboard.press('Control+Z');
  await dragImage(page, 60, 100, 200, 220); // at 150 %
  await page.keyboard.press('0');
  await expect(page.locator('[data-zoom-value]').innerText()).resolves.toMatch(/\(fit\)$/);
  await page.fill('textarea[name=prompt]', 'a lantern');
  const png = await postedMask(page);
  expect([png.width, png.height]).toEqual([256, 256]);
  expectRect(png, [60, 100, 140, 120]);
});

test('axe-core: no serious or critical violation on any console page', async () => {
  const anon = await t.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const signInPage = await anon.newPage();
  await signInPage.goto(`${t.url}/console/sign-in`);
  const found: Record<string, string[]> = { 'sign-in': await axeViolations(signInPage) };
  await anon.close();
  const fox = ids.fox!;
  const upscaleButton = await (async () => {
    await page.goto(jobUrl(ids.upscale!));
    return page.locator('a.button.mj:has-text("Vary (Region)")').getAttribute('href');
  })();
  await page.goto(`${t.url}/console/start`);
  await page.selectOption('#pipeline-h ~ form select[name=example]', 'cat-pipeline.json');
  await Promise.all([page.waitForURL(/\/console\/pipelines\//), page.click('#pipeline-h ~ form button[type=submit]')]);
  const pipeline = page.url();
  const pages: Record<string, string> = {
    pipeline,
    jobs: `${t.url}/console/jobs`,
    'jobs filtered empty': `${t.url}/console/jobs?q=nothing-matches-this`,
    grid: jobUrl(fox),
    upscale: jobUrl(ids.upscale!),
    'waiting job': jobUrl(ids.parked!),
    painter: `${t.url}${upscaleButton}`,
    answer: `${t.url}/console/answer?target=${enc(ids.parked!)}`,
    inbox: `${t.url}/console/inbox`,
    start: `${t.url}/console/start`,
    spend: `${t.url}/console/spend`,
    batch: `${t.url}/console/batches/${enc(ids.batch!)}`,
    'not found': `${t.url}/console/jobs/mj-job-none`,
  };
  for (const [name, url] of Object.entries(pages)) {
    await page.goto(url);
    if (name === 'painter' || name === 'answer') await page.locator('[data-painter][data-ready=true]').waitFor();
    found[name] = await axeViolations(page);
  }
  const narrow = await t.browser.newContext({ viewport: { width: 390, height: 844 } });
  const p = await narrow.newPage();
  await p.goto(`${t.url}/console/sign-in`);
  await signIn(p, KEYS.acme);
  found['jobs at 390 px'] = await axeViolations(p);
  await narrow.close();
  expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length > 0))).toEqual({});
});
