/**
 * Every default of the service in one place. Workflow-safe.
 */
import type { SpeedMode } from '../mj/types';
import type { PollPolicy } from './types';

/** Per-mode poll policy. Relax jobs queue for a long time upstream, so their deadlines are generous. */
export const DEFAULT_POLL_POLICY: Record<SpeedMode, PollPolicy> = {
  TURBO: {
    initialInterval: '2s',
    maxInterval: '10s',
    backoffCoefficient: 1.5,
    jitter: 0.15,
    queuedTimeout: '15m',
    stallTimeout: '10m',
    totalTimeout: '1h',
  },
  FAST: {
    initialInterval: '3s',
    maxInterval: '20s',
    backoffCoefficient: 1.5,
    jitter: 0.15,
    queuedTimeout: '30m',
    stallTimeout: '15m',
    totalTimeout: '2h',
  },
  RELAX: {
    initialInterval: '5s',
    // Five minutes keeps an hour of relax waiting near 12 polls (about 75 history events).
    maxInterval: '5m',
    backoffCoefficient: 1.6,
    jitter: 0.15,
    queuedTimeout: '3h',
    stallTimeout: '30m',
    totalTimeout: '6h',
  },
};

/**
 * Once webhooks arrive for a task, polling slows to this many times `maxInterval` (the safety net): FAST 2 min, TURBO
 * 1 min, RELAX capped at 10 min. At 3 the FAST net (51–60 s after jitter) fired inside most FAST jobs (45–60 s), a
 * fetch and five history events for nothing whenever the webhooks were fine.
 */
export const WEBHOOK_INTERVAL_FACTOR = 6;

/**
 * ... but a lost terminal webhook must still be noticed within this, jitter included: the default safety
 * net of a relax job (6 × 5 min) is cut to 10 min ÷ (1 + jitter). An explicit `webhookInterval` is taken as given.
 */
export const WEBHOOK_INTERVAL_CAP = '10m';

export const DEFAULT_MODE: SpeedMode = 'FAST';
export const DEFAULT_ACCOUNT = 'default';

/** A job continues as new once its history passes this many events (server suggests it at 4,096). */
export const CONTINUE_AS_NEW_EVENTS = 1_000;

/** The contract's limits, kept in the contract library (src/mj/terms/limits.ts) and listed here with the rest. */
export { MAX_PROMPT_LENGTH, MAX_STATE_LENGTH } from '../mj/terms/limits';

/** Largest mask or reference image the client will store. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/**
 * Most pixels (width × height, as the header says) of any image input: above MidJourney's largest output (4096 ×
 * 4096 ≈ 16.8 M) and a 48 MP phone photo, far below what a 10 MiB file can claim (a PNG header may say 20000 × 20000
 * over a few KB of compressed zeros, 1.6 GB once decoded).
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** HTTP timeouts of the proxy client, kept below the activity start-to-close timeout. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** Discord CDN links expire about 24 h after finish (§14.5). */
export const IMAGE_URL_TTL_MS = 24 * 3_600_000;

/** Pipelines: most steps in a file. */
export const MAX_PIPELINE_STEPS = 32;

/**
 * Pipelines: most step × branch jobs in one pipeline. A branch costs about 10 history events (child start,
 * started, completed, workflow tasks) and a few KB of child result, so 64 branches stay far below the
 * 4,096-event continue-as-new suggestion without needing continue-as-new.
 */
export const MAX_PIPELINE_BRANCHES = 64;

/** Pipelines: child jobs running at once (MJ fast mode runs about 3 to 12 jobs per account at once). */
export const DEFAULT_PIPELINE_CONCURRENCY = 4;

/** Batches: jobs running at once per account × mode. */
export const DEFAULT_BATCH_CONCURRENCY = 3;

/** Batches: most items in one batch workflow (~10 events each: stays below 4,096 events). Split larger lists. */
export const MAX_BATCH_ITEMS = 250;

