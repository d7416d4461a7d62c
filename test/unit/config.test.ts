import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, notifyHookUrl, redactConfig, Secret } from '../../src/config';
import { Agent } from 'undici';
import { TASK_QUEUE } from '../../src/shared/constants';
import { createMjClient } from '../../src/worker';

const TOKEN = 'tok_3f9a2c71e4b85d06a1c94e7f';
const KEY = Buffer.alloc(32, 7).toString('base64');

function issuesOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return Object.fromEntries((err as ConfigError).issues.map((i) => [i.field, i.rule]));
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.mj.baseUrl).toBeUndefined();
    expect(c.mj.flavour).toBe('trueai');
    // Unset: a job that names no mode is FAST with one upstream, the pool's preference with several.
    expect(c.mj.mode).toBeUndefined();
    expect(c.mj.httpTimeout).toBe('30s');
    expect(c.webhook).toMatchObject({ port: 8080, host: '127.0.0.1', maxBodyBytes: 262_144 });
    expect(c.worker.taskQueue).toBe(TASK_QUEUE);
    expect(c.worker.shutdownGraceTime).toBe('30s');
    expect(c.assets).toEqual({ kind: 'local', dir: './data/assets' });
    expect(c.encryption).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.mj)).toBe(true);
  });

  it('parses valid values, treating empty strings as unset', () => {
    const c = loadConfig({
      MJ_BASE_URL: 'https://proxy.example.com/',
      MJ_FLAVOUR: 'gateway',
      MJ_MODE: 'RELAX',
      MJ_HTTP_TIMEOUT: '45s',
      MJ_WEBHOOK_PORT: '9000',
      MJ_TASK_QUEUE: 'mj-jobs-eu',
      MJ_API_KEY: '',
    });
    expect(c.mj.baseUrl).toBe('https://proxy.example.com');
    expect(c.mj.flavour).toBe('gateway');
    expect(c.mj.apiKey).toBeUndefined();
    expect(c.webhook.port).toBe(9000);
    expect(c.worker.taskQueue).toBe('mj-jobs-eu');
  });

  it('MJ_REFRESH_INTERVAL reaches the upstream client as its poll floor; unset keeps the flavour default', () => {
    const base = { MJ_BASE_URL: 'https://gw.example.com', MJ_FLAVOUR: 'gateway' };
    const dispatcher = new Agent();
    expect(createMjClient(loadConfig(base), dispatcher).refreshIntervalMs).toBe(15_000);
    expect(createMjClient(loadConfig({ ...base, MJ_REFRESH_INTERVAL: '375ms' }), dispatcher).refreshIntervalMs).toBe(
      375
    );
    expect(createMjClient(loadConfig({ ...base, MJ_REFRESH_INTERVAL: '0s' }), dispatcher).refreshIntervalMs).toBe(0);
    expect(issuesOf({ MJ_REFRESH_INTERVAL: 'often' })).toHaveProperty('MJ_REFRESH_INTERVAL');
    void dispatcher.close();
  });

  it('names every bad field with its rule in one ConfigError', () => {
    const issues = issuesOf({
      MJ_BASE_URL: 'ftp://proxy',
      MJ_PUBLIC_BASE_URL: 'not a url',
      MJ_FLAVOUR: 'midjourney',
      MJ_AUTH_SCHEME: 'basic',
      MJ_MODE: 'SLOW',
      MJ_HTTP_TIMEOUT: '30 seconds',
      MJ_WEBHOOK_TOKEN: 'short',
      MJ_WEBHOOK_PORT: '70000',
      MJ_METRICS_PORT: 'x',
      MJ_ENCRYPTION_KEY: 'not-base64-32-bytes',
      MJ_MAX_CACHED_WORKFLOWS: '0',
      MJ_LOG_LEVEL: 'loud',
    });
    expect(issues).toEqual({
      MJ_BASE_URL: 'must be an http(s) URL',
      MJ_PUBLIC_BASE_URL: 'must be an http(s) URL',
      MJ_FLAVOUR: 'must be one of novicezk, plus, trueai, gateway',
      MJ_AUTH_SCHEME: 'must be one of mj-api-secret, raw-authorization, bearer',
      MJ_MODE: 'must be one of FAST, RELAX, TURBO',
      MJ_HTTP_TIMEOUT: expect.stringContaining('must be a duration'),
      MJ_WEBHOOK_TOKEN: expect.stringContaining('at least 24'),
      MJ_WEBHOOK_PORT: 'must be a port number 0-65535',
      MJ_METRICS_PORT: 'must be a port number 0-65535',
      MJ_ENCRYPTION_KEY: expect.stringContaining('32 random bytes'),
      MJ_MAX_CACHED_WORKFLOWS: 'must be an integer 1-100000',
      MJ_LOG_LEVEL: expect.stringContaining('must be one of'),
    });
  });

  it('rejects guessable webhook tokens and a public URL without a token', () => {
    expect(issuesOf({ MJ_WEBHOOK_TOKEN: 'a'.repeat(40) })).toHaveProperty('MJ_WEBHOOK_TOKEN');
    expect(issuesOf({ MJ_WEBHOOK_TOKEN: `${'x'.repeat(20)}/../` })).toHaveProperty('MJ_WEBHOOK_TOKEN');
    expect(issuesOf({ MJ_PUBLIC_BASE_URL: 'https://hooks.example.com' })).toEqual({
      MJ_WEBHOOK_TOKEN: 'required when MJ_PUBLIC_BASE_URL is set',
    });
  });

  it('requires the S3 settings when MJ_ASSET_STORE=s3', () => {
    expect(Object.keys(issuesOf({ MJ_ASSET_STORE: 's3', MJ_S3_BUCKET: 'mj-assets' })).sort()).toEqual([
      'MJ_S3_ACCESS_KEY_ID',
      'MJ_S3_ENDPOINT',
      'MJ_S3_SECRET_ACCESS_KEY',
    ]);
  });

  it('never puts a rejected value into the error (it may be a secret)', () => {
    try {
      loadConfig({ MJ_ENCRYPTION_KEY: 'hunter2-super-secret', MJ_WEBHOOK_TOKEN: 'hunter3' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(String((err as Error).message)).not.toMatch(/hunter/);
    }
  });

  it('reads a JSON config file, with the environment winning', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-config-'));
    const file = path.join(dir, 'mj.json');
    writeFileSync(file, JSON.stringify({ MJ_FLAVOUR: 'plus', MJ_MODE: 'TURBO', MJ_WEBHOOK_PORT: 9100 }));
    const c = loadConfig({ MJ_CONFIG_FILE: file, MJ_MODE: 'RELAX' });
    expect(c.mj.flavour).toBe('plus');
    expect(c.mj.mode).toBe('RELAX');
    expect(c.webhook.port).toBe(9100);
    expect(c.configFile).toBe(file);

    writeFileSync(file, JSON.stringify({ MJ_FLAVOR: 'plus', MJ_MODE: 'FASTER' }));
    const issues = issuesOf({ MJ_CONFIG_FILE: file });
    expect(issues[`${file}: MJ_FLAVOR`]).toBe('unknown setting');
    expect(issues.MJ_MODE).toBe('must be one of FAST, RELAX, TURBO');
    expect(issuesOf({ MJ_CONFIG_FILE: path.join(dir, 'missing.json') })).toEqual({ MJ_CONFIG_FILE: 'file not found' });
  });

  it('warns about unknown MJ_* variables (typos) without failing', () => {
    expect(loadConfig({ MJ_WEBHOOK_TOKN: 'x' }).warnings).toEqual(['MJ_WEBHOOK_TOKN: unknown setting, ignored']);
  });

  it('loads the Temporal connection through envconfig', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'mj',
      TEMPORAL_API_KEY: 'tk-123',
    });
    expect(c.temporal.namespace).toBe('mj');
    expect(c.temporal.connectionOptions.address).toBe('temporal.example.com:7233');
    expect(c.temporal.connectionOptions.apiKey).toBe('tk-123');
    // An API key turns TLS on (envconfig's rule), as Temporal Cloud needs.
    expect(c.temporal.connectionOptions.tls).toBe(true);
    expect(issuesOf({ TEMPORAL_PROFILE: 'nope', TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' })).toHaveProperty([
      'TEMPORAL_*',
    ]);
  });
});

