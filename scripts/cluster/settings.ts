/**
 * The settings compose and the local cluster share, read from `deploy/cluster.env` (the one source of truth; see
 * its header). Nothing here has a second default: a missing key is an error naming the key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLUSTER_ENV_FILE = path.join(ROOT, 'deploy', 'cluster.env');
/** Where compose mounts `deploy/dynamicconfig` inside the Temporal container (its working directory is its parent). */
export const COMPOSE_DYNAMIC_CONFIG_MOUNT = '/etc/temporal/config/dynamicconfig';

/** The Temporal services, each run as its own process. */
export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ServicePorts {
  grpc: number;
  membership: number;
}

export interface SearchAttributeSetting {
  name: string;
  type: string;
}

export interface ClusterSettings {
  /** Every KEY=value of the file, as compose passes them to its containers. */
  env: Readonly<Record<string, string>>;
  temporalVersion: string;
  dbPlugin: string;
  database: string;
  visibilityDatabase: string;
  postgresUser: string;
  namespace: string;
  retention: string;
  /** Absolute path of the dynamic config file in this checkout. */
  dynamicConfigFile: string;
  ports: Record<ServiceName, ServicePorts> & { frontendHttp: number };
  searchAttributes: SearchAttributeSetting[];
}

/** Parses the KEY=value subset compose's env_file and this harness agree on: no quotes, no interpolation. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${CLUSTER_ENV_FILE}:${n + 1}: not a KEY=value line: ${line}`);
    if (/["'$`]/.test(m[2]!)) throw new Error(`${CLUSTER_ENV_FILE}:${n + 1}: ${m[1]} must be a plain value`);
    env[m[1]!] = m[2]!;
  }
  return env;
}

function required(env: Record<string, string>, key: string): string {
  const v = env[key];
  if (v === undefined || v === '') throw new Error(`${CLUSTER_ENV_FILE}: ${key} is required`);
  return v;
}

function port(env: Record<string, string>, key: string): number {
  const v = required(env, key);
  if (!/^\d{2,5}$/.test(v) || Number(v) > 65_535) throw new Error(`${CLUSTER_ENV_FILE}: ${key} must be a port`);
  return Number(v);
}

export function clusterSettings(text = readFileSync(CLUSTER_ENV_FILE, 'utf8')): ClusterSettings {
  const env = parseEnvFile(text);
  const dynamicConfig = required(env, 'DYNAMIC_CONFIG_FILE_PATH');
  const prefix = `${path.posix.basename(COMPOSE_DYNAMIC_CONFIG_MOUNT)}/`;
  if (!dynamicConfig.startsWith(`config/${prefix}`)) {
    throw new Error(`${CLUSTER_ENV_FILE}: DYNAMIC_CONFIG_FILE_PATH must be under config/${prefix} (the compose mount)`);
  }
  const searchAttributes = required(env, 'MJ_SEARCH_ATTRIBUTES')
    .split(/\s+/)
    .map((entry) => {
      const [name, type] = entry.split(':');
      if (!name || !type)
        throw new Error(`${CLUSTER_ENV_FILE}: MJ_SEARCH_ATTRIBUTES entry "${entry}" is not name:type`);
      return { name, type };
    });
  const svc = (name: string) => ({
    grpc: port(env, `${name}_GRPC_PORT`),
    membership: port(env, `${name}_MEMBERSHIP_PORT`),
  });
  return {
    env,
    temporalVersion: required(env, 'TEMPORAL_VERSION'),
    dbPlugin: required(env, 'DB'),
    database: required(env, 'DBNAME'),
    visibilityDatabase: required(env, 'VISIBILITY_DBNAME'),
    postgresUser: required(env, 'POSTGRES_USER'),
    namespace: required(env, 'DEFAULT_NAMESPACE'),
    retention: required(env, 'DEFAULT_NAMESPACE_RETENTION'),
    dynamicConfigFile: path.join(ROOT, 'deploy', dynamicConfig.slice('config/'.length)),
    ports: {
      frontend: svc('FRONTEND'),
      history: svc('HISTORY'),
      matching: svc('MATCHING'),
      worker: svc('WORKER'),
      frontendHttp: port(env, 'FRONTEND_HTTP_PORT'),
    },
    searchAttributes,
  };
}
