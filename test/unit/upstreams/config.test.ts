/** `MJ_UPSTREAMS` / `MJ_UPSTREAMS_FILE`: good configs, every bad field named, secrets never printed. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, redactConfig } from '../../../src/config';
import { viewOf } from '../../../src/config/upstreams';

const KEY_A = 'sk-inline-key-of-upstream-a';
const KEY_B = 'sk-env-key-of-upstream-b';

const three = {
  upstreams: [
    {
      id: 'proxy-a',
      flavour: 'trueai',
      baseUrl: 'http://a.internal:8080/',
      apiKey: KEY_A,
      modes: { FAST: { concurrency: 3, dailyCap: 200 }, RELAX: { concurrency: 6 } },
      prices: { currency: 'USD', default: { FAST: 0.05, RELAX: 0.01 }, byAction: { UPSCALE: { FAST: 0.02 } } },
      features: ['vary-region', 'custom-zoom'],
      workHours: { from: '08:00', to: '22:00', utcOffsetMinutes: 480 },
    },
    {
      id: 'gateway-b',
      flavour: 'gateway',
      baseUrl: 'https://api.example.com',
      apiKeyEnv: 'MJ_KEY_B',
      authScheme: 'bearer',
      priority: 1,
      weight: 2,
      modes: { FAST: { concurrency: 10 } },
    },
    { id: 'open-c', baseUrl: 'http://127.0.0.1:9000', modes: { RELAX: { concurrency: 1 } } },
  ],
  routing: { rule: 'weighted', modePreference: ['FAST', 'RELAX'] },
};

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.field}: ${i.rule}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const withUpstream = (patch: Record<string, unknown>, index = 0) => {
  const c = structuredClone(three) as { upstreams: Record<string, unknown>[]; routing: unknown };
  c.upstreams[index] = { ...c.upstreams[index], ...patch };
  return { MJ_UPSTREAMS: JSON.stringify(c), MJ_KEY_B: KEY_B };
};

describe('upstreams config', () => {
  it('unset: undefined (the legacy single upstream)', () => {
    expect(loadConfig({}).upstreams).toBeUndefined();
  });

  it('parses three upstreams with defaults, keys as secrets, and no warning for the key variable', () => {
    const config = loadConfig({ MJ_UPSTREAMS: JSON.stringify(three), MJ_KEY_B: KEY_B });
    const u = config.upstreams!;
    expect(u.source).toBe('MJ_UPSTREAMS');
    expect(u.routing).toEqual({ rule: 'weighted', modePreference: ['FAST', 'RELAX'] });
    expect(u.upstreams.map((x) => x.id)).toEqual(['proxy-a', 'gateway-b', 'open-c']);
    const [a, b, c] = u.upstreams;
    expect(a!.baseUrl).toBe('http://a.internal:8080');
    expect(a!.apiKey!.reveal()).toBe(KEY_A);
    expect(b!.apiKey!.reveal()).toBe(KEY_B);
    expect(b).toMatchObject({ apiKeyEnv: 'MJ_KEY_B', authScheme: 'bearer', priority: 1, weight: 2 });
    expect(c).toMatchObject({ flavour: 'trueai', priority: 0, weight: 1, features: [], apiKey: undefined });
    expect(c!.prices).toEqual({ currency: 'USD', default: {} });
    expect(config.warnings).toEqual([]);
  });

  it('routing defaults to least-loaded over FAST → TURBO → RELAX', () => {
    const { routing: _r, ...noRouting } = three;
    const u = loadConfig({ MJ_UPSTREAMS: JSON.stringify(noRouting), MJ_KEY_B: KEY_B }).upstreams!;
    expect(u.routing).toEqual({ rule: 'least-loaded', modePreference: ['FAST', 'TURBO', 'RELAX'] });
  });

  it('reads MJ_UPSTREAMS_FILE (also named in MJ_CONFIG_FILE)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mj-up-'));
    try {
      const file = join(dir, 'upstreams.json');
      writeFileSync(file, JSON.stringify(three));
      expect(loadConfig({ MJ_UPSTREAMS_FILE: file, MJ_KEY_B: KEY_B }).upstreams).toMatchObject({
        source: 'MJ_UPSTREAMS_FILE',
        file,
      });
      const cfg = join(dir, 'config.json');
      writeFileSync(cfg, JSON.stringify({ MJ_UPSTREAMS_FILE: file }));
      expect(loadConfig({ MJ_CONFIG_FILE: cfg, MJ_KEY_B: KEY_B }).upstreams?.upstreams).toHaveLength(3);
      expect(issuesOf({ MJ_UPSTREAMS_FILE: join(dir, 'missing.json') })).toEqual(['MJ_UPSTREAMS_FILE: file not found']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never prints an API key: redactConfig, JSON, inspect and the views', () => {
    const config = loadConfig({ MJ_UPSTREAMS: JSON.stringify(three), MJ_KEY_B: KEY_B });
    for (const text of [JSON.stringify(redactConfig(config)), JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(text).not.toContain(KEY_A);
      expect(text).not.toContain(KEY_B);
    }
    const view = viewOf(config.upstreams!.upstreams[0]!);
    expect(Object.keys(view).sort()).toEqual([
      'features',
      'flavour',
      'id',
      'modes',
      'prices',
      'priority',
      'weight',
      'workHours',
    ]);
    expect(JSON.stringify(view)).not.toContain('a.internal');
  });

  it.each([
    [{ prices: { default: { FAST: -1 } } }, 'MJ_UPSTREAMS.upstreams[0].prices.default.FAST: must be a number ≥ 0'],
    [{ prices: { default: { FAST: 'cheap' } } }, 'MJ_UPSTREAMS.upstreams[0].prices.default.FAST: must be a number ≥ 0'],
    [{ id: 'Proxy A' }, 'MJ_UPSTREAMS.upstreams[0].id: must be a slug of 1-63 characters [a-z0-9-]'],
    [{ baseUrl: 'ftp://x' }, 'MJ_UPSTREAMS.upstreams[0].baseUrl: must be an http(s) URL without credentials'],
    [{ flavour: 'other' }, 'MJ_UPSTREAMS.upstreams[0].flavour: must be one of novicezk, plus, trueai, gateway'],
    [{ modes: {} }, 'MJ_UPSTREAMS.upstreams[0].modes: must offer at least one of FAST, RELAX, TURBO'],
    [
      { modes: { FAST: { concurrency: 0 } } },
      'MJ_UPSTREAMS.upstreams[0].modes.FAST.concurrency: must be an integer 1-1000',
    ],
    [
      { modes: { FAST: { concurrency: 1 }, SLOW: { concurrency: 1 } } },
      'MJ_UPSTREAMS.upstreams[0].modes.SLOW: unknown setting',
    ],
    [
      { features: ['teleport'] },
      expect.stringMatching(/^MJ_UPSTREAMS\.upstreams\[0\]\.features\[0\]: must be one of vary-region/),
    ],
    [
      { modes: { FAST: { concurrency: 2, reservedForInteractive: 2 } } },
      'MJ_UPSTREAMS.upstreams[0].modes.FAST.reservedForInteractive: must be below concurrency',
    ],
    [{ weight: 0 }, 'MJ_UPSTREAMS.upstreams[0].weight: must be a number > 0'],
    [{ workHours: { from: '8:00', to: '22:00' } }, 'MJ_UPSTREAMS.upstreams[0].workHours.from: must be "HH:MM"'],
    [{ apiKeyEnv: 'MJ_KEY_B' }, 'MJ_UPSTREAMS.upstreams[0].apiKeyEnv: set either apiKey or apiKeyEnv, not both'],
    [{ id: 'gateway-b' }, 'MJ_UPSTREAMS.upstreams[1].id: must be unique (also used by upstreams[0])'],
  ])('names the bad field: %j', (patch, issue) => {
    expect(issuesOf(withUpstream(patch))).toEqual([issue]);
  });

  it('names a missing key variable without printing any key', () => {
    const issues = issuesOf({ MJ_UPSTREAMS: JSON.stringify(three) });
    expect(issues).toEqual(['MJ_UPSTREAMS.upstreams[1].apiKeyEnv: names MJ_KEY_B, which is not set']);
  });

  it('rejects bad JSON, both sources at once, empty lists, unknown rules and useless mode preferences', () => {
    expect(issuesOf({ MJ_UPSTREAMS: '{"upstreams": [' })).toEqual(['MJ_UPSTREAMS: must be valid JSON']);
    expect(issuesOf({ MJ_UPSTREAMS: '{}', MJ_UPSTREAMS_FILE: '/x' })).toEqual([
      'MJ_UPSTREAMS: set either MJ_UPSTREAMS or MJ_UPSTREAMS_FILE, not both',
    ]);
    expect(issuesOf({ MJ_UPSTREAMS: '{"upstreams": []}' })).toEqual([
      'MJ_UPSTREAMS.upstreams: must list at least one upstream',
    ]);
    const bad = { ...three, routing: { rule: 'random', modePreference: ['TURBO'] } };
    expect(issuesOf({ MJ_UPSTREAMS: JSON.stringify(bad), MJ_KEY_B: KEY_B })).toEqual([
      'MJ_UPSTREAMS.routing.rule: must be one of least-loaded, weighted, round-robin, fill-in-order, cheapest',
    ]);
    const useless = { ...three, routing: { modePreference: ['TURBO'] } };
    expect(issuesOf({ MJ_UPSTREAMS: JSON.stringify(useless), MJ_KEY_B: KEY_B })).toEqual([
      'MJ_UPSTREAMS.routing.modePreference: names no mode that any upstream offers',
    ]);
    expect(issuesOf({ MJ_UPSTREAMS: JSON.stringify({ ...three, extra: 1 }), MJ_KEY_B: KEY_B })).toEqual([
      'MJ_UPSTREAMS.extra: unknown setting',
    ]);
  });
});
