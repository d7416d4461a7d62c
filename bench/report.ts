/**
 * Turns a benchmark run into `bench/results/<date>.json` (everything measured) and `<date>.md` + `latest.md` (a short
 * table of targets and results). Targets are judged here, once, from the measured numbers.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { costTargets } from './cost-targets';
import type { Distribution } from './lib/util';
import type { GatewayVariant } from './phases/gateway';
import { consoleSection, consoleTargets } from './phases/console';
import { gatewayReadSection, gatewayReadTargets } from './phases/gateway-read-report';
import { mcpSection } from './phases/mcp-report';
import { streamsSection, streamsTargets } from './phases/streams-report';
import type { VariantName } from './phases/mix';
import { upstreamsSection, upstreamsTargets } from './phases/upstreams-report';
import { batchSection, batchTargets } from './phases/batch-report';

import type { BenchReport, TargetCheck } from './report-types';

export type { BenchReport, TargetCheck };

const RESULTS_DIR = path.resolve(__dirname, 'results');

const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined ? '–' : v.toFixed(digits);
const sec = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`;
const pair = (d: Distribution | undefined, f: (v: number | null) => string): string =>
  d && d.n ? `${f(d.p50)} / ${f(d.p99)}` : '–';
const mark = (met: boolean | null): string => (met === null ? 'n/a' : met ? 'met' : 'MISSED');

export function judgeTargets(r: BenchReport): TargetCheck[] {
  const out: TargetCheck[] = [];
  const mix = r.phases.mix;
  if (mix) {
    const w = mix.variants['ours-webhooks'];
    const b = mix.variants.baseline;
    const ratio = mix.ratios.webhooksVsBaseline;
    out.push({
      target: 'Upstream requests per pipeline, ours (webhooks) ÷ baseline',
      goal: '≤ 0.33',
      measured: `${fmt(ratio, 2)} (${fmt(w?.requestsPerPipeline.total, 1)} vs ${fmt(b?.requestsPerPipeline.total, 1)}); polling ${fmt(mix.ratios.pollingVsBaseline, 2)}; vs patient baseline ${fmt(mix.ratios.webhooksVsPatient, 2)}`,
      met: ratio === null ? null : ratio <= 1 / 3,
    });
    const p50 = w?.detectionRealMs.p50 ?? null;
    out.push({
      target: 'Detection latency p50 with webhooks (real ms)',
      goal: '< 1 s',
      measured: w ? `${fmt(p50)} ms (p99 ${fmt(w.detectionRealMs.p99)} ms)` : '–',
      met: p50 === null ? null : p50 < 1_000,
    });
    const bp50 = b?.detectionSimMs.all.p50 ?? null;
    const bp99 = b?.detectionSimMs.all.p99 ?? null;
    const wp99 = w?.detectionRealMs.p99 ?? null;
    out.push({
      target: 'Detection no worse than baseline (ours webhooks real ms vs baseline 3 s polling)',
      goal: 'p50 and p99 ≤ baseline',
      measured: `ours ${fmt(p50)} / ${fmt(wp99)} ms vs baseline ${fmt(bp50)} / ${fmt(bp99)} ms`,
      met: p50 === null || bp50 === null || wp99 === null || bp99 === null ? null : p50 <= bp50 && wp99 <= bp99,
    });
    if (b?.timeouts) {
      out.push({
        target: 'Pipelines lost (baseline timeouts that later succeeded upstream)',
        goal: 'ours 0',
        measured: `baseline lost ${b.failed}/${b.pipelines} (${b.timeouts.wrong} wrong timeouts, ${b.timeouts.whileQueued} while queued); ours webhooks ${w?.failed ?? '–'}, polling ${mix.variants['ours-polling']?.failed ?? '–'}`,
        met: w ? w.failed === 0 && (mix.variants['ours-polling']?.failed ?? 0) === 0 : null,
      });
    }
  }
  const h = r.phases.history;
  if (h) {
    const measuredParked = h.parkedEventsPerSimHour.p50;
    const parked = Math.max(measuredParked ?? 0, h.parkedEventsPerHourAt1x ?? 0) || null;
    out.push({
      target: 'History events per simulated hour of relax waiting',
      goal: '≤ 100',
      measured: `${fmt(h.parkedEventsPerHourAt1x)} parked at 1× (${fmt(h.eventsPerFetch, 1)} events/poll × polls/h at the RELAX maxInterval; measured at ${h.timeScale}×: ${fmt(measuredParked)}), ${fmt(h.eventsPerSimHour.p50)} over a whole 2 h 10 min job`,
      met: parked === null ? null : parked <= 100,
    });
  }
  const maxRun = Math.max(
    h?.maxRunEvents ?? 0,
    mix?.variants['ours-webhooks']?.history?.maxRunEvents ?? 0,
    mix?.variants['ours-polling']?.history?.maxRunEvents ?? 0
  );
  if (h || mix) {
    out.push({
      target: 'Longest single run (continue-as-new keeps runs short)',
      goal: '≤ 4,096 events',
      measured: `${maxRun} events (continue-as-new at ${h?.continueAsNewAfterEvents ?? '–'}; check jobs with threshold ${h?.canCheck.threshold ?? '–'}: ${h ? `${h.canCheck.succeeded}/${h.canCheck.jobs} succeeded over ${h.canCheck.runs.join(' and ')} runs, longest ${h.canCheck.maxRunEvents}` : '–'})`,
      met: maxRun > 0 ? maxRun <= 4_096 : null,
    });
  }
  const inf = r.phases.inflight;
  if (inf) {
    const at3k = inf.levels.find((l) => l.jobs >= 3_000);
    const top = inf.levels[inf.levels.length - 1];
    out.push({
      target: `3,000 jobs in flight on one worker (cache ${inf.maxCachedWorkflows})`,
      goal: 'RSS ≤ 1.5 GiB',
      measured: at3k
        ? `${fmt(at3k.workerRssMiB)} MiB at ${at3k.jobs} (peak ${fmt(at3k.workerPeakRssMiB)} MiB)`
        : `not reached; ${fmt(top?.workerRssMiB)} MiB at ${top?.jobs ?? 0}`,
      met: at3k ? (at3k.workerPeakRssMiB ?? at3k.workerRssMiB ?? Infinity) <= 1_536 : null,
    });
  }
  const tp = r.phases.throughput;
  if (tp) {
    const one = tp.runs.find((x) => x.workload === 'job' && x.workers === 1);
    const noop = tp.runs.find((x) => x.workload === 'noop');
    const sustained = one ? Math.min(one.startsPerSec, one.completionsPerSec) : null;
    out.push({
      target: 'Workflow starts per second sustained, one worker, dev server (SQLite WAL)',
      goal: '≥ 35',
      measured: one
        ? `${fmt(one.startsPerSec, 1)} starts/s, ${fmt(one.completionsPerSec, 1)} jobs completed/s (empty workflow on the same server: ${fmt(noop?.completionsPerSec, 1)}/s)`
        : '–',
      met: sustained === null ? null : sustained >= 35,
    });
  }
  out.push(...costTargets(r));
  out.push(...gatewayReadTargets(r.phases.gatewayRead));
  out.push(...consoleTargets(r.phases.console));
  out.push(...streamsTargets(r.phases.streams));
  out.push(...upstreamsTargets(r.phases.upstreams));
  out.push(...batchTargets(r.phases.batch));
  return out;
}

const VARIANTS: VariantName[] = ['ours-webhooks', 'ours-polling', 'baseline', 'baseline-patient'];

export function renderMarkdown(r: BenchReport): string {
  const L: string[] = [];
  const m = r.machine;
  L.push(`# Benchmark ${r.startedAt}${r.quick ? ' (quick smoke: small sample, not the result)' : ''}`);
  L.push('');
  L.push(
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, ${r.temporalCli}; ${r.durationSec} s.` +
      (Array.isArray(m.loadAverage)
        ? ` Load average (1/5/15 min) at start ${m.loadAverage.join(' / ')}${Array.isArray(m.loadAverageAtEnd) ? `, at end ${m.loadAverageAtEnd.join(' / ')}` : ''}.`
        : '')
  );
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| Target | Goal | Measured | |');
  L.push('|---|---|---|---|');
  for (const t of r.targets ?? []) L.push(`| ${t.target} | ${t.goal} | ${t.measured} | ${mark(t.met)} |`);

  const mix = r.phases.mix;
  if (mix) {
    L.push('');
    L.push(
      `## Mix: ${mix.pipelines} imagine → U1 pipelines, ${Math.round(mix.fastShare * 100)} % FAST / rest RELAX, time scale ${mix.timeScale}`
    );
    L.push('');
    L.push("Upstream requests per pipeline (imagine + U1), counted in each simulator's request log:");
    L.push('');
    L.push(
      '| Variant | pipelines OK | submit | action | fetch | **total** | FAST pipeline | RELAX pipeline | per successful pipeline |'
    );
    L.push('|---|---|---|---|---|---|---|---|---|');
    for (const name of VARIANTS) {
      const v = mix.variants[name];
      if (!v) continue;
      const q = v.requestsPerPipeline;
      L.push(
        `| ${name} | ${v.succeeded}/${v.pipelines} | ${fmt(q.submit, 1)} | ${fmt(q.action, 1)} | ${fmt(q.fetch, 1)} | **${fmt(q.total, 1)}** | ${fmt(v.byMode.FAST.requestsPerPipeline.total, 1)} | ${fmt(v.byMode.RELAX.requestsPerPipeline.total, 1)} | ${fmt(v.requestsPerSucceededPipeline, 1)} |`
      );
    }
    L.push('');
    L.push(
      'Detection latency, SUCCESS → first fetch that saw it, p50 / p99 (simulated time = what a 1× run shows for polling; real ms = what it shows for webhooks):'
    );
    L.push('');
    L.push(
      '| Variant | all (sim) | FAST (sim) | RELAX (sim) | all, real ms | hand-off imagine → U1 submit p50 (sim / real) |'
    );
    L.push('|---|---|---|---|---|---|');
    for (const name of VARIANTS) {
      const v = mix.variants[name];
      if (!v) continue;
      const h = v.handoffSimMs.p50;
      L.push(
        `| ${name} | ${pair(v.detectionSimMs.all, sec)} | ${pair(v.detectionSimMs.FAST, sec)} | ${pair(v.detectionSimMs.RELAX, sec)} | ${pair(v.detectionRealMs, (x) => fmt(x))} | ${sec(h)} / ${h === null ? '–' : `${fmt(h / mix.timeScale)} ms`} |`
      );
    }
    const b = mix.variants.baseline;
    if (b?.timeouts) {
      L.push('');
      L.push(
        `Baseline (5-min timeout): ${b.timeouts.total} steps timed out (${b.timeouts.byMode.RELAX} RELAX, ${b.timeouts.byMode.FAST} FAST), ${b.timeouts.whileQueued} while still queued; ${b.timeouts.wrong} of those tasks later succeeded upstream (paid, never collected: ${b.uncollectedTasks} tasks).`
      );
    }
    const rc = mix.variants['ours-webhooks']?.receiver;
    if (rc) {
      L.push('');
      L.push(
        `Webhook receiver: ${rc.deliveries} deliveries (${rc.webhooksSent} sent, ${rc.webhooksFailed} failed), ${rc.signaled} signals; handling (parse + route + signal RPC) p50 / p99 ${fmt(rc.handlingMs.p50)} / ${fmt(rc.handlingMs.p99)} ms, SUCCESS deliveries ${fmt(rc.successHandlingMs.p50)} / ${fmt(rc.successHandlingMs.p99)} ms.`
      );
    }
    const hw = mix.variants['ours-webhooks']?.history;
    const hp = mix.variants['ours-polling']?.history;
    if (hw || hp) {
      L.push('');
      L.push('| History events (mean) | ours-webhooks | ours-polling |');
      L.push('|---|---|---|');
      const keys = [...new Set([...Object.keys(hw?.perJob ?? {}), ...Object.keys(hp?.perJob ?? {})])].sort();
      L.push(`| per pipeline (3 workflows) | ${fmt(hw?.eventsPerPipeline, 1)} | ${fmt(hp?.eventsPerPipeline, 1)} |`);
      for (const k of keys)
        L.push(`| ${k} | ${fmt(hw?.perJob[k]?.meanEvents, 1)} | ${fmt(hp?.perJob[k]?.meanEvents, 1)} |`);
      L.push(
        `| RELAX job, per simulated hour (p50) | ${fmt(hw?.relaxEventsPerSimHour.p50)} | ${fmt(hp?.relaxEventsPerSimHour.p50)} |`
      );
    }
    const w = mix.variants['ours-webhooks']?.worker;
    const p = mix.variants['ours-polling']?.worker;
    if (w || p) {
      L.push('');
      L.push(
        `Load during the mix (time-scaled: ${mix.timeScale}× the real poll rate): worker webhooks ${fmt(w?.maxRssMiB)} MiB / ${fmt(w?.cpuCores, 2)} cores, worker polling ${fmt(p?.maxRssMiB)} MiB / ${fmt(p?.cpuCores, 2)} cores, dev server ${fmt(mix.load?.serverCpuCores, 2)} cores, bench process (4 simulators, baselines, receiver) ${fmt(mix.load?.benchProcessCpuCores, 2)} cores.`
      );
    }
  }

  const gw = r.phases.gateway;
  if (gw) {
    L.push('');
    L.push(
      `## Behind a new-api gateway: ${gw.pipelines} imagine → U1 pipelines, ${gw.refreshSimMs / 1000} s refresh, notifyHook stripped, time scale ${gw.timeScale}`
    );
    L.push('');
    L.push(
      '| client | succeeded | requests / pipeline (submit, action, fetch) | stub answers / pipeline | repeated answers / pipeline | detection p50 / p99 (sim) | gateway polls |'
    );
    L.push('|---|---|---|---|---|---|---|');
    for (const name of ['ours', 'baseline-3s'] as GatewayVariant[]) {
      const v = gw.variants[name];
      if (!v) continue;
      const q = v.requestsPerPipeline;
      L.push(
        `| ${name} | ${v.succeeded}/${v.pipelines} | ${fmt(q.total, 1)} (${fmt(q.submit, 1)}, ${fmt(q.action, 1)}, ${fmt(q.fetch, 1)}) | ${fmt(v.stubAnswersPerPipeline, 1)} | ${fmt(v.repeatedAnswersPerPipeline, 1)} | ${pair(v.detectionSimMs, sec)} | ${v.gatewayPolls} |`
      );
    }
    L.push('');
    L.push(`Requests ours ÷ baseline: ${fmt(gw.requestRatio, 2)}.`);
    for (const note of gw.notes) L.push(`- ${note}`);
  }
  L.push(...gatewayReadSection(r.phases.gatewayRead));
  L.push(...mcpSection(r.phases.mcp));
  L.push(...consoleSection(r.phases.console));
  L.push(...streamsSection(r.phases.streams));

  const h = r.phases.history;
  if (h) {
    L.push('');
    L.push(`## History: ${h.scenario}, time scale ${h.timeScale}`);
    L.push('');
    L.push(`${h.succeeded}/${h.jobs} succeeded. Policy: ${h.policy}.`);
    L.push('');
    L.push(
      '| events / job | fetches / job | events / fetch | events / sim hour (whole) | events / sim hour (parked) | longest run | runs / job |'
    );
    L.push('|---|---|---|---|---|---|---|');
    L.push(
      `| ${fmt(h.eventsPerJob.p50)} | ${fmt(h.fetchesPerJob.p50)} | ${fmt(h.eventsPerFetch, 1)} | ${fmt(h.eventsPerSimHour.p50)} | ${fmt(h.parkedEventsPerSimHour.p50)} | ${h.maxRunEvents} | ${fmt(h.runsPerJob.p50)}–${fmt(h.runsPerJob.max)} |`
    );
  }

  L.push(...upstreamsSection(r.phases.upstreams));
  L.push(...batchSection(r.phases.batch));

  const inf = r.phases.inflight;
  if (inf) {
    L.push('');
    L.push(`## In flight: parked RELAX jobs on one worker, maxCachedWorkflows ${inf.maxCachedWorkflows}`);
    L.push('');
    L.push(
      '| jobs | starts/s | parked/s | RSS MiB | peak MiB | heap MiB | worker CPU (window) | polls/s (window → steady) | CPU ms / poll | steady CPU est. | server CPU | server RSS MiB | cached | cache misses / forced evictions (cumulative) |'
    );
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const l of inf.levels) {
      L.push(
        `| ${l.jobs}${l.parked < l.jobs ? ` (${l.parked} parked)` : ''} | ${fmt(l.startsPerSec, 1)} | ${fmt(l.parkedPerSec, 1)} | ${fmt(l.workerRssMiB)} | ${fmt(l.workerPeakRssMiB)} | ${fmt(l.workerHeapUsedMiB)} | ${fmt(l.workerCpuCores, 2)} | ${fmt(l.pollsPerSec, 1)} → ${fmt(l.steadyPollsPerSec, 1)} | ${fmt(l.cpuMsPerPoll, 1)} | ${fmt(l.steadyCpuCoresEstimate, 2)} | ${fmt(l.serverCpuCores, 2)} | ${fmt(l.serverRssMiB)} | ${l.cachedWorkflows ?? '–'} | ${l.sdk.temporal_sticky_cache_miss ?? 0} / ${l.sdk.temporal_sticky_cache_total_forced_eviction ?? 0} |`
      );
    }
    if (inf.skipped.length) L.push(`\nSkipped (time budget): ${inf.skipped.join(', ')}.`);
  }

  const tp = r.phases.throughput;
  if (tp) {
    L.push('');
    L.push('## Throughput: instant simulator, FAST jobs (first fetch after 3 s ±15 %)');
    L.push('');
    L.push(
      '| workload | workers | burst starts/s (starts, eager) | starts/s | completions/s | backlog at end | start→close p50 / p99 | eager starts | worker CPU | worker RSS MiB | server CPU |'
    );
    L.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const x of tp.runs) {
      L.push(
        `| ${x.workload === 'noop' ? 'empty workflow' : 'mjJobWorkflow'} | ${x.workers} | ${x.burst ? `${fmt(x.burst.startsPerSec, 1)} (${x.burst.starts}, ${x.burst.eagerStarts})` : '–'} | ${fmt(x.startsPerSec, 1)} | ${fmt(x.completionsPerSec, 1)} | ${x.backlogAtEnd} | ${pair(x.latencyMs, sec)} | ${x.eagerStarts ?? 0} / ${x.started} | ${x.workerCpuCores.map((c) => fmt(c, 2)).join(' + ')} | ${x.workerRssMiB.map((c) => fmt(c)).join(' + ')} | ${fmt(x.serverCpuCores, 2)} |`
      );
    }
    const withStore = tp.runs.filter((x) => x.store);
    if (withStore.length > 0) {
      L.push('');
      L.push(
        "The server's own store counters (its `/metrics`), per workflow started in the closed loop, window start to drained:"
      );
      L.push('');
      L.push('| workload | workers | store requests | of them writes | visibility writes | largest writes |');
      L.push('|---|---|---|---|---|---|');
      for (const x of withStore) {
        const st = x.store!;
        L.push(
          `| ${x.workload === 'noop' ? 'empty workflow' : 'mjJobWorkflow'} | ${x.workers} | ${fmt(st.requestsPerWorkflow, 1)} | ${fmt(st.writesPerWorkflow, 1)} | ${fmt(st.visibilityWritesPerWorkflow, 1)} | ${st.topWrites.map(([op, n]) => `${op} ${fmt(n, 2)}`).join(', ')} |`
        );
      }
    }
    L.push('');
    for (const n of tp.notes) L.push(`- ${n}`);
  }

  if (mix) {
    L.push('');
    L.push('## How time is scaled');
    L.push('');
    L.push(
      `Simulator time runs ${mix.timeScale}× real time in the mix; every duration of our poll policies and the baseline's 3 s / 5 min is divided by the same factor:`
    );
    L.push('');
    for (const [mode, map] of Object.entries(mix.policyMapping))
      if (mode !== 'TURBO')
        L.push(
          `- ${mode}: ${Object.entries(map)
            .map(([k, v]) => `${k} ${v}`)
            .join('; ')}`
        );
    L.push(
      `- The time-scaled dev servers (mix, history) run with history.timerProcessorMaxTimeShift=${mix.timerFloor} (default 1 s: no timer fires sooner than 1 s). Scaled intervals fall below 1 s; at 1× ours never do. In-flight and throughput use the defaults.`
    );
    for (const n of mix.notes) L.push(`- ${n}`);
  }
  if (Object.keys(r.errors).length) {
    L.push('');
    L.push('## Errors');
    for (const [phase, msg] of Object.entries(r.errors)) L.push(`- ${phase}: ${msg}`);
  }
  return L.join('\n') + '\n';
}

export function writeReport(r: BenchReport): { json: string; md: string; latest: string; markdown: string } {
  r.targets = judgeTargets(r);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = r.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-') + (r.quick ? '-quick' : '');
  const json = path.join(RESULTS_DIR, `${stamp}.json`);
  const md = path.join(RESULTS_DIR, `${stamp}.md`);
  const latest = path.join(RESULTS_DIR, 'latest.md');
  const markdown = renderMarkdown(r);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, markdown);
  writeFileSync(latest, markdown);
  return { json, md, latest, markdown };
}

/** `tsx bench/report.ts bench/results/<date>.json`: re-renders that run's markdown (and latest.md) from its JSON. */
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/report.ts bench/results/<date>.json');
    process.exit(2);
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  r.targets = judgeTargets(r);
  const markdown = renderMarkdown(r);
  writeFileSync(file.replace(/\.json$/, '.md'), markdown);
  writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  process.stdout.write(markdown);
}
