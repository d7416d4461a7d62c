/**
 * A short-lived cache of job views, keyed by workflow id, in front of `describe` on the hot read paths (`fetch`,
 * `list-by-condition`): hundreds of clients polling the same tasks every few seconds should cost Temporal one
 * describe per task per `openTtlMs`, not one per poll. The rules that keep answers correct:
 *
 * - a closed job's view is final (a closed run's memo and status never change), so it is kept for `closedTtlMs`
 *   (only an operator's reset could reopen it; it shows after that long);
 * - an open job's view is kept for `openTtlMs` only: polls see a change at most that much later than `describe`
 *   would, well under the 2–15 s clients poll at; writes through this process (modal, cancel) drop the entry at once;
 * - "not found" is never kept (the id may be started by another gateway process a moment later);
 * - concurrent misses of one id share one `describe`;
 * - at most `maxEntries` views, the oldest dropped first.
 *
 * The process stays stateless in the sense of the issue: the cache only ever answers what Temporal answered a moment
 * ago, so any number of gateway processes give the same answers up to `openTtlMs`.
 */
import type { JobView } from './gateway-memo';

export interface ViewCacheOptions {
  /** @default 1000 @unit ms */
  openTtlMs?: number;
  /** @default 600000 @unit ms */
  closedTtlMs?: number;
  /** @default 50000 */
  maxEntries?: number;
  /** @default Date.now */
  now?: () => number;
}

interface Entry {
  view: JobView;
  expires: number;
}

export class ViewCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<JobView | undefined>>();
  private readonly openTtlMs: number;
  private readonly closedTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(o: ViewCacheOptions = {}) {
    this.openTtlMs = o.openTtlMs ?? 1_000;
    this.closedTtlMs = o.closedTtlMs ?? 600_000;
    this.maxEntries = o.maxEntries ?? 50_000;
    this.now = o.now ?? Date.now;
  }

  /** The cached view of `key`, else `load()`'s (shared by concurrent callers), kept by the rules above. */
  async get(key: string, load: () => Promise<JobView | undefined>): Promise<JobView | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.view;
    if (hit) this.entries.delete(key);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const p = load().then(
      (view) => {
        this.loading.delete(key);
        if (view) this.put(key, view);
        return view;
      },
      (err: unknown) => {
        this.loading.delete(key);
        throw err;
      }
    );
    this.loading.set(key, p);
    return p;
  }

  /** Drops `key` (after a write through this process). */
  invalidate(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private put(key: string, view: JobView): void {
    const ttl = view.execution === 'RUNNING' ? this.openTtlMs : this.closedTtlMs;
    if (ttl <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { view, expires: this.now() + ttl });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
