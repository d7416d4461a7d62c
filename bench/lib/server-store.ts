/**
 * The dev server's own count of its store work (its Prometheus `/metrics`): persistence requests by operation, and
 * visibility requests, for one namespace. The throughput phase reads it before and after a window, so "server work
 * per workflow" is the server's own figure, not an estimate from history events. The dev server keeps everything in
 * one SQLite file, so every write waits for the one before it: writes per workflow bound workflows per second.
 */

/** Counters of one scrape. `requests` by persistence operation. */
export interface StoreCounters {
  requests: Record<string, number>;
  /** Visibility store requests by operation. */
  visibility: Record<string, number>;
}

/** What a workload made the store do, per workflow, over a window. */
export interface StoreWork {
  workflows: number;
  /** Persistence requests per workflow (history, matching and the rest), reads and writes. */
  requestsPerWorkflow: number;
  /** Of those, the writes (create, update, append, complete, delete, …). */
  writesPerWorkflow: number;
  /** Visibility store writes per workflow (the phase's own count queries are reads, left out). */
  visibilityWritesPerWorkflow: number;
  /** The operations behind the writes, per workflow, largest first (at most 8). */
  topWrites: [string, number][];
}

const READ_OP = /^(Get|List|Read|Assert|Describe|Count|Scan|Watch|Is)/;
const LINE = /^(persistence_requests|visibility_persistence_requests)\{([^}]*)\}\s+([0-9.eE+-]+)$/;

function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** The counters of `namespace` in a Prometheus text exposition. */
export function parseStoreCounters(text: string, namespace: string): StoreCounters {
  const out: StoreCounters = { requests: {}, visibility: {} };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const l = labels(m[2]!);
    // Visibility counters carry no namespace label (all namespaces of the server); the bench runs one busy namespace.
    if (l.namespace !== undefined ? l.namespace !== namespace : m[1] !== 'visibility_persistence_requests') continue;
    const n = Number(m[3]);
    const into = m[1] === 'visibility_persistence_requests' ? out.visibility : out.requests;
    const op = l.operation ?? 'unknown';
    into[op] = (into[op] ?? 0) + n;
  }
  return out;
}

export async function scrapeStoreCounters(metricsUrl: string, namespace = 'default'): Promise<StoreCounters> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${metricsUrl}: HTTP ${res.status}`);
  return parseStoreCounters(await res.text(), namespace);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The store work between two scrapes, divided by the workflows that ran all of their work in between. */
function deltaOf(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) delta[op] = d;
  }
  return delta;
}

const writesOf = (delta: Record<string, number>) => Object.entries(delta).filter(([op]) => !READ_OP.test(op));

export function storeWork(before: StoreCounters, after: StoreCounters, workflows: number): StoreWork | null {
  if (workflows <= 0) return null;
  const delta = deltaOf(before.requests, after.requests);
  const visibilityWrites = writesOf(deltaOf(before.visibility, after.visibility)).reduce((a, [, n]) => a + n, 0);
  const all = Object.values(delta).reduce((a, b) => a + b, 0);
  const writes = writesOf(delta);
  const writeSum = writes.reduce((a, [, n]) => a + n, 0);
  return {
    workflows,
    requestsPerWorkflow: round2(all / workflows),
    writesPerWorkflow: round2(writeSum / workflows),
    visibilityWritesPerWorkflow: round2(visibilityWrites / workflows),
    topWrites: writes
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([op, n]) => [op, round2(n / workflows)]),
  };
}
