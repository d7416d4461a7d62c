/**
 * Our image and upload URLs, and the console's sessions, on a real stack (dev server, simulator, job worker,
 * gateway with the console mounted) over loopback HTTP. URLs: they expire, are bound to tenant and task (or input),
 * end when a key of the tenant is revoked, and an upload's URL names no content hash. Console: `__Host-` cookies
 * when the public URL is https, a sign-out that ends the session on every process (a second mount with fresh
 * caches stands for another process or a restart), a revoked key that ends the session, flash notices by id only.
 * Expired grants are made with the deployment secret and a clock in the past, so no test waits for time to pass.
 */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { mountConsole } from '../../src/console';
import { UrlSigner } from '../../src/gateway/tasks/image-urls';
import { call, startGatewayStack, waitForStatus, type GatewayStack, type Reply } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

const DAY_MS = 24 * 3600_000;
let stack: GatewayStack;
let key: string;
let taskId: string;

function pngBytes(): Buffer {
  const p = new PNG({ width: 3, height: 5 });
  p.data.fill(90);
  return PNG.sync.write(p);
}

function setCookies(r: Reply): string[] {
  const v = r.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Path and query of an absolute URL we handed out (the public base is not this loopback server). */
function local(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

async function fetchTask(k = key): Promise<Reply['json']> {
  return (await call(stack, 'GET', `/mj/task/${taskId}/fetch`, { key: k })).json;
}

/** A signer with the gateway's secret whose clock is `agoMs` behind: its grants expired that long ago (less a day). */
function signerAgo(agoMs: number): UrlSigner {
  return new UrlSigner(stack.gateway.options.secret, { ttlMs: DAY_MS, now: () => Date.now() - agoMs });
}

beforeAll(async () => {
  stack = await startGatewayStack({ gateway: { publicBaseUrl: 'https://mj.example.test' } });
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
  await stack.gateway.tenants.createKey('globex');
  const r = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt: 'a signed lighthouse' } });
  taskId = r.json.result;
  await waitForStatus(stack, key, taskId, ['SUCCESS']);
});
afterAll(async () => stack?.stop());

