/**
 * `npm run screenshots:console`: the console's main pages as PNGs under docs/screenshots, taken from the real local
 * stack (what `npm start` runs: Temporal dev server, simulator, worker, webhook receiver, gateway) with the console
 * mounted in the gateway, driven by Debian's chromium through playwright-core. Every run starts from an empty data
 * directory, so the pictures show the same story: an imagine, its U1, a Vary (Region) being painted, a pipeline
 * step waiting in the inbox, and the narrow (390 px) gallery.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startStack } from '../src/cli/start';
import { createLogger } from '../src/logger';
import { launchChromium } from '../test/browser/helpers/chromium';
import { freeStackEnv } from '../test/helpers/start-process';

const OUT = path.resolve(__dirname, '..', 'docs', 'screenshots');

async function shot(p: Page, name: string): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  process.stdout.write(`  ${path.relative(process.cwd(), file)}\n`);
}

/** A mouse drag over the painter's canvas, in image pixels (the painter is shown at any zoom). */
async function drag(p: Page, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  const canvas = p.locator('[data-painter-canvas]');
  const box = (await canvas.boundingBox())!;
  const scale = box.width / (await canvas.evaluate((c) => (c as unknown as { width: number }).width));
  await p.mouse.move(box.x + x0 * scale, box.y + y0 * scale);
  await p.mouse.down();
  await p.mouse.move(box.x + x1 * scale, box.y + y1 * scale, { steps: 6 });
  await p.mouse.up();
}

async function until(what: string, check: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function story(browser: Browser, url: string, apiKey: string): Promise<void> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(`${url}/sign-in`);
  await shot(page, 'sign-in');
  await page.fill('input[name=apiKey]', apiKey);
  await Promise.all([page.waitForURL(/\/console\/jobs$/), page.click('button[type=submit]')]);

  await page.goto(`${url}/start`);
  await shot(page, 'start');
  await page.fill('#imagine-h ~ form textarea[name=prompt]', 'a lighthouse at dusk, oil painting');
  await page.selectOption('#imagine-h ~ form select[name=version]', '--v 7');
  await Promise.all([page.waitForURL(/\/console\/jobs\/.+/), page.click('#imagine-h ~ form button[type=submit]')]);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 90_000 });
  await shot(page, 'job-grid');

  const gridPath = new URL(page.url()).pathname;
  await Promise.all([page.waitForURL((u) => u.pathname !== gridPath), page.click('button.mj:has-text("Upscale 1")')]);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 90_000 });
  await shot(page, 'job-buttons');

  await Promise.all([page.waitForURL(/\/input\?customId=/), page.click('a.button.mj:has-text("Vary (Region)")')]);
  await page.locator('[data-painter][data-ready=true]').waitFor();
  await drag(page, 60, 70, 170, 150);
  await page.click('button[data-tool=brush]');
  await drag(page, 190, 40, 230, 90);
  await page.fill('textarea[name=prompt]', 'a red lantern in the window');
  await shot(page, 'mask-painter');

  await page.goto(`${url}/start`);
  await page.selectOption('#pipeline-h ~ form select[name=example]', 'cat-pipeline.json');
  await Promise.all([page.waitForURL(/\/console\/pipelines\//), page.click('#pipeline-h ~ form button[type=submit]')]);
  const pipelineUrl = page.url();
  await until('the pipeline step in the inbox', async () => {
    await page.goto(`${url}/inbox`);
    return (await page.locator('.inbox-item', { hasText: 'region' }).count()) > 0;
  });
  await shot(page, 'inbox');
  await page.goto(pipelineUrl);
  await until('the zoom branches', async () => {
    await page.goto(pipelineUrl);
    return (await page.locator('[data-branch^="zoom/"][data-status=succeeded]').count()) === 4;
  });
  await shot(page, 'pipeline');

  await page.goto(`${url}/jobs`);
  await shot(page, 'jobs');
  await ctx.close();

  const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const p = await narrow.newPage();
  await p.goto(`${url}/sign-in`);
  await p.fill('input[name=apiKey]', apiKey);
  await Promise.all([p.waitForURL(/\/console\/jobs$/), p.click('button[type=submit]')]);
  await shot(p, 'jobs-390');
  await narrow.close();
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mj-console-shots-'));
  const env = await freeStackEnv(dataDir);

  const stack = await startStack(
    env,
    createLogger({ level: 'warn', name: 'console-shots', destination: process.stderr }),
    {
      console: { liveIntervalMs: 300 },
    }
  );
  let browser: Browser | undefined;
  try {
    const url = stack.endpoints.console!.url;
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    process.stdout.write(`console at ${url}; writing ${OUT}\n`);
    await story(browser, url, stack.endpoints.gateway.apiKey);
  } finally {
    await browser?.close().catch(() => undefined);
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
);
