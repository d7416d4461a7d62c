/**
 * Simulator options, documented once and defaulted in one place ({@link resolveOptions}).
 */
import type { SpeedMode } from '../mj/types';
import { DEFAULT_FLAVOUR, isMjFlavour, MJ_FLAVOURS, type MjFlavour } from '../mj/terms/flavours';
import { ScaledClock, type SimClock } from './clock';
import { DEFAULT_GATEWAY_OPTIONS, type GatewayOptions } from './gateway-table';

/** MidJourney versions whose button sets the simulator knows (contract §7). */
export type SimDefaultVersion = '6.1' | '7' | '8';

/** Simulated durations of one grid job (an imagine) in a speed mode. Other jobs scale these (see docs/simulator.md, Timing). */
export interface ModeDurations {
  /** Time from SUBMITTED to the first IN_PROGRESS step ("Waiting to start"), simulated ms. */
  queueMs: number;
  /** Time from the first IN_PROGRESS step to SUCCESS, simulated ms. */
  runMs: number;
}

/** Options of {@link startSimulator}; every field is optional. */
export interface SimulatorOptions {
  /** Which member of the midjourney-proxy family the simulator imitates (contract §0). @default 'trueai' */
  flavour?: MjFlavour;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a random free port) */
  port?: number;
  /**
   * When set, /mj requests must authenticate the flavour's way: novicezk and plus `mj-api-secret`; trueai the raw
   * `Authorization` or `Mj-Api-Secret`; gateway `Authorization: Bearer <key>` or the bare key.
   * @default undefined (no auth)
   */
  apiKey?: string;
  /** Simulated ms per real ms; ignored when `clock` is given. @default 1 */
  timeScale?: number;
  /** @default a real clock sped up by `timeScale` */
  clock?: SimClock;
  /** Simulated durations per mode. @default TURBO {2 s, 20 s}, FAST {5 s, 45 s}, RELAX {5 min, 10 min} */
  durations?: Partial<Record<SpeedMode, ModeDurations>>;
  /** Running jobs per account and mode. @default 3 for each mode */
  concurrency?: Partial<Record<SpeedMode, number>>;
  /** Jobs that may wait per account beyond the running ones; one more is refused as queue-full. @default 10 */
  queueSize?: number;
  /** Account Remix on: variation, reroll, pan, animate and shorten picks park in MODAL. @default false */
  remix?: boolean;
  /** MidJourney version when the prompt has no `--v` or `--niji`. @default '7' */
  defaultVersion?: SimDefaultVersion;
  /** Seeds every random choice (task id suffixes, job hashes, describe text, fault sampling). @default random */
  seed?: number;
  /** Base of image and video URLs. @default the server's own URL */
  publicBaseUrl?: string;
  /** Words that trip the content filter (case-insensitive). @default ['bannedword', 'nsfw-test'] */
  bannedWords?: string[];
  /** Webhook for tasks submitted without `notifyHook` (the proxy's global `notify-hook`). @default undefined */
  notifyHook?: string;
  /** Real-time limit of one webhook POST. @default 2000 */
  webhookTimeoutMs?: number;
  /** Largest request body accepted, bytes. @default 64 MiB */
  maxBodyBytes?: number;
  /** Request log entries kept in `stats().requests` (oldest dropped first). @default 1000 */
  maxRequestLog?: number;
  /**
   * An unanswered MODAL child older than this (from its `submitTime`) turns FAILURE with a failReason that says it
   * expired; 0 turns expiry off. Defaults follow the real task stores: trueai keeps MODAL rows in its database
   * without a limit (off); novicezk-plus keeps tasks in its task store for `mj.task-store.timeout`, 30 days; the
   * gateway flavour's upstream is plus-like (30 days), and its own one-hour `gatewayTaskTimeout` comes first.
   * @default 0 for trueai, 30 days otherwise
   * @unit simulated milliseconds
   */
  modalTtl?: number;
  /**
   * Gateway flavour only: a task whose gateway copy has not reached progress "100%" this long after its
   * `submitTime` turns FAILURE "上游任务超时（超过1小时）" with progress "100%" in the gateway's answers (new-api
   * `UpdateMidjourneyTaskBulk`), while the upstream job carries on; 0 turns it off.
   * @default 3_600_000 (one hour)
   * @unit simulated milliseconds
   */
  gatewayTaskTimeout?: number;
  /**
   * Keep the state (tasks, clock, queues, uploads, pending webhooks) in this JSON file and resume from it on the
   * next start, so stopping and starting the simulator resumes its jobs. Written atomically: before each submit is
   * answered, and a few milliseconds after any other change. Simulated time stands still while it is stopped.
   * @default undefined (state in memory only)
   */
  stateFile?: string;
  /** Gateway flavour: new-api's own behaviours, each switchable (see {@link GatewayOptions}). */
  gateway?: Partial<GatewayOptions>;
}

/** Default simulated durations of a grid job per speed mode. */
export const DEFAULT_DURATIONS: Record<SpeedMode, ModeDurations> = {
  TURBO: { queueMs: 2_000, runMs: 20_000 },
  FAST: { queueMs: 5_000, runMs: 45_000 },
  RELAX: { queueMs: 300_000, runMs: 600_000 },
};

