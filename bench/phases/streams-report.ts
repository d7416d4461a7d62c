/** The streams phase in the report: its targets and its section, beside the phase like the gateway read path's. */
import type { TargetCheck } from '../report-types';
import type { Distribution } from '../lib/util';
import type { StreamsPhaseResult } from './streams';

const STREAMS_GOAL = 5_000;
const RSS_GOAL_MIB = 1_024;

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`);
const dist = (d: Distribution): string => `${ms(d.p50)} / ${ms(d.p90)} / ${ms(d.p99)} / ${ms(d.max)} (n ${d.n})`;

export function streamsTargets(s: StreamsPhaseResult | undefined): TargetCheck[] {
  if (!s) return [];
  const { withoutStreams: without, withStreams: withS } = s.upstreamRequestsPerJob;
  return [
    {
      target: `Concurrent event streams on one gateway process, its RSS (${s.streams} streams over ${s.jobs} jobs)`,
      goal: `${STREAMS_GOAL} streams, ≤ ${RSS_GOAL_MIB} MiB`,
      measured: `${s.opened} open, ${s.endedClean} ended clean, ${s.wrong} wrong; peak RSS ${s.gatewayRssMiB.peak ?? '–'} MiB`,
      met:
        s.gatewayRssMiB.peak === null
          ? null
          : s.opened >= STREAMS_GOAL && s.wrong === 0 && s.gatewayRssMiB.peak <= RSS_GOAL_MIB,
    },
    {
      target: 'Webhook to SSE client latency (progress steps), p50 / p99',
      goal: 'reported',
      measured: `${ms(s.latencyMs.webhookToClient.p50)} / ${ms(s.latencyMs.webhookToClient.p99)}`,
      met: null,
    },
    {
      target: 'Upstream requests per job with streams open',
      goal: 'unchanged',
      measured: `${without ?? '–'} without streams, ${withS ?? '–'} with`,
      met: without === null || withS === null ? null : withS <= without * 1.1,
    },
  ];
}

export function streamsSection(s: StreamsPhaseResult | undefined): string[] {
  if (!s) return [];
  const L = [
    '',
    `## Event streams: ${s.streams} SSE clients over ${s.jobs} jobs on one gateway process, time scale ${s.timeScale}`,
    '',
    `${s.opened} streams opened (${s.refused} refused), ${s.endedClean} ended after their job's final event with every event once and in order, ${s.wrong} did not; ${s.events} events delivered.`,
    '',
    '| delay to the SSE client | p50 / p90 / p99 / max |',
    '|---|---|',
    `| webhook receipt → client (progress kept beside the workflow) | ${dist(s.latencyMs.webhookToClient)} |`,
    `| memo published (history event) → client | ${dist(s.latencyMs.publishToClient)} |`,
    '',
    `Gateway RSS: ${s.gatewayRssMiB.before ?? '–'} MiB before the streams, ${s.gatewayRssMiB.peak ?? '–'} MiB at the peak. Upstream requests per job: ${s.upstreamRequestsPerJob.withoutStreams ?? '–'} without streams, ${s.upstreamRequestsPerJob.withStreams ?? '–'} with.`,
  ];
  for (const note of s.notes) L.push(`- ${note}`);
  return L;
}