describe('secrets', () => {
  const env = {
    MJ_API_KEY: 'mj-secret-api-key-value',
    MJ_WEBHOOK_TOKEN: TOKEN,
    MJ_PUBLIC_BASE_URL: 'https://hooks.example.com/',
    MJ_ENCRYPTION_KEY: KEY,
    MJ_ENCRYPTION_PREVIOUS_KEYS: `old:${Buffer.alloc(32, 9).toString('base64')}`,
    TEMPORAL_API_KEY: 'temporal-cloud-api-key',
  };

  it('are redacted in JSON, inspect, String() and redactConfig', () => {
    const c = loadConfig(env);
    const outputs = [
      JSON.stringify(c),
      inspect(c, { depth: 10 }),
      JSON.stringify(redactConfig(c)),
      String(c.mj.apiKey),
      `${c.webhook.token}`,
    ];
    for (const out of outputs) {
      expect(out).not.toContain('mj-secret-api-key-value');
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(KEY);
      expect(out).not.toContain('temporal-cloud-api-key');
    }
    expect(JSON.stringify(redactConfig(c))).toContain('[redacted]');
  });

  it('are available to the code that needs them', () => {
    const c = loadConfig(env);
    expect(c.mj.apiKey).toBeInstanceOf(Secret);
    expect(c.mj.apiKey?.reveal()).toBe('mj-secret-api-key-value');
    expect(c.encryption?.currentKeyId).toBe('k1');
    expect(Object.keys(c.encryption!.keys).sort()).toEqual(['k1', 'old']);
    expect(c.encryption!.keys.k1!.reveal()).toBe(KEY);
    expect(notifyHookUrl(c)).toBe(`https://hooks.example.com/webhook/mj/${TOKEN}`);
    expect(notifyHookUrl(loadConfig({}))).toBeUndefined();
  });
});
