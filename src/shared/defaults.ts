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
    maxInterval: '2m',
    backoffCoefficient: 1.6,
    jitter: 0.15,
    queuedTimeout: '3h',
    stallTimeout: '30m',
    totalTimeout: '6h',
  },
};

export const DEFAULT_MODE: SpeedMode = 'FAST';
export const DEFAULT_ACCOUNT = 'default';

/** A job continues as new once its history passes this many events (server suggests it at 4,096). */
export const CONTINUE_AS_NEW_EVENTS = 1_000;

/** T caps `state` at 255 characters (§2.1). */
export const MAX_STATE_LENGTH = 255;

/** Generous but bounded: MJ prompts are a few hundred characters; proxies reject far longer ones. */
export const MAX_PROMPT_LENGTH = 6_000;

/** Largest mask or reference image the client will store. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** HTTP timeouts of the proxy client, kept below the activity start-to-close timeout. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** Discord CDN links expire about 24 h after finish (§14.5). */
export const IMAGE_URL_TTL_MS = 24 * 3_600_000;
