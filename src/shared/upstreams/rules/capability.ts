/**
 * Capability rule: which upstreams could ever take the request (its pin, its features, its modes), before any
 * health or load is looked at. Failing here is final (`none`), never a wait. Workflow-safe.
 */
import type { SpeedMode } from '../../../mj/types';
import type { RouteDecision, RouteRequest, UpstreamView } from '../types';

export type CapabilityResult =
  { ok: true; capable: UpstreamView[]; modes: SpeedMode[] } | Extract<RouteDecision, { kind: 'none' }>;

/** The upstreams that may take `request` and the modes (in preference order) at least one of them offers. */
export function capableUpstreams(
  views: readonly UpstreamView[],
  request: RouteRequest,
  modePreference: readonly SpeedMode[]
): CapabilityResult {
  const pool = request.pin === undefined ? views : views.filter((v) => v.id === request.pin);
  if (pool.length === 0) {
    return { kind: 'none', rule: 'owner', reason: `owner upstream "${String(request.pin)}" is not configured` };
  }
  const capable = pool.filter((v) => request.features.every((f) => v.features.includes(f)));
  if (capable.length === 0) {
    return {
      kind: 'none',
      rule: 'feature',
      reason: `no upstream offers every feature of the request (${request.features.join(', ')})`,
    };
  }
  const wanted = request.modes.length > 0 ? request.modes : modePreference;
  const modes = wanted.filter((m, i) => wanted.indexOf(m) === i && capable.some((v) => v.modes[m] !== undefined));
  if (modes.length === 0) {
    return { kind: 'none', rule: 'mode', reason: `no capable upstream offers mode ${wanted.join(' or ')}` };
  }
  return { ok: true, capable, modes };
}
