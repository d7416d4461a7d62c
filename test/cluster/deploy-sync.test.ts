/**
 * docker-compose.yml and the local cluster harness read their shared settings from deploy/cluster.env; this checks
 * that compose really does (env_file, no second copy of a shared key), and that what the file says matches the code
 * (search attributes) and compose's literals (image tags, the frontend port, the default namespace, the mount).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_WORKFLOW_ID_LENGTH } from '../../src/workflows/common/child-ids';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';
import { clusterSettings, COMPOSE_DYNAMIC_CONFIG_MOUNT, ROOT } from '../../scripts/cluster/settings';

const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const settings = clusterSettings();

/** The lines of one service of docker-compose.yml (two-space indented under `services:`). */
function service(name: string): string {
  const lines = compose.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0) throw new Error(`docker-compose.yml has no service ${name}`);
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', BOOL: 'Bool' };

describe('deploy/cluster.env is the one source of the settings compose and the cluster harness share', () => {
  it('compose passes it to PostgreSQL, Temporal and the admin-tools job, and copies none of its keys', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-admin-tools']) {
      expect({ name, envFile: /^\s+env_file: \[deploy\/cluster\.env\]$/m.test(service(name)) }).toEqual({
        name,
        envFile: true,
      });
    }
    const redefined = Object.keys(settings.env).filter((key) => new RegExp(`^\\s+${key}:`, 'm').test(compose));
    expect(redefined).toEqual([]);
  });

  it('the images are the pinned server version', () => {
    expect(service('temporal')).toContain(`image: temporalio/auto-setup:${settings.temporalVersion}\n`);
    expect(service('temporal-admin-tools')).toContain(`image: temporalio/admin-tools:${settings.temporalVersion}-`);
  });

  it('the frontend port, the namespace default and the dynamic config mount agree with compose', () => {
    const port = settings.ports.frontend.grpc;
    const addresses = [...compose.matchAll(/temporal:(\d+)/g)].map((m) => Number(m[1]));
    expect(addresses.length).toBeGreaterThan(2);
    expect(new Set(addresses)).toEqual(new Set([port]));
    expect(service('temporal')).toContain(`:${port}'`);
    const namespaceDefaults = [...compose.matchAll(/\$\{TEMPORAL_NAMESPACE:-([^}]*)\}/g)].map((m) => m[1]);
    expect(new Set(namespaceDefaults)).toEqual(new Set([settings.namespace]));
    expect(service('temporal')).toContain(`- ./deploy/dynamicconfig:${COMPOSE_DYNAMIC_CONFIG_MOUNT}:ro`);
    expect(existsSync(settings.dynamicConfigFile)).toBe(true);
    expect(path.relative(ROOT, settings.dynamicConfigFile)).toBe(
      path.join('deploy', settings.env.DYNAMIC_CONFIG_FILE_PATH!.slice('config/'.length))
    );
  });

  it('MJ_SEARCH_ATTRIBUTES is the list the code writes, and the registration script takes it from there', () => {
    expect(settings.searchAttributes).toEqual(
      SEARCH_ATTRIBUTE_KEYS.map((k) => ({ name: k.name, type: TYPE_NAMES[k.type] }))
    );
    const script = readFileSync(path.join(ROOT, 'deploy', 'register-search-attributes.sh'), 'utf8');
    expect(script).toContain('"${MJ_SEARCH_ATTRIBUTES:?');
    expect(service('temporal-admin-tools')).toContain(
      './deploy/register-search-attributes.sh:/register-search-attributes.sh'
    );
  });

  it('the dynamic config allows no longer ids than the PostgreSQL schema stores (VARCHAR(255))', () => {
    const yaml = readFileSync(settings.dynamicConfigFile, 'utf8');
    const limit = /limit\.maxIDLength:\s*\n\s*- value: (\d+)/.exec(yaml)?.[1];
    expect(Number(limit)).toBeLessThanOrEqual(255);
    // Pipelines and batches shorten child ids to this width (src/workflows/common/child-ids.ts).
    expect(Number(limit)).toBe(MAX_WORKFLOW_ID_LENGTH);
  });
});