describe('image URLs', () => {
  test('carry a grant that lives the configured day, and serve the stored copy without a key', async () => {
    const t = await fetchTask();
    const url = new URL(t.imageUrl);
    expect(url.origin).toBe('https://mj.example.test');
    const grant = stack.gateway.app.urls.openImage(url.searchParams.get('t') ?? undefined, taskId);
    expect(grant).toMatchObject({ tenant: 'acme', gen: 0 });
    expect(grant!.exp * 1000 - Date.now()).toBeGreaterThan(DAY_MS - 60_000);
    expect(grant!.exp * 1000 - Date.now()).toBeLessThanOrEqual(DAY_MS + 3600_000);
    const img = await call(stack, 'GET', local(t.imageUrl));
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toMatch(/^image\//);
    const maxAge = Number(/max-age=(\d+)/.exec(String(img.headers['cache-control']))?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(86_400);
    // The same URL on the next read: clients cache by URL.
    expect((await fetchTask()).imageUrl).toBe(t.imageUrl);
  });

  test('an expired grant, another task’s grant and another tenant’s grant are the 404 of no task', async () => {
    const none = await call(stack, 'GET', `/mj/image/${taskId}`);
    expect(none.status).toBe(404);
    const expired = await call(stack, 'GET', signerAgo(DAY_MS + 2 * 3600_000).imagePath('acme', 0, taskId, 0));
    expect(expired.status).toBe(404);
    expect(expired.text).toBe(none.text);
    // The same signer an hour back still works: only the expiry refused it.
    expect((await call(stack, 'GET', signerAgo(3600_000).imagePath('acme', 0, taskId, 0))).status).toBe(200);
    const grant = new URL((await fetchTask()).imageUrl).searchParams.get('t')!;
    expect((await call(stack, 'GET', `/mj/image/1234567890123456?t=${grant}`)).status).toBe(404);
    expect((await call(stack, 'GET', stack.gateway.app.urls.imagePath('globex', 0, taskId, 0))).status).toBe(404);
  });
});

describe('upload URLs', () => {
  test('serve the upload under a grant and never name its content hash; the bare key is not served', async () => {
    const bytes = pngBytes();
    const sha = createHash('sha256').update(bytes).digest('hex');
    const r = await call(stack, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [`data:image/png;base64,${bytes.toString('base64')}`] },
    });
    expect(r.json.code).toBe(1);
    const url: string = r.json.result[0];
    expect(url).toMatch(/^https:\/\/mj\.example\.test\/mj\/upload\/[\w-]+\.png$/);
    expect(url).not.toContain(sha);
    const got = await call(stack, 'GET', local(url));
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(await stack.gateway.app.store.has(`inputs/${sha}.png`)).toBe(true);
    expect((await call(stack, 'GET', `/mj/upload/inputs/${sha}.png`)).status).toBe(404);
    expect((await call(stack, 'GET', `/mj/upload/inputs/${sha}.png`, { key })).status).toBe(404);
    const expired = signerAgo(DAY_MS + 2 * 3600_000).uploadPath('acme', 0, `inputs/${sha}.png`);
    expect((await call(stack, 'GET', expired)).status).toBe(404);
    // A base64 reference image of a submit is stored the same way and is not served without a grant either.
    const ref = pngBytes().fill(7, 60, 61);
    const refSha = createHash('sha256').update(ref).digest('hex');
    const sub = await call(stack, 'POST', '/mj/submit/imagine', {
      key,
      body: { prompt: 'with a stored reference', base64Array: [`data:image/png;base64,${ref.toString('base64')}`] },
    });
    expect(sub.json.code).toBe(1);
    expect((await call(stack, 'GET', `/mj/upload/inputs/${refSha}.png`)).status).toBe(404);
  });
});

describe('revoking a key of the tenant', () => {
  test('ends every image and upload URL handed out before; fresh reads hand out working ones', async () => {
    const second = await stack.gateway.tenants.createKey('acme', { label: 'to revoke' });
    const before = await fetchTask();
    const up = await call(stack, 'POST', '/mj/submit/upload-discord-images', {
      key,
      body: { base64Array: [`data:image/png;base64,${pngBytes().toString('base64')}`] },
    });
    const upload: string = up.json.result[0];
    expect((await call(stack, 'GET', local(before.imageUrl))).status).toBe(200);
    expect((await call(stack, 'GET', local(upload))).status).toBe(200);
    // Through the same directory the gateway reads, so the change shows without waiting for its cache.
    expect(await stack.gateway.tenants.revokeKey(second.keyId)).toMatchObject({ revoked: true });
    expect((await call(stack, 'GET', local(before.imageUrl))).status).toBe(404);
    expect((await call(stack, 'GET', local(upload))).status).toBe(404);
    const after = await fetchTask();
    expect(after.imageUrl).not.toBe(before.imageUrl);
    expect((await call(stack, 'GET', local(after.imageUrl))).status).toBe(200);
  });
});

