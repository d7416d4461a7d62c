/** The "upstreams" phase in the report: its target row (ledger = simulators) and its markdown section. */
import type { TargetCheck } from '../report-types';
import type { Distribution } from '../lib/util';
import type { ScenarioName, UpstreamsPhaseResult } from './upstreams';

const ORDER: ScenarioName[] = ['single-mid', 'cheapest', 'least-loaded'];
const usd = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined ? '–' : `$${v.toFixed(digits)}`;
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const p50p90 = (d: Distribution) => (d.n ? `${s(d.p50)} / ${s(d.p90)}` : '–');

export function upstreamsTargets(u: UpstreamsPhaseResult | undefined): TargetCheck[] {
  if (!u) return [];
  const rows = ORDER.flatMap((n) => (u.scenarios[n] ? [u.scenarios[n]] : []));
  if (rows.length === 0) return [];
  return [
    {
      target: "Routed spend: ledger = simulators' accepted tasks × price (upstreams phase)",
      goal: 'equal in every scenario',
      measured: rows
        .map(
          (r) =>
            `${r.scenario} ${usd(r.cost.ledger?.net, 2)} (${r.cost.ledger?.charges ?? 0} charges) vs ${usd(r.cost.simulators.amount, 2)} (${r.cost.simulators.tasks} tasks)`
        )
        .join('; '),
      met: rows.every((r) => r.cost.agree),
    },
  ];
}

export function upstreamsSection(u: UpstreamsPhaseResult | undefined): string[] {
  if (!u) return [];
  const L: string[] = [''];
  L.push(
    `## Several upstreams: ${u.imagines} FAST imagines + ${u.upscales} upscales (pinned to the grid's owner), arriving over ${u.arrivalSpreadMs / 1000} s`
  );
  L.push('');
  L.push(
    'Upstreams: ' +
      u.profiles
        .map(
          (p) =>
            `**${p.id}** ${usd(p.price.IMAGINE)} / imagine, ${usd(p.price.UPSCALE)} / upscale, ${p.concurrency} at once, grid ${(p.durations.queueMs + p.durations.runMs) / 1000} s`
        )
        .join('; ') +
      '.'
  );
  L.push('');
  L.push(
    '| scenario | rule | jobs OK | **cost / 100 jobs** | ledger net (charges) | simulators × price (tasks) | agree | time to result p50 / p90 | imagine p50 / p90 | upscale p50 / p90 | jobs per upstream | failovers | unpinned | upstream requests / job | webhooks sent (failed) |'
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const name of ORDER) {
    const r = u.scenarios[name];
    if (!r) continue;
    const per = Object.entries(r.byUpstream)
      .map(([id, n]) => `${id} ${n}`)
      .join(', ');
    L.push(
      `| ${r.scenario} | ${r.rule} | ${r.succeeded}/${r.jobs} | **${usd(r.cost.per100Jobs)}** | ${usd(r.cost.ledger?.net, 3)} (${r.cost.ledger?.charges ?? 0}) | ${usd(r.cost.simulators.amount, 3)} (${r.cost.simulators.tasks}) | ${r.cost.agree ? 'yes' : '**NO**'} | ${p50p90(r.timeToResultMs.all)} | ${p50p90(r.timeToResultMs.imagine)} | ${p50p90(r.timeToResultMs.upscale)} | ${per} | ${r.failovers} | ${r.unpinned} | ${r.upstreamRequestsPerJob ?? '–'} | ${r.webhooks.sent} (${r.webhooks.failed}) |`
    );
  }
  const failed = ORDER.flatMap((n) =>
    Object.entries(u.scenarios[n]?.failures ?? {}).map(([m, k]) => `${n}: ${k}× ${m}`)
  );
  if (failed.length) L.push('', `Failures: ${failed.join('; ')}.`);
  L.push('');
  for (const n of u.notes) L.push(`- ${n}`);
  return L;
}
