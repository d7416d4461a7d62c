/** The worker's upstream set: one client per id, per-upstream hook URLs, typed unknown-id errors, secret-free views. */
import { MockAgent } from 'undici';
import { loadConfig } from '../../../src/config';
import { UnknownUpstreamError } from '../../../src/upstreams/errors';
import { poolConfigOf } from '../../../src/upstreams/router-client';
import { createUpstreamSet } from '../../../src/upstreams/upstream-set';
import { upstreamToken } from '../../../src/webhook/token';

const TOKEN = 'tok_3f9a2c71e4b85d06a1c94e7f';
const upstreams = [
  { id: 'a', baseUrl: 'http://a.test', apiKey: 'key-of-a', modes: { FAST: { concurrency: 1 } } },
  { id: 'b', flavour: 'gateway', baseUrl: 'http://b.test', apiKeyEnv: 'B_KEY', modes: { RELAX: { concurrency: 2 } } },
];
const env = {
  MJ_UPSTREAMS: JSON.stringify({ upstreams }),
  B_KEY: 'key-of-b',
  MJ_PUBLIC_BASE_URL: 'https://hooks.example.com',
  MJ_WEBHOOK_TOKEN: TOKEN,
};

describe('ConfiguredUpstreamSet', () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  afterAll(() => agent.close());

  it('builds one client per upstream that sends its own key to its own base URL', async () => {
    const set = createUpstreamSet(loadConfig(env), agent);
    expect(set.ids()).toEqual(['a', 'b']);
    const seen: Record<string, string | undefined> = {};
    for (const [origin, id] of [
      ['http://a.test', 'a'],
      ['http://b.test', 'b'],
    ] as const) {
      agent
        .get(origin)
        .intercept({ path: /\/mj\/task\/t1\/fetch$/, method: 'GET' })
        .reply((opts) => {
          const h = opts.headers as Record<string, string>;
          seen[id] = h.authorization ?? h.Authorization;
          return { statusCode: 200, data: { id: 't1', status: 'SUCCESS', action: 'IMAGINE' } };
        });
    }
    await set.client('a').fetchTask('t1');
    await set.client('b').fetchTask('t1');
    expect(seen).toEqual({ a: 'key-of-a', b: 'Bearer key-of-b' });
  });

  it('gives each upstream a hook URL with its derived token; none without webhooks', () => {
    const set = createUpstreamSet(loadConfig(env), agent);
    expect(set.notifyHookUrl('b')).toBe(`https://hooks.example.com/webhook/mj/${upstreamToken(TOKEN, 'b')}`);
    expect(set.notifyHookUrl('a')).not.toBe(set.notifyHookUrl('b'));
    const quiet = createUpstreamSet(loadConfig({ MJ_UPSTREAMS: env.MJ_UPSTREAMS, B_KEY: 'k' }), agent);
    expect(quiet.notifyHookUrl('a')).toBeUndefined();
  });

  it('an unknown id is a typed error naming the field', () => {
    const set = createUpstreamSet(loadConfig(env), agent);
    expect(() => set.client('z')).toThrow(UnknownUpstreamError);
    try {
      set.notifyHookUrl('z');
    } catch (err) {
      expect(err).toMatchObject({ code: 'UNKNOWN_UPSTREAM', field: 'upstreamId', upstreamId: 'z', known: ['a', 'b'] });
    }
    expect.assertions(2);
  });

  it('views and the pool config carry no URL, key or token, and the version follows the config', () => {
    const set = createUpstreamSet(loadConfig(env), agent);
    const text = JSON.stringify(poolConfigOf(set));
    for (const secret of ['key-of-a', 'key-of-b', 'a.test', TOKEN, upstreamToken(TOKEN, 'a')]) {
      expect(text).not.toContain(secret);
    }
    expect(set.routing()).toEqual({ rule: 'least-loaded', modePreference: ['FAST', 'TURBO', 'RELAX'] });
    const changed = { ...env, MJ_UPSTREAMS: JSON.stringify({ upstreams, routing: { rule: 'cheapest' } }) };
    expect(poolConfigOf(createUpstreamSet(loadConfig(changed), agent)).version).not.toBe(poolConfigOf(set).version);
    expect(poolConfigOf(createUpstreamSet(loadConfig(env), agent)).version).toBe(poolConfigOf(set).version);
  });
});
