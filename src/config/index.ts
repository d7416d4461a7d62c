/**
 * The service's own settings, read once at each process edge (worker, webhook receiver, CLI, `npm start`).
 *
 * Sources, later ones winning: built-in defaults → the JSON file named by `MJ_CONFIG_FILE` (same keys as the
 * environment, e.g. `{ "MJ_FLAVOUR": "plus" }`) → the environment. The Temporal connection is NOT ours: it comes from
 * `@temporalio/envconfig` (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`,
 * `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`), so every Temporal tool reads the same variables.
 *
 * Secrets are wrapped in {@link Secret}: JSON, `util.inspect` and string conversion all print `[redacted]`, so a
 * config object can be logged whole without leaking the API key, the webhook token or the encryption key.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { loadBudgets, type BudgetsConfig } from './budgets';
import { isHttpUrl, REDACTED, Secret, type ConfigIssue } from './values';
import type { MjAuthScheme, MjFlavour, SpeedMode } from '../mj/types';
import { TASK_QUEUE } from '../shared/constants';
import { DEFAULT_FLAVOUR, MJ_AUTH_SCHEMES, MJ_FLAVOURS } from '../mj/terms/flavours';
import { SPEED_MODES } from '../mj/terms/speed-modes';
import { DEFAULT_HTTP_TIMEOUT_MS } from '../shared/defaults';
import { durationToMs, isDuration, msToDuration, type Duration } from '../shared/duration';
import { loadUpstreams, type UpstreamsConfig } from './upstreams';

export { isHttpUrl, Secret, type ConfigIssue } from './values';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Validated, frozen settings. Field docs name the variable and its default. */
export interface Config {
  mj: {
    /** `MJ_BASE_URL`: the proxy's origin (plus any path before `/mj`). Unset: `npm start` runs the simulator. */
    baseUrl: string | undefined;
    /** `MJ_FLAVOUR`. @default 'trueai' (as MjClient and the simulator) */
    flavour: MjFlavour;
    /** `MJ_API_KEY`. */
    apiKey: Secret | undefined;
    /** `MJ_AUTH_SCHEME`. @default derived from the flavour by MjClient */
    authScheme: MjAuthScheme | undefined;
    /**
     * `MJ_MODE`: speed mode of new jobs that name none (client and CLI). Unset, such a job names no mode: FAST with
     * one upstream, the pool's `routing.modePreference` with several. @default undefined
     */
    mode: SpeedMode | undefined;
    /** `MJ_HTTP_TIMEOUT`: per request deadline, below the activities' start-to-close timeout. @default '30s' */
    httpTimeout: Duration;
    /** `MJ_HTTP_CONNECT_TIMEOUT`. @default '10s' */
    connectTimeout: Duration;
    /**
     * `MJ_REFRESH_INTERVAL`: how stale the upstream's fetch answers are by design (new-api refreshes its copy every
     * 15 s); jobs never poll faster than this. `0s` for an upstream that answers live.
     * @default the flavour's (15 s for `gateway`, 0 otherwise; see MjClient `refreshIntervalMs`)
     */
    refreshInterval: Duration | undefined;
    /**
     * `MJ_IMAGE_SEED`: ask the upstream for each successful image task's seed (`image-seed`, where the flavour has
     * it; one free call per task, see docs/lineage-and-seed.md). `off` never asks. @default 'on'
     */
    imageSeed: boolean;
  };
  webhook: {
    /** `MJ_PUBLIC_BASE_URL`: where the proxy reaches our receiver. Unset: no notifyHook, jobs only poll. */
    publicBaseUrl: string | undefined;
    /** `MJ_WEBHOOK_TOKEN`: the secret path segment of the hook URL (proxies sign nothing). */
    token: Secret | undefined;
    /** `MJ_WEBHOOK_PORT`. @default 8080 */
    port: number;
    /** `MJ_WEBHOOK_HOST`. @default '127.0.0.1' */
    host: string;
    /** `MJ_WEBHOOK_MAX_BODY`: bytes. @default 262144 */
    maxBodyBytes: number;
  };
  /**
   * `MJ_PROGRESS_DIR`: where the webhook receiver keeps progress-only deliveries for readers instead of waking the job
   * (one small file per task; share it between receivers and readers, e.g. a volume). `off`: every delivery signals
   * the job, as before. @default './data/progress'
   */
  progress: {
    dir: string | undefined;
    /** `MJ_PROGRESS_RETENTION`: the receiver removes entries no delivery touched for this long. @default '24h' */
    retention: Duration;
  };
  /** `MJ_ASSET_STORE` ('local' | 's3') and its settings. */
  assets:
    | {
        kind: 'local';
        /** `MJ_ASSET_DIR`. @default './data/assets' */
        dir: string;
      }
    | {
        kind: 's3';
        /** `MJ_S3_ENDPOINT`, e.g. `http://minio:9000`. */
        endpoint: string;
        /** `MJ_S3_BUCKET`. */
        bucket: string;
        /** `MJ_S3_REGION`. @default 'us-east-1' */
        region: string;
        /** `MJ_S3_ACCESS_KEY_ID`. */
        accessKeyId: string;
        /** `MJ_S3_SECRET_ACCESS_KEY`. */
        secretAccessKey: Secret;
      };
  /**
   * `MJ_ENCRYPTION_KEY` (base64 of 32 bytes) with id `MJ_ENCRYPTION_KEY_ID` (@default 'k1'), plus
   * `MJ_ENCRYPTION_PREVIOUS_KEYS` (`id:base64,id:base64`) still accepted for decoding after a rotation. When set, every
   * payload stored in Temporal is AES-256-GCM encrypted; worker, receiver and CLI must share the keys.
   */
  encryption: { currentKeyId: string; keys: Readonly<Record<string, Secret>> } | undefined;
  metrics: {
    /** `MJ_METRICS_PORT`: our prom-client registry. Unset: no endpoint. */
    port: number | undefined;
    /** `MJ_SDK_METRICS_PORT`: the Temporal SDK's own Prometheus exporter. Unset: off. */
    sdkPort: number | undefined;
    /** `MJ_METRICS_HOST`. @default '0.0.0.0' */
    host: string;
  };
  worker: {
    /** `MJ_TASK_QUEUE`. @default TASK_QUEUE ('mj-jobs') */
    taskQueue: string;
    /**
     * `MJ_MAX_CACHED_WORKFLOWS`: about 1 MB each. 250 keeps 10,000 parked RELAX jobs under 1 GiB (peak 754 MiB, against
     * 1,050 MiB with 500; bench/README.md); a job parked for minutes is a cache miss at any size once the fleet is much
     * larger than the cache. @default 250
     */
    maxCachedWorkflows: number;
    /** `MJ_MAX_CONCURRENT_ACTIVITIES`. @default 50 */
    maxConcurrentActivities: number;
    /** `MJ_MAX_CONCURRENT_WORKFLOW_TASKS`. @default 20 */
    maxConcurrentWorkflowTasks: number;
    /** `MJ_SHUTDOWN_GRACE_TIME`: how long running activities may finish after SIGTERM. @default '30s' */
    shutdownGraceTime: Duration;
    /**
     * `MJ_WORKFLOW_BUNDLE`: a workflow bundle prebuilt from the SAME code (the image builds one); unset, the worker
     * bundles `./workflows` at start (a few seconds).
     */
    workflowBundle: string | undefined;
  };
  /** `MJ_BUDGETS` / `MJ_BUDGETS_FILE` (src/config/budgets.ts). Unset: the ledger keeps the budgets it has. */
  budgets: BudgetsConfig | undefined;
  /** `MJ_LOG_LEVEL`. @default 'info' */
  logLevel: LogLevel;
  /** Only for `npm start` (embedded dev server and simulator). */
  dev: {
    /** `MJ_DATA_DIR`: SQLite file of the dev server lives here. @default './data' */
    dataDir: string;
    /** `MJ_DEV_TEMPORAL_PORT`. @default 7233 */
    temporalPort: number;
    /** `MJ_DEV_UI_PORT`. @default 8233 */
    uiPort: number;
    /** `MJ_DEV_SIMULATOR_PORT`: 0 picks a free port. @default 0 */
    simulatorPort: number;
    /** `MJ_DEV_TIME_SCALE`: simulator speed-up so a demo job takes seconds. @default 10 */
    timeScale: number;
  };
  /**
   * `MJ_UPSTREAMS_FILE` (a JSON file) or `MJ_UPSTREAMS` (the same JSON inline): several upstreams with routing
   * (see `src/config/upstreams.ts`). Unset: undefined, the single `MJ_BASE_URL` upstream, no routing.
   */
  upstreams: UpstreamsConfig | undefined;
  /** From `@temporalio/envconfig`. */
  temporal: ClientConnectConfig;
  /** `MJ_CONFIG_FILE`, when one was read. */
  configFile: string | undefined;
  /** Non-fatal findings (unknown `MJ_*` variables). */
  warnings: readonly string[];
}

