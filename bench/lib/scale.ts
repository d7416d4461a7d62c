/**
 * Time scaling. The simulator runs `timeScale` simulated ms per real ms, but Temporal timers run in real time. To
 * keep every interval meaningful in simulated time, each duration of a job's poll policy is divided by the same
 * scale (the per-mode defaults of src/shared/defaults.ts, so a relax job polls as it would in production), and the
 * baseline divides its "3 s" poll and "5 min" timeout the same way.
 */
import type { SpeedMode } from '../../src/mj/types';
import { DEFAULT_POLL_POLICY } from '../../src/shared/defaults';
import { durationToMs, type Duration } from '../../src/shared/duration';
import type { PollPolicy } from '../../src/shared/types';
import { defaultWebhookMs } from '../../src/workflows/job/poll';

const DURATION_FIELDS = ['initialInterval', 'maxInterval', 'queuedTimeout', 'stallTimeout', 'totalTimeout'] as const;

/** Real-time milliseconds for a simulated duration (at least 1 ms). */
export function realMs(simMs: number, timeScale: number): number {
  return Math.max(1, Math.round(simMs / timeScale));
}

function scaled(d: Duration, timeScale: number): Duration {
  return `${realMs(durationToMs(d), timeScale)}ms`;
}

/** The per-mode default policy with every duration divided by `timeScale` (coefficient and jitter unchanged). */
export function scaledPolicy(mode: SpeedMode, timeScale: number, overrides: Partial<PollPolicy> = {}): PollPolicy {
  const base: PollPolicy = { ...DEFAULT_POLL_POLICY[mode], ...overrides };
  if (timeScale === 1) return base;
  const out: PollPolicy = { ...base };
  for (const f of DURATION_FIELDS) out[f] = scaled(base[f], timeScale);
  // The webhook safety net is derived from maxInterval and a fixed cap; scale what it resolves to, cap included.
  const webhookMs = base.webhookInterval
    ? durationToMs(base.webhookInterval)
    : defaultWebhookMs(durationToMs(base.maxInterval));
  out.webhookInterval = `${realMs(webhookMs, timeScale)}ms`;
  if (base.modalTimeout) out.modalTimeout = scaled(base.modalTimeout, timeScale);
  return out;
}

/** A human-readable mapping table: simulated default → real-time value passed to the workflow. */
export function policyMapping(timeScale: number): Record<SpeedMode, Record<string, string>> {
  const out = {} as Record<SpeedMode, Record<string, string>>;
  for (const mode of Object.keys(DEFAULT_POLL_POLICY) as SpeedMode[]) {
    const real = scaledPolicy(mode, timeScale);
    out[mode] = Object.fromEntries(DURATION_FIELDS.map((f) => [f, `${DEFAULT_POLL_POLICY[mode][f]} sim → ${real[f]} real`]));
  }
  return out;
}
