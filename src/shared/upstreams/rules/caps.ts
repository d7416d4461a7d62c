/**
 * Caps rule: a healthy upstream takes a task of a mode only while its in-flight count is below the mode's
 * concurrency (batch work: below the concurrency less the places kept for interactive work) and today's accepted
 * count (UTC day) below the mode's daily cap. Workflow-safe.
 */
import type { SpeedMode } from '../../../mj/types';
import { keptForInteractive } from '../../slot-priority';
import { nextUtcDayStart, utcDay } from '../clock';
import type { ModeLimits, UpstreamView } from '../types';
import type { RouteBlock, RouteHealth } from './candidate';

/** A full upstream frees when one of its tasks ends, which routing cannot foresee; waiters look again this often. */
export const BUSY_RECHECK_MS = 10_000;

export interface ModeLoad {
  inFlight: number;
  acceptedToday: number;
}

/** In-flight and today's accepted counts of one mode (yesterday's counts read as 0). */
export function modeLoad(health: RouteHealth, mode: SpeedMode, nowMs: number): ModeLoad {
  return {
    inFlight: health.inFlight[mode] ?? 0,
    acceptedToday: health.day === utcDay(nowMs) ? (health.accepted[mode] ?? 0) : 0,
  };
}

/** Why the mode's limits refuse one more task now (of batch work when `batch`), or undefined when there is room. */
export function capsBlock(
  view: UpstreamView,
  limits: ModeLimits,
  load: ModeLoad,
  nowMs: number,
  batch = false
): RouteBlock | undefined {
  if (limits.dailyCap !== undefined && load.acceptedToday >= limits.dailyCap) {
    return { upstreamId: view.id, reason: 'daily-cap', freeAt: nextUtcDayStart(nowMs) };
  }
  const room = batch
    ? limits.concurrency - keptForInteractive(limits.concurrency, limits.reservedForInteractive)
    : limits.concurrency;
  if (load.inFlight >= room) return { upstreamId: view.id, reason: 'busy', freeAt: nowMs + BUSY_RECHECK_MS };
  return undefined;
}
