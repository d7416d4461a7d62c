/**
 * The deployment files stay in step with the code: every setting documented, every search attribute registered,
 * no unpinned images, no literal secrets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { devServerArgs } from '../../src/cli/dev-server';
import { CONFIG_KEYS } from '../../src/config';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

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
    const mjKeys = [...compose.matchAll(/^\s+(MJ_[A-Z0-9_]+):/gm)].map((m) => m[1]!);
    for (const key of mjKeys) expect({ key, known: CONFIG_KEYS.includes(key) }).toEqual({ key, known: true });
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
