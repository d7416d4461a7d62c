import { matchKey, newApiKey, keyIdOf, keySecretOf } from '../../../src/gateway/api-keys';
import { keyCandidates } from '../../../src/gateway/auth';
import { checkHook, isPrivateAddress } from '../../../src/gateway/hook-guard';
import { RateLimiter } from '../../../src/gateway/rate-limit';
import { checkImageToken, imageToken, tenantWebhookSecret } from '../../../src/gateway/secrets';

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

  test('image tokens are bound to tenant and task', () => {
    const t = imageToken('s'.repeat(32), 'acme', '1712345678901123');
    expect(checkImageToken('s'.repeat(32), t, '1712345678901123')).toBe('acme');
    expect(checkImageToken('s'.repeat(32), t, '1712345678901124')).toBeUndefined();
    expect(checkImageToken('s'.repeat(32), t.replace('acme', 'evil'), '1712345678901123')).toBeUndefined();
    expect(tenantWebhookSecret('s'.repeat(32), 'a')).not.toBe(tenantWebhookSecret('s'.repeat(32), 'b'));
  });
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
