/**
 * The one backoff helper of every workflow retry loop (submit, reconcile, modal submit, slot refresh). Options are
 * data, the deadline is absolute, and `next(hintMs?)` answers how long to wait before the next attempt (a server's
 * Retry-After wins over the schedule) or `undefined` when that wait would pass the deadline, so each loop decides
 * what giving up means. Pure: the workflow passes its deterministic clock and seeded random; unit tests pass theirs.
 */
import { jittered } from './jitter';

export interface BackoffOptions {
  /** First wait. @unit ms */
  initialMs: number;
  /** Longest wait. @unit ms */
  maxMs: number;
  /** Growth of the wait after each attempt. @default 2 */
  coefficient?: number;
  /** ± fraction of random spread on each wait, so loops started together do not retry together. @default 0 */
  jitter?: number;
}

export interface BackoffClock {
  now(): number;
  random(): number;
}

export class Backoff {
  private waitMs: number;

  constructor(
    readonly options: BackoffOptions,
    /** Epoch ms after which no attempt is worth waiting for. @default no deadline */
    readonly deadlineAt: number = Number.POSITIVE_INFINITY,
    private readonly clock: BackoffClock = { now: () => Date.now(), random: () => Math.random() }
  ) {
    this.waitMs = options.initialMs;
  }

  /** The wait before the next attempt, then grows the schedule; undefined once waiting would pass the deadline. */
  next(hintMs?: number): number | undefined {
    const base = hintMs !== undefined && hintMs >= 0 ? hintMs : this.waitMs;
    this.waitMs = Math.min(
      this.options.maxMs,
      Math.max(this.options.initialMs, this.waitMs * (this.options.coefficient ?? 2))
    );
    const wait = jittered(base, this.options.jitter ?? 0, () => this.clock.random());
    return this.clock.now() + wait > this.deadlineAt ? undefined : wait;
  }

  /** Back to the first wait (a loop that made progress). */
  reset(): void {
    this.waitMs = this.options.initialMs;
  }
}
