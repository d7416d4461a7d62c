/**
 * Gateway options, documented once and defaulted in one place ({@link addDefaults}); {@link gatewayOptionsFromEnv}
 * reads them from `MJ_GATEWAY_*`.
 */
import type { SpeedMode } from '../mj/types';
import type { DeliveryRetry } from '../workflows/callback/messages';

/** Task queue of the gateway's own workflows when none is configured (the CLI's `keys` commands need it too). */
export const DEFAULT_GATEWAY_TASK_QUEUE = 'mj-gateway';

export interface GatewayOptions {
  /**
   * Secret of this deployment (≥ 32 characters, same in every gateway process): signs image URLs and derives each
   * tenant's webhook signing secret. `MJ_GATEWAY_SECRET`. Never logged.
   */
  secret: string;
  /** `MJ_GATEWAY_PORT`; 0 = a free port. @default 8090 */
  port?: number;
  /** `MJ_GATEWAY_HOST`. @default '127.0.0.1' */
  host?: string;
  /**
   * `MJ_GATEWAY_PUBLIC_URL`: base of every absolute URL we hand out (image and upload URLs, callback payloads, the
   * console's address), an http(s) URL without credentials, query or fragment. The request's `Host` and
   * `X-Forwarded-*` headers never count unless {@link trustProxy} is set (and this is not).
   * @default the listen address (`http://<host>:<port>`)
   */
  publicBaseUrl?: string;
  /**
   * A proxy in front sets `X-Forwarded-Proto`/`X-Forwarded-Host` and strips what callers send: without
   * {@link publicBaseUrl}, absolute URLs follow them. `MJ_GATEWAY_TRUST_PROXY`. @default false
   */
  trustProxy?: boolean;
  /** Task queue of the gateway's own workflows (tenants registry, callbacks). `MJ_GATEWAY_TASK_QUEUE`. @default 'mj-gateway' */
  taskQueue?: string;
  /** Speed mode of submits that name none. @default 'FAST' */
  defaultMode?: SpeedMode;
  /** Body cap of JSON endpoints without images. @default 262144 @unit bytes */
  maxJsonBytes?: number;
  /** Body cap of endpoints that take images (blend of five data URLs). `MJ_GATEWAY_MAX_BODY`. @default 33554432 @unit bytes */
  maxImageBodyBytes?: number;
  /**
   * Operator's opt-in: notifyHook targets may be any address (loopback, private, link-local: local receivers, tests);
   * the URL rules and tenants' allow-lists still apply. `MJ_GATEWAY_ALLOW_PRIVATE_HOOKS`. @default false
   */
  allowPrivateHooks?: boolean;
  /** `Access-Control-Allow-Origin`. `MJ_GATEWAY_CORS_ORIGIN`. @default '*' */
  corsOrigin?: string;
  /** Per-tenant defaults (a tenant's registry options override them). */
  submitsPerMinute?: number;
  /** @default 100 */
  readsPerSecond?: number;
  /** @default 100 */
  maxOpenJobs?: number;
  /** Event streams (`/mj/task/{id}/events`, `/mj/events`) a tenant may hold open on one process. `MJ_GATEWAY_MAX_STREAMS_PER_TENANT`. @default 1000 */
  maxStreamsPerTenant?: number;
  /** Event streams one process holds open, all tenants together. `MJ_GATEWAY_MAX_STREAMS`. @default 10000 */
  maxStreams?: number;
  /** A comment line on every idle event stream this often, so proxies and clients see it alive. `MJ_GATEWAY_STREAM_HEARTBEAT_MS`. @default 15000 @unit ms */
  streamHeartbeatMs?: number;
  /** How often `/mj/events` looks for the tenant's new jobs (visibility). `MJ_GATEWAY_TENANT_STREAM_POLL_MS`. @default 1000 @unit ms */
  tenantStreamPollMs?: number;
  /**
   * Per-tenant storage quota: bytes of images (uploads, masks, base64 inputs) a tenant may store per day, counted
   * before anything is written (a token bucket per process, like the rate limits; 0 = no image writes).
   * `MJ_GATEWAY_STORAGE_BYTES_PER_DAY`. @default 1073741824 @unit bytes
   */
  storageBytesPerDay?: number;
  /** How long a process trusts its copy of the tenants registry (revocation takes at most this). @default 5000 @unit ms */
  tenantCacheMs?: number;
  /** How long `/submit/modal` waits for the job to accept the input. @default 20000 @unit ms */
  modalAcceptMs?: number;
  /**
   * How long `fetch`/`list-by-condition` reuse an open job's view (another process's change shows this much later;
   * 0 = every poll describes). `MJ_GATEWAY_READ_CACHE_MS`. @default 1000 @unit ms
   */
  readCacheOpenMs?: number;
  /** How long a closed job's (final) view is reused. `MJ_GATEWAY_READ_CACHE_CLOSED_MS`. @default 600000 @unit ms */
  readCacheClosedMs?: number;
  /** Prompts containing one of these words are refused with code 24. `MJ_GATEWAY_BANNED_WORDS` (comma-separated). @default [] */
  bannedWords?: string[];
  /**
   * How long our image and upload URLs work after they are handed out (rounded up by at most an hour); revoking any
   * of the tenant's keys ends them sooner. `MJ_GATEWAY_IMAGE_URL_TTL_MS`, 1 minute to 7 days.
   * @default 86400000 (24 h) @unit ms
   */
  imageUrlTtlMs?: number;
  /** Retry policy of callback deliveries. @default 1 s doubling to 5 min, for 25 h */
  callbackRetry?: DeliveryRetry;
}

const MIN_URL_TTL_MS = 60_000;
const MAX_URL_TTL_MS = 7 * 24 * 3600_000;

