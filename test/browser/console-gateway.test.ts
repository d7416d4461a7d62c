/**
 * The console mounted in the real gateway: signed in with a key from the gateway's tenant directory, it shows a
 * job submitted through the midjourney-proxy API, presses its U1, shows a Vary (Region) pressed through the API
 * (parked in MODAL, no lineage) with its prompt, its parent's image and its parent, and a revoked key ends the session.
 */
import type { Browser } from 'playwright-core';
import { mountConsole } from '../../src/console';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';
import { launchChromium } from './helpers/chromium';

jest.setTimeout(120_000);

let stack: GatewayStack;
let browser: Browser;
let consoleUrl: string;

beforeAll(async () => {
  stack = await startGatewayStack();
  consoleUrl = mountConsole(stack.gateway, { liveIntervalMs: 300, keyRecheckMs: 0 }).url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a job submitted through the API shows in the console; U1 from the console; revoking the key signs out', async () => {
  const { apiKey, keyId } = await stack.gateway.tenants.createKey('acme');
  const submit = await call(stack, 'POST', '/mj/submit/imagine', { key: apiKey, body: { prompt: 'a paper crane' } });
  expect(submit.json.code).toBe(1);
  const taskId = submit.json.result as string;
  await waitForStatus(stack, apiKey, taskId, ['SUCCESS']);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(`${consoleUrl}/sign-in`);
  await page.fill('input[name=apiKey]', apiKey);
  await Promise.all([page.waitForURL(/\/console\/jobs$/), page.click('button[type=submit]')]);
  const card = page.locator('.card', { hasText: 'a paper crane' });
  await expect(card.count()).resolves.toBe(1);
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-gw-acme-/), card.locator('h3 a').click()]);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 30_000 });
  // The press opens the new job's page (its id may contain the grid's: a paid-once press is `<grid>.press.U1`).
  const gridPath = new URL(page.url()).pathname;
  await Promise.all([page.waitForURL((u) => u.pathname !== gridPath), page.click('button.mj:has-text("Upscale 1")')]);
  await page.locator('#job-live[data-state=succeeded]').waitFor({ timeout: 60_000 });

  // Through the proxy API: U1 on the grid, then Vary (Region) on that upscale; it parks in MODAL, waiting for a person.
  const grid = await waitForStatus(stack, apiKey, taskId, ['SUCCESS']);
  const u1 = grid.buttons.find((b: { label: string }) => b.label === 'U1');
  const upTask = (
    await call(stack, 'POST', '/mj/submit/action', { key: apiKey, body: { taskId, customId: u1.customId } })
  ).json.result as string;
  const up = await waitForStatus(stack, apiKey, upTask, ['SUCCESS']);
  const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::1'));
  const act = await call(stack, 'POST', '/mj/submit/action', {
    key: apiKey,
    body: { taskId: upTask, customId: region.customId },
  });
  expect(act.json.code).toBe(21);
  const upscaleJob = `mj-gw-acme-${upTask}`;
  await page.goto(`${consoleUrl}/jobs`);
  const parked = page.locator('.card[data-state=waiting]', { hasText: 'Vary (Region)' });
  await expect(parked.locator('h3').innerText()).resolves.toBe('Vary (Region)\na paper crane');
  await expect(parked.locator('.thumb img').getAttribute('src')).resolves.toContain(encodeURIComponent(upscaleJob));
  await Promise.all([page.waitForURL(/\/console\/jobs\/mj-gw-acme-/), parked.locator('h3 a').click()]);
  await expect(page.locator('h1.title').innerText()).resolves.toBe('Vary (Region) · a paper crane');
  await expect(page.locator('.lineage [data-rel=parent]').getAttribute('data-job-id')).resolves.toBe(upscaleJob);

  await stack.gateway.tenants.revokeKey(keyId);
  let signedOut = false;
  for (let i = 0; i < 40 && !signedOut; i++) {
    await page.goto(`${consoleUrl}/jobs`);
    signedOut = /\/console\/sign-in/.test(page.url());
    if (!signedOut) await new Promise((r) => setTimeout(r, 250));
  }
  expect(signedOut).toBe(true);
  await ctx.close();
});
