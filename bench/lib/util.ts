/**
 * Small helpers of the benchmark: timing, percentiles, free loopback ports, a seeded random source and bounded
 * waiting. Nothing here talks to Temporal or the simulator.
 */
import net from 'node:net';
import { SeededRandom } from '../../src/simulator/random';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Nearest-rank percentile of an unsorted list; null for an empty one. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Distribution {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function distribution(values: readonly number[]): Distribution {
  const n = values.length;
  return {
    n,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: n ? Math.max(...values) : null,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : null,
  };
}

export function mapDistribution(d: Distribution, f: (v: number) => number): Distribution {
  const m = (v: number | null) => (v === null ? null : f(v));
  return { n: d.n, p50: m(d.p50), p90: m(d.p90), p99: m(d.p99), max: m(d.max), mean: m(d.mean) };
}

export function round(v: number | null | undefined, digits = 2): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A free TCP port on 127.0.0.1 (bound, read, released: a tiny race, acceptable for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** mulberry32 (the simulator's `SeededRandom`): small, seeded, good enough to shuffle a job mix reproducibly. */
export function seededRandom(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await sleep(Math.min(everyMs, until - Date.now()));
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Logs with elapsed seconds since the benchmark started. */
export function makeLogger(startedAt = Date.now()): (msg: string) => void {
  return (msg: string) => {
    const s = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${s}s] ${msg}\n`);
  };
}
