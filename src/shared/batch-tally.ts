/**
 * One batch's progress in a line: how many items are done, failed, running and waiting, how fast items finish and
 * when the rest should be done. Pure functions over {@link BatchTally}, a small summary any reporter of a batch can
 * fill (today the batch's progress query, see {@link tallyOfProgress}); the CLI's live line and the console's batch
 * page both print it, so they say the same. Workflow-safe.
 */
import type { BatchProgress } from './pipeline-types';

/** A batch's counts at one moment, and when it started. */
export interface BatchTally {
  /** Items that succeeded. */
  done: number;
  failed: number;
  /** Items ended by a cancel before they ran to an end. @default 0 */
  cancelled?: number;
  running: number;
  /** Items not started yet. */
  waiting: number;
  /** When the batch started (epoch ms); the rate is measured from here. */
  startedAt: number;
  /** When the batch ended (epoch ms), if it has: the rate is measured to here, and nothing is left to estimate. */
  endedAt?: number;
}

/** How fast a batch moves. */
export interface BatchPace {
  total: number;
  /** Items with an outcome (done, failed or cancelled). */
  finished: number;
  elapsedMs: number;
  /** Finished items per minute since the start; null before the first one finishes. */
  perMinute: number | null;
  /** Time until every item has an outcome at that rate; 0 once none is left, null while no rate is known. */
  etaMs: number | null;
}

const MINUTE_MS = 60_000;

/** The rate and the estimate at `now` (epoch ms). */
export function batchPace(t: BatchTally, now: number): BatchPace {
  const finished = t.done + t.failed + (t.cancelled ?? 0);
  const left = t.running + t.waiting;
  const elapsedMs = Math.max(0, (t.endedAt ?? now) - t.startedAt);
  const perMinute = finished > 0 && elapsedMs > 0 ? (finished * MINUTE_MS) / elapsedMs : null;
  const etaMs = left === 0 ? 0 : perMinute === null ? null : Math.round((left / perMinute) * MINUTE_MS);
  return { total: finished + left, finished, elapsedMs, perMinute, etaMs };
}

/** `45s`, `13m 05s`, `2h 05m`, `3d 04h`: two units at most, so the line keeps its width. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** `4.2/min` below ten a minute, `37/min` above; `–/min` while no item has finished. */
export function formatRate(perMinute: number | null): string {
  if (perMinute === null) return '–/min';
  return `${perMinute < 10 ? perMinute.toFixed(1) : String(Math.round(perMinute))}/min`;
}

/**
 * The counts, the rate and the estimate, e.g. `41/100 done · 2 failed · 3 running · 54 waiting · 4.2/min · ETA
 * 13m 05s`; an ended batch says how long it took instead of an estimate.
 */
export function formatBatchLine(t: BatchTally, now: number): string {
  const p = batchPace(t, now);
  const parts = [`${t.done}/${p.total} done`, `${t.failed} failed`];
  if (t.cancelled) parts.push(`${t.cancelled} cancelled`);
  parts.push(`${t.running} running`, `${t.waiting} waiting`, formatRate(p.perMinute));
  if (t.endedAt !== undefined || p.etaMs === 0) parts.push(`took ${formatSpan(p.elapsedMs)}`);
  else parts.push(`ETA ${p.etaMs === null ? '–' : formatSpan(p.etaMs)}`);
  return parts.join(' · ');
}

/** The tally of what the batch's progress query answers. */
export function tallyOfProgress(p: BatchProgress, startedAt: number, endedAt?: number): BatchTally {
  return {
    done: p.succeeded,
    failed: p.failed,
    cancelled: p.cancelled,
    running: p.running,
    waiting: p.pending,
    startedAt,
    ...(endedAt !== undefined ? { endedAt } : {}),
  };
}
