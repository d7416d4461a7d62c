/** What an Idempotency-Key is bound to: endpoint, mode prefix and the body with its keys in any order. */
import { requestFingerprint } from '../../../src/gateway/routes/job-starter';

test('one request in two spellings is one fingerprint; endpoint, mode prefix and any value tell requests apart', () => {
  const base = requestFingerprint('imagine', undefined, { prompt: 'a fox', state: 'chat-1', base64Array: ['a', 'b'] });
  expect(requestFingerprint('imagine', undefined, { base64Array: ['a', 'b'], state: 'chat-1', prompt: 'a fox' })).toBe(
    base
  );
  expect(
    requestFingerprint('imagine', undefined, {
      prompt: 'a fox',
      state: 'chat-1',
      base64Array: ['a', 'b'],
      x: undefined,
    })
  ).toBe(base);
  const others = [
    requestFingerprint('shorten', undefined, { prompt: 'a fox', state: 'chat-1', base64Array: ['a', 'b'] }),
    requestFingerprint('imagine', 'RELAX', { prompt: 'a fox', state: 'chat-1', base64Array: ['a', 'b'] }),
    requestFingerprint('imagine', undefined, { prompt: 'a fox', state: 'chat-2', base64Array: ['a', 'b'] }),
    requestFingerprint('imagine', undefined, { prompt: 'a fox', state: 'chat-1', base64Array: ['b', 'a'] }),
    requestFingerprint('imagine', undefined, { prompt: 'a fox', state: 'chat-1' }),
  ];
  expect(new Set([base, ...others]).size).toBe(6);
});