/** Thrown by {@link loadConfig} when any setting is invalid; lists every bad field at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`);
  }
}

const HTTP_URL_RULE = 'must be an http(s) URL';
const TOKEN_MIN = 24;

const httpUrl = z
  .string()
  .refine(isHttpUrl, { error: HTTP_URL_RULE })
  .transform((v) => v.replace(/\/+$/, ''));
const port = z
  .string()
  .regex(/^\d{1,5}$/, { error: 'must be a port number 0-65535' })
  .transform(Number)
  .refine((n) => n <= 65_535, { error: 'must be a port number 0-65535' });
const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be an integer 1-${max}` })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, { error: `must be an integer 1-${max}` });
const duration = z
  .string()
  .refine(isDuration, { error: 'must be a duration with one unit, e.g. "30s", "500ms", "5m"' })
  .transform((v) => v.trim() as Duration);
const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const token = z.string().refine((v) => v.length >= TOKEN_MIN && /^[A-Za-z0-9_-]+$/.test(v) && new Set(v).size >= 10, {
  error: `must be at least ${TOKEN_MIN} URL-safe characters [A-Za-z0-9_-] and not guessable (e.g. \`openssl rand -hex 24\`)`,
});
const AES_KEY_RULE = 'must be standard base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`)';
const isAesKey = (v: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32;
const aesKey = z.string().refine(isAesKey, { error: AES_KEY_RULE });
const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 characters [A-Za-z0-9._-]' });
const previousKeys = z.string().refine(
  (v) =>
    v.split(',').every((pair) => {
      const [id, key, ...rest] = pair.trim().split(':');
      return (
        rest.length === 0 && id !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(id) && key !== undefined && isAesKey(key)
      );
    }),
  { error: `must be a comma-separated list of id:key where each key ${AES_KEY_RULE}` }
);

const envSchema = z.object({
  MJ_CONFIG_FILE: z.string().optional(),
  MJ_BASE_URL: httpUrl.optional(),
  MJ_FLAVOUR: oneOf(MJ_FLAVOURS).default(DEFAULT_FLAVOUR),
  MJ_API_KEY: z.string().optional(),
  MJ_AUTH_SCHEME: oneOf(MJ_AUTH_SCHEMES).optional(),
  MJ_MODE: oneOf(SPEED_MODES).optional(),
  MJ_HTTP_TIMEOUT: duration.default(msToDuration(DEFAULT_HTTP_TIMEOUT_MS)),
  MJ_HTTP_CONNECT_TIMEOUT: duration.default('10s'),
  MJ_REFRESH_INTERVAL: duration.optional(),
  MJ_IMAGE_SEED: oneOf(['on', 'off'] as const).default('on'),
  MJ_UPSTREAMS_FILE: z.string().min(1).optional(),
  MJ_UPSTREAMS: z.string().min(1).optional(),
  MJ_PUBLIC_BASE_URL: httpUrl.optional(),
  MJ_WEBHOOK_TOKEN: token.optional(),
  MJ_WEBHOOK_PORT: port.default(8080),
  MJ_WEBHOOK_HOST: z.string().min(1).default('127.0.0.1'),
  MJ_WEBHOOK_MAX_BODY: positiveInt(16 * 1024 * 1024).default(256 * 1024),
  MJ_ASSET_STORE: oneOf(['local', 's3']).default('local'),
  MJ_ASSET_DIR: z.string().min(1).default('./data/assets'),
  MJ_PROGRESS_DIR: z.string().min(1).default('./data/progress'),
  // Shorter than an hour would remove entries of jobs still running between two deliveries.
  MJ_PROGRESS_RETENTION: duration
    .refine((v) => durationToMs(v) >= 3_600_000, { error: 'must be at least 1h' })
    .default('24h'),
  MJ_S3_ENDPOINT: httpUrl.optional(),
  MJ_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be a valid bucket name' })
    .optional(),
  MJ_S3_REGION: z.string().min(1).default('us-east-1'),
  MJ_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MJ_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  MJ_ENCRYPTION_KEY: aesKey.optional(),
  MJ_ENCRYPTION_KEY_ID: keyId.default('k1'),
  MJ_ENCRYPTION_PREVIOUS_KEYS: previousKeys.optional(),
  MJ_METRICS_PORT: port.optional(),
  MJ_SDK_METRICS_PORT: port.optional(),
  MJ_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  MJ_TASK_QUEUE: z
    .string()
    .regex(/^[\w.-]{1,200}$/, { error: 'must be 1-200 characters [A-Za-z0-9_.-]' })
    .default(TASK_QUEUE),
  MJ_MAX_CACHED_WORKFLOWS: positiveInt(100_000).default(250),
  MJ_MAX_CONCURRENT_ACTIVITIES: positiveInt(10_000).default(50),
  MJ_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt(10_000).default(20),
  MJ_SHUTDOWN_GRACE_TIME: duration.default('30s'),
  MJ_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  MJ_LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  MJ_DATA_DIR: z.string().min(1).default('./data'),
  MJ_DEV_TEMPORAL_PORT: port.default(7233),
  MJ_DEV_UI_PORT: port.default(8233),
  MJ_DEV_SIMULATOR_PORT: port.default(0),
  MJ_BUDGETS: z.string().optional(),
  MJ_BUDGETS_FILE: z.string().optional(),
  MJ_DEV_TIME_SCALE: z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: 'must be a positive number' })
    .transform(Number)
    .refine((n) => n > 0 && n <= 10_000, { error: 'must be a positive number up to 10000' })
    .default(10),
});

/** Every variable this module reads; unknown `MJ_*` names are reported as warnings (typos). */
export const CONFIG_KEYS: readonly string[] = Object.keys(envSchema.shape);

