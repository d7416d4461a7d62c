/**
 * Polling clients for the gateway read-path phase: `clients` loops, each sending one request every `everyMs` at its
 * own random offset (as browsers and new-api channels poll: on a timer, not back to back), for `durationMs`. A
 * request that comes back after its next tick is due sends the next one at once (no catch-up burst). Latency is
 * measured from send to the end of the answer's body, in this process.
 */
import { distribution, round, sleep, type Distribution } from '../lib/util';

export interface LoadResult {
  clients: number;
  everyMs: number;
  durationMs: number;
  requests: number;
  /** Requests per second actually sent. */
  rps: number | null;
  /** Answers that were not what the check expected (wrong status, wrong body, thrown). */
  errors: number;
  firstError?: string;
  latencyMs: Distribution;
}

export interface LoadSpec {
  clients: number;
  everyMs: number;
  durationMs: number;
  /** One request; resolves to null when the answer is right, else a short reason. */
  request(client: number, n: number): Promise<string | null>;
}

function roundDist(d: Distribution): Distribution {
  return { n: d.n, p50: round(d.p50), p90: round(d.p90), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + spec.durationMs;
  const loop = async (client: number) => {
    let next = started + Math.random() * spec.everyMs;
    for (let n = 0; ; n++) {
      await sleep(next - performance.now());
      if (performance.now() >= end) return;
      const t0 = performance.now();
      let problem: string | null;
      try {
        problem = await spec.request(client, n);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      latencies.push(performance.now() - t0);
      if (problem) {
        errors++;
        firstError ??= problem;
      }
      next = Math.max(next + spec.everyMs, performance.now());
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, (_, i) => loop(i)));
  const elapsed = performance.now() - started;
  return {
    clients: spec.clients,
    everyMs: spec.everyMs,
    durationMs: Math.round(elapsed),
    requests: latencies.length,
    rps: round(latencies.length / (elapsed / 1000), 1),
    errors,
    firstError,
    latencyMs: roundDist(distribution(latencies)),
  };
}
