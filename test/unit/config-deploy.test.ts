/**
 * The deployment files stay in step with the code: every setting documented, every search attribute registered,
 * no unpinned images, no literal secrets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { devServerArgs } from '../../src/cli/dev-server';
import { CONFIG_KEYS } from '../../src/config';
import { gatewayOptionsFromEnv } from '../../src/config/gateway';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

/** Every variable the gateway reads (`gatewayOptionsFromEnv` in src/config/gateway.ts), recorded as it reads them. */
function gatewayEnvKeys(): string[] {
  const seen = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  gatewayOptionsFromEnv(env);
  return [...seen];
}

/** The lines of one service of docker-compose.yml (two-space indented under `services:`). */
function composeService(compose: string, name: string): string {
  const lines = compose.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0) throw new Error(`docker-compose.yml has no service ${name}`);
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

describe('deployment files', () => {
  it('.env.example lists every MJ_* setting and the Temporal variables', () => {
    const example = read('.env.example');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const key of CONFIG_KEYS) expect({ key, listed: listed.has(key) }).toEqual({ key, listed: true });
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_PROFILE'])
      expect(listed.has(key)).toBe(true);
    // Examples never carry a real-looking secret.
    for (const secret of [
      'MJ_API_KEY',
      'MJ_WEBHOOK_TOKEN',
      'MJ_ENCRYPTION_KEY',
      'MJ_S3_SECRET_ACCESS_KEY',
      'TEMPORAL_API_KEY',
    ]) {
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
    }
  });

  it('docker-compose.yml pins every image, requires the secrets from the environment, and knows only real settings', () => {
    const compose = read('docker-compose.yml');
    const images = [...compose.matchAll(/^\s+image:\s*(\S+)/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const image of images) {
      expect(image).toMatch(/:[^:]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(compose).toMatch(/MJ_API_KEY: \$\{MJ_API_KEY:\?/);
    expect(compose).toMatch(/MJ_WEBHOOK_TOKEN: \$\{MJ_WEBHOOK_TOKEN:\?/);
    // Known: a setting of src/config/index.ts, or one the gateway reads (src/config/gateway.ts).
    const known = new Set([...CONFIG_KEYS, ...gatewayEnvKeys()]);
    const mjKeys = [...compose.matchAll(/^\s+(MJ_[A-Z0-9_]+):/gm)].map((m) => m[1]!);
    for (const key of mjKeys) expect({ key, known: known.has(key) }).toEqual({ key, known: true });
  });

  it('docker-compose.yml runs the gateway: its entry point, port 8090, a required secret, after Temporal is healthy', () => {
    const compose = read('docker-compose.yml');
    const gateway = composeService(compose, 'gateway');
    const worker = composeService(compose, 'worker');
    // The worker's image and build, and the compiled entry point of src/gateway/main.ts.
    expect(gateway).toContain(/^\s+image: (.*)$/m.exec(worker)![0]);
    expect(gateway).toMatch(/^\s+build: \.$/m);
    expect(gateway).toContain("command: ['node', 'lib/gateway/main.js']");
    expect(read('src/gateway/main.ts')).toContain('require.main === module');
    expect(gateway).toMatch(/temporal:\n\s+condition: service_healthy/);
    expect(gateway).toContain('<<: *mj-env');
    expect(gateway).toContain("MJ_GATEWAY_PORT: '8090'");
    expect(gateway).toContain('MJ_GATEWAY_HOST: 0.0.0.0');
    expect(gateway).toMatch(/- '\$\{MJ_GATEWAY_HOST_PORT:-8090\}:8090'/);
    expect(gateway).toMatch(/MJ_GATEWAY_SECRET: \$\{MJ_GATEWAY_SECRET:\?/);
    expect(gateway).toContain('http://127.0.0.1:8090/readyz');
    // The image declares the port the gateway listens on.
    expect(read('Dockerfile')).toMatch(/^EXPOSE .*\b8090\b/m);
    // Every MJ_GATEWAY_* key it sets is one the gateway reads (a typo would be silently ignored).
    const gatewayKeys = [...gateway.matchAll(/^\s+(MJ_GATEWAY_[A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(gatewayKeys.length).toBeGreaterThanOrEqual(4);
    const readKeys = gatewayEnvKeys();
    for (const key of gatewayKeys) expect({ key, read: readKeys.includes(key) }).toEqual({ key, read: true });
    // .env.example names what compose takes from the environment, the secret empty.
    const example = read('.env.example');
    for (const key of [...gateway.matchAll(/\$\{(MJ_GATEWAY_[A-Z0-9_]+)[:}]/g)].map((m) => m[1]!)) {
      expect({ key, listed: new RegExp(`^${key}=`, 'm').test(example) }).toEqual({ key, listed: true });
    }
    expect(example).toMatch(/^MJ_GATEWAY_SECRET=$/m);
  });

  it('registers every search attribute, in compose and in the dev server', () => {
    // The script registers what deploy/cluster.env lists (compose passes that file); the list must be the code's.
    const script = read('deploy/register-search-attributes.sh');
    expect(script).toContain('attributes="${MJ_SEARCH_ATTRIBUTES:?');
    const listed = /^MJ_SEARCH_ATTRIBUTES=(.*)$/m.exec(read('deploy/cluster.env'))?.[1]?.trim().split(/\s+/) ?? [];
    expect(listed.sort()).toEqual(SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name}:Keyword`).sort());
    const args = devServerArgs({ dbFile: 'x.db' }).join(' ');
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      expect(args).toContain(`--search-attribute ${key.name}=Keyword`);
    }
    expect(args).toContain('--sqlite-pragma journal_mode=WAL');
  });
});
