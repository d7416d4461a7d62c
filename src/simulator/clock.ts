/**
 * Simulated time. Every timestamp the simulator reports (task times, image `ex`, request log) comes from a
 * {@link SimClock}, so tests can drive a whole job with a {@link ManualClock} and no real waiting.
 */

/** A pending timer; cancelling twice is harmless. */
export interface SimTimer {
  cancel(): void;
}

/** Source of simulated time (epoch ms) and of timers measured in simulated ms. */
export interface SimClock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): SimTimer;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Real time sped up by `timeScale`: simulated time starts at the real time of construction and then runs
 * `timeScale` times faster. Timers are unref'd so a forgotten simulator never keeps a process alive.
 */
export class ScaledClock implements SimClock {
  // Elapsed time comes from the monotonic clock that setTimeout also uses: with Date.now() a timer could fire a
  // millisecond "early", which a large time scale turns into simulated seconds.
  private readonly realStart = performance.now();
  private readonly pending = new Set<NodeJS.Timeout>();

  /**
   * @param timeScale simulated ms per real ms; `3600` makes an hour pass in a second.
   * @param simStart simulated epoch ms at construction. @default Date.now()
   */
  constructor(
    readonly timeScale = 1,
    private readonly simStart = Date.now()
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new TypeError(`timeScale must be > 0, got ${timeScale}`);
  }

  now(): number {
    return Math.floor(this.simStart + (performance.now() - this.realStart) * this.timeScale);
  }

  setTimer(delayMs: number, fn: () => void): SimTimer {
    let handle: NodeJS.Timeout;
    const due = this.now() + Math.max(0, delayMs);
    const arm = (realMs: number): void => {
      // setTimeout fires at once past 2^31-1 ms (~24.8 days), which a slow time scale can reach: wait in hops.
      const hop = Math.min(realMs, MAX_TIMEOUT_MS);
      handle = setTimeout(() => {
        this.pending.delete(handle);
        const left = due - this.now();
        // A timer never fires before its simulated due time (rounding can leave a sliver).
        if (left > 0) arm(Math.max(1, left / this.timeScale));
        else fn();
      }, hop);
      handle.unref();
      this.pending.add(handle);
    };
    arm(Math.max(0, delayMs / this.timeScale));
    return {
      cancel: () => {
        clearTimeout(handle);
        this.pending.delete(handle);
      },
    };
  }

  /** Cancels every pending timer (used by `Simulator.close()`). */
  dispose(): void {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}

interface ManualEntry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** 2026-01-01T00:00:00Z: a fixed start keeps seeded runs (task ids, image `ex`) reproducible. */
export const MANUAL_CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * A clock that only moves when told to. `advance()` fires due timers synchronously, in time order, including
 * timers that those callbacks schedule inside the window, so one call can carry a job from queue to SUCCESS.
 */
export class ManualClock implements SimClock {
  private current: number;
  private seq = 0;
  /** Sorted by (at, seq); cancelled entries are dropped when they reach the front. */
  private timers: ManualEntry[] = [];

  /** @param startMs simulated epoch ms to start at. @default MANUAL_CLOCK_START (2026-01-01T00:00:00Z) */
  constructor(startMs = MANUAL_CLOCK_START) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): SimTimer {
    const entry: ManualEntry = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    // Binary insert after every entry due at the same time or earlier, so ties fire in the order they were set.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid].at <= entry.at) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new TypeError(`advance() needs a non-negative number of ms, got ${ms}`);
    this.advanceTo(this.current + ms);
  }

  /** Moves time to `targetMs` (never backwards), firing due timers. */
  advanceTo(targetMs: number): void {
    // A runaway timer loop (a callback re-arming itself at delay 0) would otherwise hang the test silently.
    let fired = 0;
    while (this.timers.length && this.timers[0].at <= targetMs) {
      const next = this.timers.shift() as ManualEntry;
      if (next.cancelled) continue;
      if (++fired > 1_000_000) throw new Error('ManualClock: more than 1,000,000 timers fired in one advance');
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.current = Math.max(this.current, targetMs);
  }

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
