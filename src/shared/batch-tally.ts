/**
 * A batch's progress, of either engine, in one type and one line: how many items succeeded, failed, are running and
 * waiting ({@link BatchTally}), how fast items finish, when the rest should be done and whether a deadline is reached
 * at that rate ({@link batchPace}), and the line the CLI, the console and the Web UI print ({@link formatBatchLine}).
 * The inline engine's progress query fills a tally through {@link tallyOfProgress}; the paged engine's live summary
 * (`BatchLiveProgress`) is one. Pure functions; workflow-safe.
 */
import type { BatchProgress } from './pipeline-types';
import { finishTime, type QuietWindow } from './quiet-hours';

/** A batch's counts at one moment, and its clock. */
export interface BatchTally {
  succeeded: number;
  failed: number;
  /** Items ended by a cancel before they ran to an end. */
  cancelled: number;
  /** Items listed as never started (the budget ran out, or the batch was cancelled first). @default 0 */
  notStarted?: number;
  running: number;
  /** Items not started yet. */
  waiting: number;
  /** When the batch started (epoch ms); the rate is measured from here. */
  startedAt: number;
  /** When the batch ended (epoch ms), if it has: the rate is measured to here, and nothing is left to estimate. */
  endedAt?: number;
  /** Time spent paused before `pausedSince`, left out of the rate. @default 0 @unit milliseconds */
  idleMs?: number;
  /** Since when the batch is paused (epoch ms), while it is: that time is left out of the rate too. */
  pausedSince?: number;
}

/** What a batch's settings add to its pace: quiet hours (skipped by the ETA) and a deadline. */
export interface PaceRules {
  quietHours?: readonly QuietWindow[];
  /** Epoch ms the batch should be done by. */
  deadline?: number;
}

/** Whether the deadline is reachable at the rate so far (`unknown` until an item finished). */
export interface DeadlineView {
  at: number;
  reachable: boolean | 'unknown';
  /** Epoch ms the batch ends at the current rate. */
  eta?: number;
}

/** How fast a batch moves. */
export interface BatchPace {
  total: number;
  /** Items that ran to an outcome (succeeded, failed or cancelled): what the rate counts. */
  finished: number;
  /** From the start to the end, or to `now`. @unit milliseconds */
  elapsedMs: number;
  /** `elapsedMs` less the time paused. @unit milliseconds */
  activeMs: number;
  /** Finished items per minute of active time; null before the first one finishes. */
  perMinute: number | null;
  /** Time until every item has an outcome at that rate, quiet hours skipped; 0 once none is left, null while no rate is known. */
  etaMs: number | null;
  /** Epoch ms every item has an outcome at that rate (the end, once ended); absent while no rate is known. */
  endsAt?: number;
  /** Present when the rules name a deadline. */
  deadline?: DeadlineView;
}

const MINUTE_MS = 60_000;

/** The rate, the estimate and the deadline's reachability at `now` (epoch ms). */
export function batchPace(t: BatchTally, now: number, rules: PaceRules = {}): BatchPace {
  const finished = t.succeeded + t.failed + t.cancelled;
  const left = t.running + t.waiting;
  const to = t.endedAt ?? now;
  const elapsedMs = Math.max(0, to - t.startedAt);
  const idle = (t.idleMs ?? 0) + (t.pausedSince !== undefined ? Math.max(0, to - t.pausedSince) : 0);
  const activeMs = Math.max(0, elapsedMs - idle);
  const perMinute = finished > 0 && activeMs > 0 ? (finished * MINUTE_MS) / activeMs : null;
  let endsAt: number | undefined;
  if (t.endedAt !== undefined || left === 0) endsAt = to;
  else if (perMinute !== null)
    endsAt = finishTime(now, Math.round((left / perMinute) * MINUTE_MS), rules.quietHours ?? []);
  const etaMs = endsAt === undefined ? null : Math.max(0, endsAt - to);
  const pace: BatchPace = {
    total: finished + (t.notStarted ?? 0) + left,
    finished,
    elapsedMs,
    activeMs,
    perMinute,
    etaMs,
  };
  if (endsAt !== undefined) pace.endsAt = endsAt;
  if (rules.deadline !== undefined) {
    pace.deadline =
      endsAt === undefined
        ? { at: rules.deadline, reachable: 'unknown' }
        : { at: rules.deadline, reachable: endsAt <= rules.deadline, eta: endsAt };
  }
  return pace;
}

/**
 * The pace as a live summary carries it (`BatchLiveProgress`): `ratePerMinute` (0 before the first item finished),
 * `eta` while the batch runs and a rate is known, and `deadline` when the rules name one.
 */
export function paceFields(
  t: BatchTally,
  now: number,
  rules: PaceRules = {}
): { ratePerMinute: number; eta?: number; deadline?: DeadlineView } {
  const p = batchPace(t, now, rules);
  return {
    ratePerMinute: p.perMinute ?? 0,
    ...(t.endedAt === undefined && p.endsAt !== undefined ? { eta: p.endsAt } : {}),
    ...(p.deadline ? { deadline: p.deadline } : {}),
  };
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

/** `2026-12-06 04:00 UTC`. */
export function formatUtcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** `2026-12-06 04:00 UTC: reachable` (or `not reachable at this rate`, `not known yet`). */
export function formatDeadline(d: DeadlineView): string {
  const r = d.reachable;
  return `${formatUtcMinute(d.at)}: ${r === 'unknown' ? 'not known yet' : r ? 'reachable' : 'not reachable at this rate'}`;
}

/**
 * The counts, the rate and the estimate, e.g. `41/100 done · 2 failed · 3 running · 54 waiting · 4.2/min · ETA
 * 13m 05s`; cancelled and not-started items when there are any; an ended batch says how long it took instead of an
 * estimate. When the rules name a deadline, ` · deadline 2026-12-06 04:00 UTC: reachable` ends the line.
 */
export function formatBatchLine(t: BatchTally, now: number, rules: PaceRules = {}): string {
  const p = batchPace(t, now, rules);
  const parts = [`${t.succeeded}/${p.total} done`, `${t.failed} failed`];
  if (t.cancelled) parts.push(`${t.cancelled} cancelled`);
  if (t.notStarted) parts.push(`${t.notStarted} not started`);
  parts.push(`${t.running} running`, `${t.waiting} waiting`, formatRate(p.perMinute));
  if (t.endedAt !== undefined || t.running + t.waiting === 0) parts.push(`took ${formatSpan(p.elapsedMs)}`);
  else parts.push(`ETA ${p.etaMs === null ? '–' : formatSpan(p.etaMs)}`);
  if (p.deadline) parts.push(`deadline ${formatDeadline(p.deadline)}`);
  return parts.join(' · ');
}

/** The tally of what the inline batch's progress query answers. */
export function tallyOfProgress(p: BatchProgress, startedAt: number, endedAt?: number): BatchTally {
  return {
    succeeded: p.succeeded,
    failed: p.failed,
    cancelled: p.cancelled,
    running: p.running,
    waiting: p.pending,
    startedAt,
    ...(endedAt !== undefined ? { endedAt } : {}),
  };
}