/** Upper bound of any pipeline or batch concurrency setting. */
export const MAX_CONCURRENCY = 32;

/**
 * Jobs: how the workflow backs off before resubmitting after definite back-pressure (queue full, no instance,
 * rate limited without Retry-After). Longer than a poll interval: the account is busy, not the task.
 */
export const DEFAULT_SUBMIT_BACKOFF = { initialInterval: '5s', maxInterval: '2m', backoffCoefficient: 2 } as const;

/** Jobs: "parent missing / not ready" right after the parent's SUCCESS is a known race (§4, N #252); retry this often. */
export const MAX_PARENT_UNAVAILABLE_RETRIES = 3;

/**
 * Jobs: resubmits after a gateway's code 5 `unmarshal_response_body_failed` (a wrong upstream key) before the job fails
 * as `UpstreamAuthFailed`. A key is rarely fixed within minutes, so a few attempts only ride out a channel rotation.
 */
export const MAX_UPSTREAM_AUTH_RETRIES = 2;

/** Jobs: wait before looking up a submit with an unknown outcome, so an asynchronously saved task (N) is visible. */
export const RECONCILE_DELAY = '2s';

/**
 * Routed jobs: shortest wait before asking the pool again after it answered "busy", so a cooldown that
 * ends now does not turn into a tight loop of reservations.
 */
export const MIN_UPSTREAM_WAIT = '1s';

/** Routed jobs: how often a job parked by a budget (`onExceed: 'park'`) asks the ledger again. */
export const BUDGET_PARK_RECHECK = '5m';

/** Slots: workflow id prefix of the slot managers, `mj-slots-<account>-<mode>`. */
export const SLOT_MANAGER_ID_PREFIX = 'mj-slots';

/** Slots: highest per-account limit accepted (a gateway may pool several accounts behind one key). */
export const MAX_SLOT_LIMIT = 100;

/**
 * Slots: how often a manager checks that its holders still run (jittered by RECLAIM_JITTER), so a slot of a terminated or timed-out
 * job comes back within about this long. Costs about 11 history events per check, only while slots are held.
 */
export const SLOT_RECLAIM_INTERVAL = '1m';

/** Spread of the slot and upstream managers' reclaim checks: ±20 %. */
export const RECLAIM_JITTER = 0.2;

/**
 * Slots: a holder still waiting repeats its (idempotent) request after this long, then twice as long each time up to
 * the maximum, in case its manager was terminated or reset (a day-long wait costs about 10 repeats).
 */
export const SLOT_REQUEST_REFRESH = { initialInterval: '15m', maxInterval: '4h' } as const;

/** Slots: pause of new grants after a holder reported back-pressure without Retry-After, and the longest pause. */
export const SLOT_COOL_DOWN = { default: '30s', max: '10m' } as const;

/**
 * Slots: a manager continues as new after this many history events (about 15 per job, 11 per reclaim check). The
 * waiting queue is carried along, so keep it below a few thousand requests (about 200 bytes each).
 */
export const SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS = 2_000;

/** Cost ledger: continue as new past this many events (the carry holds the totals and at most 1000 recent charges). */
export const LEDGER_CONTINUE_AS_NEW_EVENTS = 4_000;

/** Tenants registry: continue as new past this many events (the carry is the registry: tenants and key hashes). */
export const TENANTS_CONTINUE_AS_NEW_EVENTS = 2_000;

/** Upstream pool: continue as new past this many events (about 5 per reserve, report or release). */
export const UPSTREAM_POOL_CONTINUE_AS_NEW_EVENTS = 2_000;

/**
 * Slots: how many of an account's slots batch work never takes (`SlotLimits.reservedForInteractive`), so a person's
 * press starts at once while a batch fills the account. Capped at `limit - 1`, so a batch always has a slot.
 */
export const SLOT_RESERVED_FOR_INTERACTIVE = 1;