type Env = Record<string, string | undefined>;

function readConfigFile(file: string, issues: ConfigIssue[]): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'must be readable JSON';
    issues.push({ field: 'MJ_CONFIG_FILE', rule: why });
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    issues.push({ field: 'MJ_CONFIG_FILE', rule: 'must hold a JSON object of MJ_* keys' });
    return {};
  }
  const out: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!CONFIG_KEYS.includes(key) || key === 'MJ_CONFIG_FILE') {
      issues.push({ field: `${file}: ${key}`, rule: 'unknown setting' });
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
    } else if (value != null) {
      issues.push({ field: key, rule: 'must be a string or number in the config file' });
    }
  }
  return out;
}

function loadTemporal(env: Env, issues: ConfigIssue[]): ClientConnectConfig {
  const overrideEnvVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) overrideEnvVars[k] = v;
  try {
    return loadClientConnectConfig({ overrideEnvVars });
  } catch (err) {
    // envconfig messages name the profile or file, not secret values.
    issues.push({ field: 'TEMPORAL_*', rule: err instanceof Error ? err.message : String(err) });
    return { connectionOptions: {} };
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !(o instanceof Secret) && !ArrayBuffer.isView(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Reads and validates the settings. Pure in `env` (plus the optional config file), so tests pass a plain object.
 * @throws ConfigError listing every bad field, e.g. `MJ_BASE_URL: must be an http(s) URL`.
 */
export function loadConfig(env: Env = process.env): Config {
  const issues: ConfigIssue[] = [];
  // Empty strings mean "unset": compose files pass `${VAR:-}` for optional variables.
  const fromEnv: Env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const file = fromEnv.MJ_CONFIG_FILE;
  const merged: Env = { ...(file ? readConfigFile(file, issues) : {}), ...fromEnv };
  const ours = Object.fromEntries(Object.entries(merged).filter(([k]) => k.startsWith('MJ_')));
  // Upstream API keys may live in MJ_* variables of their own (`apiKeyEnv`): not typos.
  const upstreams = loadUpstreams({ ...fromEnv, ...ours }, issues);
  const keyVars = new Set(upstreams?.upstreams.map((u) => u.apiKeyEnv) ?? []);
  const warnings = Object.keys(ours)
    .filter((k) => !CONFIG_KEYS.includes(k) && !keyVars.has(k))
    .map((k) => `${k}: unknown setting, ignored`);

  const parsed = envSchema.safeParse(ours);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push({ field: String(i.path[0] ?? 'MJ_*'), rule: i.message });
  }
  const temporal = loadTemporal(fromEnv, issues);
  const budgets = loadBudgets(ours, issues);
  if (parsed.success) {
    const e = parsed.data;
    if (e.MJ_PUBLIC_BASE_URL && !e.MJ_WEBHOOK_TOKEN) {
      issues.push({ field: 'MJ_WEBHOOK_TOKEN', rule: 'required when MJ_PUBLIC_BASE_URL is set' });
    }
    if (e.MJ_ASSET_STORE === 's3') {
      for (const k of ['MJ_S3_ENDPOINT', 'MJ_S3_BUCKET', 'MJ_S3_ACCESS_KEY_ID', 'MJ_S3_SECRET_ACCESS_KEY'] as const) {
        if (!e[k]) issues.push({ field: k, rule: 'required when MJ_ASSET_STORE=s3' });
      }
    }
    if (e.MJ_ENCRYPTION_PREVIOUS_KEYS && !e.MJ_ENCRYPTION_KEY) {
      issues.push({ field: 'MJ_ENCRYPTION_KEY', rule: 'required when MJ_ENCRYPTION_PREVIOUS_KEYS is set' });
    }
    if (e.MJ_METRICS_PORT !== undefined && e.MJ_METRICS_PORT === e.MJ_SDK_METRICS_PORT && e.MJ_METRICS_PORT !== 0) {
      issues.push({ field: 'MJ_SDK_METRICS_PORT', rule: 'must differ from MJ_METRICS_PORT' });
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);

  const e = parsed.data;
  const secret = (v: string | undefined) => (v === undefined ? undefined : new Secret(v));
  const config: Config = {
    mj: {
      baseUrl: e.MJ_BASE_URL,
      flavour: e.MJ_FLAVOUR,
      apiKey: secret(e.MJ_API_KEY),
      authScheme: e.MJ_AUTH_SCHEME,
      mode: e.MJ_MODE,
      httpTimeout: e.MJ_HTTP_TIMEOUT,
      connectTimeout: e.MJ_HTTP_CONNECT_TIMEOUT,
      refreshInterval: e.MJ_REFRESH_INTERVAL,
      imageSeed: e.MJ_IMAGE_SEED === 'on',
    },
    webhook: {
      publicBaseUrl: e.MJ_PUBLIC_BASE_URL,
      token: secret(e.MJ_WEBHOOK_TOKEN),
      port: e.MJ_WEBHOOK_PORT,
      host: e.MJ_WEBHOOK_HOST,
      maxBodyBytes: e.MJ_WEBHOOK_MAX_BODY,
    },
    progress: {
      dir: e.MJ_PROGRESS_DIR === 'off' ? undefined : e.MJ_PROGRESS_DIR,
      retention: e.MJ_PROGRESS_RETENTION,
    },
    assets:
      e.MJ_ASSET_STORE === 's3'
        ? {
            kind: 's3',
            endpoint: e.MJ_S3_ENDPOINT!,
            bucket: e.MJ_S3_BUCKET!,
            region: e.MJ_S3_REGION,
            accessKeyId: e.MJ_S3_ACCESS_KEY_ID!,
            secretAccessKey: new Secret(e.MJ_S3_SECRET_ACCESS_KEY!),
          }
        : { kind: 'local', dir: e.MJ_ASSET_DIR },
    encryption: e.MJ_ENCRYPTION_KEY
      ? {
          currentKeyId: e.MJ_ENCRYPTION_KEY_ID,
          keys: {
            ...Object.fromEntries(
              (e.MJ_ENCRYPTION_PREVIOUS_KEYS ?? '')
                .split(',')
                .filter((p) => p.trim())
                .map((p) => p.trim().split(':') as [string, string])
                .map(([id, key]) => [id, new Secret(key)])
            ),
            [e.MJ_ENCRYPTION_KEY_ID]: new Secret(e.MJ_ENCRYPTION_KEY),
          },
        }
      : undefined,
    metrics: { port: e.MJ_METRICS_PORT, sdkPort: e.MJ_SDK_METRICS_PORT, host: e.MJ_METRICS_HOST },
    worker: {
      taskQueue: e.MJ_TASK_QUEUE,
      maxCachedWorkflows: e.MJ_MAX_CACHED_WORKFLOWS,
      maxConcurrentActivities: e.MJ_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: e.MJ_MAX_CONCURRENT_WORKFLOW_TASKS,
      shutdownGraceTime: e.MJ_SHUTDOWN_GRACE_TIME,
      workflowBundle: e.MJ_WORKFLOW_BUNDLE,
    },
    budgets,
    logLevel: e.MJ_LOG_LEVEL,
    dev: {
      dataDir: e.MJ_DATA_DIR,
      temporalPort: e.MJ_DEV_TEMPORAL_PORT,
      uiPort: e.MJ_DEV_UI_PORT,
      simulatorPort: e.MJ_DEV_SIMULATOR_PORT,
      timeScale: e.MJ_DEV_TIME_SCALE,
    },
    upstreams,
    temporal,
    configFile: file,
    warnings,
  };
  Object.defineProperty(config, 'toJSON', { value: () => redactConfig(config), enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => redactConfig(config), enumerable: false });
  return deepFreeze(config);
}

/**
 * A printable copy: our secrets and the Temporal API key / TLS key material replaced by `[redacted]`.
 * Used by `mj config` output and startup logs.
 */
export function redactConfig(config: Config): Record<string, unknown> {
  const conn = config.temporal.connectionOptions;
  const tls = conn.tls;
  const plain = JSON.parse(
    JSON.stringify({ ...config, temporal: undefined }, (_k, v: unknown) => (v instanceof Secret ? REDACTED : v))
  ) as Record<string, unknown>;
  plain.temporal = {
    namespace: config.temporal.namespace,
    address: conn.address,
    apiKey: conn.apiKey === undefined ? undefined : REDACTED,
    tls:
      typeof tls === 'object' && tls !== null
        ? { serverNameOverride: tls.serverNameOverride, clientCert: REDACTED }
        : tls,
    metadata: conn.metadata ? Object.fromEntries(Object.keys(conn.metadata).map((k) => [k, REDACTED])) : undefined,
  };
  return plain;
}

/**
 * The notifyHook URL handed to the proxy (`<MJ_PUBLIC_BASE_URL>/webhook/mj/<token>`), or undefined when webhooks are
 * off. It contains the token: pass it to `createActivities` only, never to a logger or a workflow argument.
 */
export function notifyHookUrl(config: Config): string | undefined {
  const { publicBaseUrl, token } = config.webhook;
  return publicBaseUrl && token ? `${publicBaseUrl}/webhook/mj/${token.reveal()}` : undefined;
}
