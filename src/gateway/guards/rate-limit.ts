/**
 * Per-tenant token buckets (per process: N gateway processes allow N times the rate; the open-jobs cap is global,
 * see `admission.ts`). Answers how long to wait when empty, for `Retry-After`.
 */
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes `cost` tokens (one request, or a number of bytes) from `key`'s bucket (`ratePerSec`, burst `burst`);
   * 0 = allowed, else seconds to wait. A cost above the burst never fits: callers refuse it before asking.
   */
  take(key: string, ratePerSec: number, burst: number, cost = 1): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: burst, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * ratePerSec);
    b.at = t;
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - b.tokens) / ratePerSec));
  }
}
