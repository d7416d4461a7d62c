/**
 * The gateway read-path phase in the report: its two targets (issue 11 §4) and its section. Kept beside the phase
 * so bench/report.ts only calls these two functions.
 */
import type { Distribution } from '../lib/util';
import type { GatewayReadPhaseResult } from './gateway-read';
import type { LoadResult } from './gateway-read-load';

interface Check {
  target: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

const FETCH_P99_MS = 20;
const LIST_P99_MS = 100;

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`);
const x = (v: number | null): string => (v === null ? '–' : `${v.toFixed(2)}×`);
const dist = (d: Distribution): string => `${ms(d.p50)} / ${ms(d.p90)} / ${ms(d.p99)} / ${ms(d.max)}`;

export function gatewayReadTargets(g: GatewayReadPhaseResult | undefined): Check[] {
  if (!g) return [];
  const clean = (l: LoadResult) => l.errors === 0 && l.requests > 0;
  return [
    {
      target: `Gateway fetch p99, ${g.clients} polling clients, worker stopped`,
      goal: `≤ ${FETCH_P99_MS} ms`,
      measured: `${ms(g.fetch.latencyMs.p99)} (${x(g.ratios.fetchVsDescribe)} a bare describe's ${ms(g.describe.latencyMs.p99)}); ${g.fetch.requests} requests, ${g.fetch.errors} wrong`,
      met: g.fetch.latencyMs.p99 === null ? null : g.fetch.latencyMs.p99 <= FETCH_P99_MS && clean(g.fetch),
    },
    {
      target: `Gateway list-by-condition of 100 ids p99, ${g.clients} polling clients, worker stopped`,
      goal: `≤ ${LIST_P99_MS} ms`,
      measured: `${ms(g.list.latencyMs.p99)} (${x(g.ratios.listVsDescribe)} a bare describe, ${x(g.ratios.listVsVisibility)} the bare visibility query's ${ms(g.visibility.latencyMs.p99)}); ${g.list.requests} requests, ${g.list.errors} wrong`,
      met: g.list.latencyMs.p99 === null ? null : g.list.latencyMs.p99 <= LIST_P99_MS && clean(g.list),
    },
  ];
}

export function gatewayReadSection(g: GatewayReadPhaseResult | undefined): string[] {
  if (!g) return [];
  const L = [
    '',
    `## Gateway read path, worker stopped: ${g.clients} polling clients over ${g.jobs.total} jobs (${g.jobs.finished} finished, ${g.jobs.submittedWorkerDown} submitted while the worker was down)`,
    '',
    '| load | every (per client) | requests | req/s | wrong | p50 / p90 / p99 / max |',
    '|---|---|---|---|---|---|',
  ];
  const rows: [string, LoadResult][] = [
    ['bare `describe` (Temporal client)', g.describe],
    ['`GET /mj/task/{id}/fetch`', g.fetch],
    ['bare visibility `list` of 100 ids', g.visibility],
    ['`POST /mj/task/list-by-condition` (100 ids)', g.list],
  ];
  for (const [name, l] of rows)
    L.push(`| ${name} | ${l.everyMs} ms | ${l.requests} | ${l.rps ?? '–'} | ${l.errors} | ${dist(l.latencyMs)} |`);
  const h = g.history;
  L.push('');
  L.push(
    `History the read path adds per finished job (${h.jobs} sampled): ${h.memoUpsertsPerJob ?? '–'} memo upserts (WorkflowPropertiesModified) of ${h.eventsPerJob ?? '–'} events; ${h.saUpsertsPerJob ?? '–'} search-attribute upserts (kept for lists and the console, not read by fetch); memo ${h.memoBytes ?? '–'} bytes. The gateway's own memo is written with the start (no event).`
  );
  for (const note of g.notes) L.push(`- ${note}`);
  for (const l of [g.describe, g.fetch, g.visibility, g.list])
    if (l.firstError) L.push(`- first wrong answer: ${l.firstError}`);
  return L;
}