/** novicezk-plus's default task-store timeout (`mj.task-store.timeout: 30d`). */
export const PLUS_TASK_STORE_TTL_MS = 30 * 24 * 3_600_000;

/** new-api's rule: a task not at "100%" one hour after its submitTime is failed and refunded. */
export const GATEWAY_TASK_TIMEOUT_MS = 3_600_000;

/** Words that trip the content filter unless `bannedWords` is given. */
export const DEFAULT_BANNED_WORDS = ['bannedword', 'nsfw-test'];

/** {@link SimulatorOptions} with every default applied. */
export interface ResolvedOptions {
  flavour: MjFlavour;
  host: string;
  port: number;
  apiKey: string | undefined;
  clock: SimClock;
  durations: Record<SpeedMode, ModeDurations>;
  concurrency: Record<SpeedMode, number>;
  queueSize: number;
  remix: boolean;
  defaultVersion: SimDefaultVersion;
  seed: number | undefined;
  publicBaseUrl: string | undefined;
  bannedWords: string[];
  notifyHook: string | undefined;
  webhookTimeoutMs: number;
  maxBodyBytes: number;
  maxRequestLog: number;
  modalTtl: number;
  gatewayTaskTimeout: number;
  stateFile: string | undefined;
  gateway: GatewayOptions;
}

const VERSIONS: readonly SimDefaultVersion[] = ['6.1', '7', '8'];

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}

/**
 * Applies defaults and rejects options that cannot work, naming the bad field. `clockStart` is where a clock made
 * here starts (a resumed state's saved time). @default now
 */
export function resolveOptions(opts: SimulatorOptions = {}, clockStart?: number): ResolvedOptions {
  const flavour = opts.flavour ?? DEFAULT_FLAVOUR;
  if (!isMjFlavour(flavour)) throw new TypeError(`unknown flavour "${flavour}"; use ${MJ_FLAVOURS.join(', ')}`);
  const defaultVersion = opts.defaultVersion ?? '7';
  if (!VERSIONS.includes(defaultVersion)) throw new TypeError(`defaultVersion must be one of ${VERSIONS.join(', ')}`);
  if (opts.clock && opts.timeScale !== undefined) {
    throw new TypeError('pass either `clock` or `timeScale`, not both: a custom clock decides its own speed');
  }
  const durations = { ...DEFAULT_DURATIONS };
  for (const [mode, d] of Object.entries(opts.durations ?? {}) as [SpeedMode, ModeDurations][]) {
    durations[mode] = {
      queueMs: nonNegative(`durations.${mode}.queueMs`, d.queueMs),
      runMs: nonNegative(`durations.${mode}.runMs`, d.runMs),
    };
  }
  const concurrency: Record<SpeedMode, number> = { FAST: 3, RELAX: 3, TURBO: 3 };
  for (const [mode, n] of Object.entries(opts.concurrency ?? {}) as [SpeedMode, number][]) {
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`concurrency.${mode} must be an integer >= 1, got ${n}`);
    concurrency[mode] = n;
  }
  const queueSize = opts.queueSize ?? 10;
  if (!Number.isInteger(queueSize) || queueSize < 0)
    throw new TypeError(`queueSize must be an integer >= 0, got ${queueSize}`);
  return {
    flavour,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    apiKey: opts.apiKey || undefined,
    clock: opts.clock ?? new ScaledClock(opts.timeScale ?? 1, clockStart),
    durations,
    concurrency,
    queueSize,
    remix: opts.remix ?? false,
    defaultVersion,
    seed: opts.seed,
    publicBaseUrl: opts.publicBaseUrl?.replace(/\/+$/, ''),
    bannedWords: (opts.bannedWords ?? DEFAULT_BANNED_WORDS).map((w) => w.toLowerCase()).filter(Boolean),
    notifyHook: opts.notifyHook,
    webhookTimeoutMs: nonNegative('webhookTimeoutMs', opts.webhookTimeoutMs ?? 2_000),
    maxBodyBytes: nonNegative('maxBodyBytes', opts.maxBodyBytes ?? 64 * 1024 * 1024),
    maxRequestLog: nonNegative('maxRequestLog', opts.maxRequestLog ?? 1_000),
    modalTtl: nonNegative('modalTtl', opts.modalTtl ?? (flavour === 'trueai' ? 0 : PLUS_TASK_STORE_TTL_MS)),
    gatewayTaskTimeout: nonNegative('gatewayTaskTimeout', opts.gatewayTaskTimeout ?? GATEWAY_TASK_TIMEOUT_MS),
    stateFile: opts.stateFile || undefined,
    gateway: resolveGateway(opts.gateway),
  };
}

function resolveGateway(g: Partial<GatewayOptions> = {}): GatewayOptions {
  const out = { ...DEFAULT_GATEWAY_OPTIONS, ...g };
  nonNegative('gateway.refreshMs', out.refreshMs);
  if (out.serverAddress !== undefined) out.serverAddress = out.serverAddress.replace(/\/+$/, '');
  return out;
}
