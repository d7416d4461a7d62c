/**
 * Health rule: an upstream that could take the request may still be out for now: disabled (auth, banned account,
 * operator), cooling down after a failover, out of fast hours (FAST and TURBO only), outside its work hours, or
 * excluded by this attempt. Each block says when to look again. Workflow-safe.
 */
import type { SpeedMode } from '../../../mj/types';
import { workHoursState } from '../clock';
import type { UpstreamView } from '../types';
import type { RouteBlock, RouteHealth } from './candidate';

/** A disabled upstream only comes back by an operator or a config change; waiters look again this often. @unit ms */
export const DISABLED_RECHECK_MS = 5 * 60_000;
/** An upstream the attempt excluded without a cooldown is tried again after this long. @unit ms */
export const EXCLUDED_RECHECK_MS = 5_000;

/** Why `view` cannot take work in `mode` at `nowMs`, or undefined when its health allows it. */
export function healthBlock(
  view: UpstreamView,
  health: RouteHealth,
  mode: SpeedMode,
  nowMs: number,
  exclude: readonly string[] | undefined
): RouteBlock | undefined {
  const block = (reason: string, freeAt: number): RouteBlock => ({ upstreamId: view.id, reason, freeAt });
  if (health.disabled) return block(`disabled:${health.disabled.reason}`, nowMs + DISABLED_RECHECK_MS);
  if (health.cooldownUntil !== undefined && health.cooldownUntil > nowMs) {
    return block(`cooldown:${health.cooldownReason ?? 'server-error'}`, health.cooldownUntil);
  }
  if (mode !== 'RELAX' && health.fastExhaustedUntil !== undefined && health.fastExhaustedUntil > nowMs) {
    return block('fast-exhausted', health.fastExhaustedUntil);
  }
  if (view.workHours) {
    const hours = workHoursState(view.workHours, nowMs);
    if (!hours.open) return block('work-hours', hours.opensAt);
  }
  if (exclude?.includes(view.id)) return block('excluded', nowMs + EXCLUDED_RECHECK_MS);
  return undefined;
}