export type GatewayOptionsWithDefaults = Required<Omit<GatewayOptions, 'publicBaseUrl' | 'callbackRetry'>> &
  Pick<GatewayOptions, 'publicBaseUrl' | 'callbackRetry'>;

export function addDefaults(o: GatewayOptions): GatewayOptionsWithDefaults {
  if (typeof o.secret !== 'string' || o.secret.length < 32) {
    throw new TypeError('gateway secret (MJ_GATEWAY_SECRET) must be at least 32 characters');
  }
  if (
    o.imageUrlTtlMs !== undefined &&
    (!Number.isInteger(o.imageUrlTtlMs) || o.imageUrlTtlMs < MIN_URL_TTL_MS || o.imageUrlTtlMs > MAX_URL_TTL_MS)
  ) {
    throw new TypeError(
      `imageUrlTtlMs (MJ_GATEWAY_IMAGE_URL_TTL_MS) must be an integer from ${MIN_URL_TTL_MS} to ${MAX_URL_TTL_MS}`
    );
  }
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as GatewayOptions;
  if (defined.publicBaseUrl !== undefined) defined.publicBaseUrl = checkPublicUrl(defined.publicBaseUrl);
  const quota = defined.storageBytesPerDay;
  if (quota !== undefined && (!Number.isSafeInteger(quota) || quota < 0))
    throw new TypeError('storageBytesPerDay (MJ_GATEWAY_STORAGE_BYTES_PER_DAY) must be a non-negative integer');
  return {
    port: 8090,
    host: '127.0.0.1',
    taskQueue: DEFAULT_GATEWAY_TASK_QUEUE,
    defaultMode: 'FAST',
    maxJsonBytes: 256 * 1024,
    maxImageBodyBytes: 32 * 1024 * 1024,
    allowPrivateHooks: false,
    corsOrigin: '*',
    submitsPerMinute: 60,
    readsPerSecond: 100,
    maxOpenJobs: 100,
    maxStreamsPerTenant: 1_000,
    maxStreams: 10_000,
    streamHeartbeatMs: 15_000,
    tenantStreamPollMs: 1_000,
    storageBytesPerDay: 1024 * 1024 * 1024,
    trustProxy: false,
    tenantCacheMs: 5_000,
    modalAcceptMs: 20_000,
    readCacheOpenMs: 1_000,
    readCacheClosedMs: 600_000,
    bannedWords: [],
    imageUrlTtlMs: 24 * 3600_000,
    ...defined,
  };
}

/** The public base URL without its trailing slashes; a TypeError naming the variable unless it is a plain http(s) URL. */
function checkPublicUrl(value: string): string {
  const bad = new TypeError(
    `publicBaseUrl (MJ_GATEWAY_PUBLIC_URL) must be an absolute http(s) URL without credentials, query or fragment, not ${JSON.stringify(value.slice(0, 200))}`
  );
  const trimmed = value.trim().replace(/\/+$/, '');
  if (!URL.canParse(trimmed)) throw bad;
  const u = new URL(trimmed);
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) throw bad;
  return trimmed;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new TypeError(`${name} must be true, false, 1 or 0`);
}

function intEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return n;
}

/** Options from `MJ_GATEWAY_*` (the secret may also come from `secret`, e.g. a file in the data directory). */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv, secret = env.MJ_GATEWAY_SECRET): GatewayOptions {
  return {
    secret: secret ?? '',
    port: intEnv(env, 'MJ_GATEWAY_PORT'),
    host: env.MJ_GATEWAY_HOST || undefined,
    publicBaseUrl: env.MJ_GATEWAY_PUBLIC_URL || undefined,
    trustProxy: boolEnv(env, 'MJ_GATEWAY_TRUST_PROXY'),
    taskQueue: env.MJ_GATEWAY_TASK_QUEUE || undefined,
    defaultMode: (env.MJ_MODE as SpeedMode) || undefined,
    maxImageBodyBytes: intEnv(env, 'MJ_GATEWAY_MAX_BODY'),
    allowPrivateHooks: boolEnv(env, 'MJ_GATEWAY_ALLOW_PRIVATE_HOOKS'),
    corsOrigin: env.MJ_GATEWAY_CORS_ORIGIN || undefined,
    submitsPerMinute: intEnv(env, 'MJ_GATEWAY_SUBMITS_PER_MINUTE'),
    readsPerSecond: intEnv(env, 'MJ_GATEWAY_READS_PER_SECOND'),
    maxOpenJobs: intEnv(env, 'MJ_GATEWAY_MAX_OPEN_JOBS'),
    maxStreamsPerTenant: intEnv(env, 'MJ_GATEWAY_MAX_STREAMS_PER_TENANT'),
    maxStreams: intEnv(env, 'MJ_GATEWAY_MAX_STREAMS'),
    streamHeartbeatMs: intEnv(env, 'MJ_GATEWAY_STREAM_HEARTBEAT_MS'),
    tenantStreamPollMs: intEnv(env, 'MJ_GATEWAY_TENANT_STREAM_POLL_MS'),
    storageBytesPerDay: intEnv(env, 'MJ_GATEWAY_STORAGE_BYTES_PER_DAY'),
    readCacheOpenMs: intEnv(env, 'MJ_GATEWAY_READ_CACHE_MS'),
    readCacheClosedMs: intEnv(env, 'MJ_GATEWAY_READ_CACHE_CLOSED_MS'),
    imageUrlTtlMs: intEnv(env, 'MJ_GATEWAY_IMAGE_URL_TTL_MS'),
    bannedWords: env.MJ_GATEWAY_BANNED_WORDS?.split(',')
      .map((w) => w.trim())
      .filter(Boolean),
  };
}
