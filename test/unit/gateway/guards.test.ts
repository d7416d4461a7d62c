import { matchKey, newApiKey, keyIdOf, keySecretOf } from '../../../src/tenancy/api-keys';
import { keyCandidates } from '../../../src/gateway/guards/auth';
import { checkHook, isPrivateAddress } from '../../../src/gateway/guards/hook-guard';
import { addDefaults, gatewayOptionsFromEnv } from '../../../src/config/gateway';
import { RateLimiter } from '../../../src/gateway/guards/rate-limit';
import { UrlSigner } from '../../../src/gateway/tasks/image-urls';
import { tenantWebhookSecret } from '../../../src/gateway/secrets';

describe('notifyHook guard', () => {
  const resolveTo = (addrs: string[]) => async () => addrs;
  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
    '192.0.2.1',
    '198.51.100.7',
    '::127.0.0.1',
    '64:ff9b:1::1',
    '2001::1',
    '2001:db8::1',
    '2002:7f00:1::',
    '3fff::1',
    '5f00::1',
    'not-an-address',
  ])('%s is private', (a) => expect(isPrivateAddress(a)).toBe(true));
  test.each(['8.8.8.8', '2606:4700::1111'])('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));

  test('refuses private targets unless allowed; names the rule', async () => {
    expect(
      await checkHook('http://hooks.example/x', { allowPrivate: false, resolve: resolveTo(['10.0.0.5']) })
    ).toMatchObject({
      rule: 'public-address',
    });
    expect(await checkHook('http://127.0.0.1:9/x', { allowPrivate: true })).toBeNull();
    expect(await checkHook('ftp://x/y', { allowPrivate: true })).toMatchObject({ rule: 'url' });
    expect(await checkHook('http://u:p@x.example/', { allowPrivate: true })).toMatchObject({ rule: 'no-credentials' });
  });

  test('a tenant allow-list admits only its hosts', async () => {
    const rules = {
      allowPrivate: false,
      allowList: ['*.acme.example', 'hooks.partner.example'],
      resolve: resolveTo(['8.8.8.8']),
    };
    expect(await checkHook('https://a.acme.example/h', rules)).toBeNull();
    expect(await checkHook('https://hooks.partner.example/h', rules)).toBeNull();
    expect(await checkHook('https://evil.example/h', rules)).toMatchObject({ rule: 'allow-list' });
  });
});

describe('keys and tokens', () => {
  test('keys hash and match in constant time; a revoked or unknown id never matches', () => {
    const k = newApiKey();
    expect(keyIdOf(k.key)).toBe(k.keyId);
    expect(matchKey(k.key, k.hash)).toBe(true);
    expect(matchKey(`${k.key}x`, k.hash)).toBe(false);
    expect(matchKey(k.key, undefined)).toBe(false);
    expect(k.hash).not.toContain(k.key);
  });

  test('the secret part is read whole whatever its characters (a leading or inner `_`)', () => {
    const secret = `_a${'-_Z9'.repeat(10)}b`;
    expect(secret).toHaveLength(43);
    expect(keySecretOf(`mjk_abcdefghij12_${secret}`)).toBe(secret);
    expect(keyIdOf(`mjk_abcdefghij12_${secret}`)).toBe('abcdefghij12');
    expect(keySecretOf('mjk_abcdefghij12_short')).toBeUndefined();
  });

  test('the three header forms; empty headers and the new-api placeholder are absent', () => {
    expect(keyCandidates({ 'mj-api-secret': 'A' })).toEqual(['A']);
    expect(keyCandidates({ authorization: 'Bearer B' })).toEqual(['B']);
    expect(keyCandidates({ authorization: 'C' })).toEqual(['C']);
    expect(keyCandidates({ 'mj-api-secret': '', authorization: 'midjourney-proxy' })).toEqual([]);
    expect(keyCandidates({ 'mj-api-secret': 'D', authorization: 'Bearer D' })).toEqual(['D']);
  });

  test('image and upload grants are bound to tenant, subject, expiry and key generation', () => {
    let now = Date.UTC(2026, 0, 1, 0, 5);
    const signer = new UrlSigner('s'.repeat(32), { ttlMs: 24 * 3600_000, now: () => now });
    const token = (path: string) => new URL(path, 'http://x').searchParams.get('t') ?? undefined;
    const path = signer.imagePath('acme', 2, '1712345678901123', 3);
    expect(path).toMatch(/^\/mj\/image\/1712345678901123\/3\?t=[\w-]+$/);
    // The same grant a minute later: clients can cache the URL.
    now += 60_000;
    expect(signer.imagePath('acme', 2, '1712345678901123', 3)).toBe(path);
    const g = signer.openImage(token(path), '1712345678901123')!;
    expect(g).toMatchObject({ tenant: 'acme', gen: 2 });
    // Lives a day, rounded up by at most an hour.
    expect(g.exp * 1000 - now).toBeGreaterThanOrEqual(24 * 3600_000 - 60_000);
    expect(g.exp * 1000 - now).toBeLessThanOrEqual(25 * 3600_000);
    expect(signer.openImage(token(path), '1712345678901124')).toBeUndefined();
    expect(new UrlSigner('o'.repeat(32), { ttlMs: 1000 }).openImage(token(path), '1712345678901123')).toBeUndefined();
    const t = token(path)!;
    expect(signer.openImage(`${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`, '1712345678901123')).toBeUndefined();
    now = g.exp * 1000;
    expect(signer.openImage(token(path), '1712345678901123')).toBeUndefined();

    const key = `inputs/${'ab'.repeat(32)}.png`;
    const upload = signer.uploadPath('acme', 0, key);
    expect(upload).toMatch(/^\/mj\/upload\/[\w-]+\.png$/);
    expect(upload).not.toContain('ab'.repeat(32));
    expect(signer.openUpload(upload.slice('/mj/upload/'.length))).toMatchObject({ tenant: 'acme', subject: key });
    // A task's grant is no upload grant, and an upload URL names stored inputs only.
    expect(signer.openUpload(`${t}.png`)).toBeUndefined();
    expect(() => signer.uploadPath('acme', 0, 'images/x/abc.png')).toThrow(/stored input/);
    expect(tenantWebhookSecret('s'.repeat(32), 'a')).not.toBe(tenantWebhookSecret('s'.repeat(32), 'b'));
  });
});

test('image URL lifetime: 24 h by default, from MJ_GATEWAY_IMAGE_URL_TTL_MS, a minute to a week', () => {
  const secret = 's'.repeat(32);
  expect(addDefaults({ secret }).imageUrlTtlMs).toBe(24 * 3600_000);
  const env = { MJ_GATEWAY_SECRET: secret, MJ_GATEWAY_IMAGE_URL_TTL_MS: String(48 * 3600_000) };
  expect(addDefaults(gatewayOptionsFromEnv(env)).imageUrlTtlMs).toBe(48 * 3600_000);
  for (const bad of [59_999, 8 * 24 * 3600_000, 1.5e6 + 0.5])
    expect(() => addDefaults({ secret, imageUrlTtlMs: bad })).toThrow(/imageUrlTtlMs \(MJ_GATEWAY_IMAGE_URL_TTL_MS\)/);
});

test('rate limiter: burst, then Retry-After seconds, then refill', () => {
  let now = 0;
  const rl = new RateLimiter(() => now);
  expect(rl.take('t', 1, 2)).toBe(0);
  expect(rl.take('t', 1, 2)).toBe(0);
  expect(rl.take('t', 1, 2)).toBe(1);
  now += 1000;
  expect(rl.take('t', 1, 2)).toBe(0);
  expect(rl.take('other', 1, 2)).toBe(0);
});