describe('console sessions in the gateway', () => {
  let consoleA: string;
  let consoleB: string;

  beforeAll(() => {
    consoleA = new URL(mountConsole(stack.gateway).url).pathname;
    // A second mount with its own caches: what another gateway process (or this one after a restart) knows. It
    // trusts a "not signed out" answer for tenantCacheMs, so the test asks it only after the sign-out.
    consoleB = new URL(mountConsole(stack.gateway, { basePath: '/console-b' }).url).pathname;
  });

  async function signIn(apiKey: string, base = consoleA): Promise<{ cookie: string; csrf: string; raw: string }> {
    const page = await call(stack, 'GET', `${base}/sign-in`);
    const pre = setCookies(page)[0]!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await call(stack, 'POST', `${base}/sign-in`, {
      raw: new URLSearchParams({ _csrf: token, apiKey }).toString(),
      headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    const raw = setCookies(res).find((c) => c.includes('mjc_session='))!;
    const cookie = raw.split(';')[0]!;
    const start = await call(stack, 'GET', `${base}/start`, { headers: { cookie } });
    return { cookie, raw, csrf: /name="_csrf" value="([^"]+)"/.exec(start.text)![1]! };
  }

  test('an https public URL gives __Host- cookies: Path=/, Secure, no Domain', async () => {
    const { raw } = await signIn(key);
    expect(raw).toMatch(/^__Host-mjc_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const page = await call(stack, 'GET', `${consoleA}/sign-in`);
    expect(setCookies(page)[0]).toMatch(/^__Host-mjc_pre=[\w-]+; Path=\/;.*; Secure$/);
  });

  test('sign-out ends the session on the server: a copied cookie works nowhere, also on another process', async () => {
    const { cookie, csrf } = await signIn(key);
    const copy = cookie;
    expect((await call(stack, 'GET', `${consoleA}/jobs`, { headers: { cookie: copy } })).status).toBe(200);
    const out = await call(stack, 'POST', `${consoleA}/sign-out`, {
      raw: new URLSearchParams({ _csrf: csrf }).toString(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(out.status).toBe(303);
    for (const base of [consoleA, consoleB]) {
      const again = await call(stack, 'GET', `${base}/jobs`, { headers: { cookie: copy } });
      expect(again.status).toBe(303);
      expect(again.headers.location).toMatch(/\/sign-in/);
    }
  });

  test('a forged sign-in post from another site cannot sign a browser into the attacker’s tenant', async () => {
    const attacker = (await stack.gateway.tenants.createKey('globex', { label: 'attacker' })).apiKey;
    const page = await call(stack, 'GET', `${consoleA}/sign-in`);
    const pre = setCookies(page)[0]!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const post = (headers: Record<string, string>, body = { _csrf: token, apiKey: attacker }) =>
      call(stack, 'POST', `${consoleA}/sign-in`, {
        raw: new URLSearchParams(body).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
    const forged: Record<string, string>[] = [
      { cookie: pre, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { cookie: pre, 'sec-fetch-site': 'same-site', origin: 'https://evil.mj.example.test' },
      { cookie: pre, origin: 'https://evil.example' },
      { cookie: pre, origin: 'null' },
      // Without the form's own cookie (SameSite kept it back, or the victim never loaded the form).
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of forged) {
      const r = await post(headers);
      expect(r.status).toBe(403);
      expect(setCookies(r).some((c) => c.includes('mjc_session='))).toBe(false);
    }
    // The same post from the console's own page signs in.
    expect((await post({ cookie: pre, 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  test('revoking the session’s key ends it', async () => {
    const k = await stack.gateway.tenants.createKey('acme', { label: 'console' });
    const { cookie } = await signIn(k.apiKey);
    expect((await call(stack, 'GET', `${consoleA}/jobs`, { headers: { cookie } })).status).toBe(200);
    await stack.gateway.tenants.revokeKey(k.keyId);
    const after = await call(stack, 'GET', `${consoleA}/jobs`, { headers: { cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/\/sign-in/);
  });

  test('a flash notice is one of the known ids, never text from the link', async () => {
    const { cookie } = await signIn(key);
    const known = await call(stack, 'GET', `${consoleA}/inbox?flash=answer-sent`, { headers: { cookie } });
    expect(known.text).toContain('Answer sent; the job goes on.');
    const forged = await call(
      stack,
      'GET',
      `${consoleA}/inbox?flash=${encodeURIComponent('Your key expired: call +1 555')}`,
      {
        headers: { cookie },
      }
    );
    expect(forged.status).toBe(200);
    expect(forged.text).not.toContain('call +1 555');
    expect(forged.text).not.toContain('notice info');
  });
});
