/**
 * The pure routing function of several upstreams. The pool workflow runs it inside its update handler,
 * so it must be deterministic: no clock (the caller passes `nowMs`), no randomness (the caller passes `cursor`, a
 * counter it increments per routed reservation), no Node imports.
 *
 * Order: capability (pin, features, mode offered) → for each mode in the request's preference: health (disabled,
 * cooldown, fast hours, work hours, excluded) → caps (in-flight, daily cap) → best priority tier → the rule. The
 * first mode some upstream can take now wins; when none can, `wait` names the earliest time one may.
 */
import type { SpeedMode } from '../../mj/types';
import { priceOf } from './prices';
import { capsBlock, modeLoad } from './rules/caps';
import { capableUpstreams } from './rules/capability';
import { EMPTY_HEALTH, type RouteBlock, type RouteCandidate, type RouteHealth } from './rules/candidate';
import { healthBlock } from './rules/health';
import { RULE_PICKERS } from './rules';
import type { RouteDecision, RouteRequest, RoutingSettings, UpstreamView } from './types';

export type { RouteHealth } from './rules/candidate';

/** The candidates of one mode and the blocks of those that cannot take it now. */
function candidatesOf(
  views: readonly UpstreamView[],
  health: Readonly<Record<string, RouteHealth>>,
  request: RouteRequest,
  mode: SpeedMode,
  nowMs: number
): { candidates: RouteCandidate[]; blocks: RouteBlock[] } {
  const candidates: RouteCandidate[] = [];
  const blocks: RouteBlock[] = [];
  views.forEach((view, index) => {
    const limits = view.modes[mode];
    if (!limits) return;
    const h = health[view.id] ?? EMPTY_HEALTH;
    const load = modeLoad(h, mode, nowMs);
    const block =
      healthBlock(view, h, mode, nowMs, request.exclude) ??
      capsBlock(view, limits, load, nowMs, request.jobPriority === 'batch');
    if (block) blocks.push(block);
    else candidates.push({ view, index, mode, limits, ...load, price: priceOf(view.prices, request.action, mode) });
  });
  return { candidates, blocks };
}

/**
 * Picks the upstream and mode for `request`. `views` in configured order; `health` by upstream id (missing = fresh);
 * `cursor` feeds the weighted and round-robin rules.
 */
export function route(
  views: readonly UpstreamView[],
  health: Readonly<Record<string, RouteHealth>>,
  request: RouteRequest,
  settings: RoutingSettings,
  nowMs: number,
  cursor: number
): RouteDecision {
  const capability = capableUpstreams(views, request, settings.modePreference);
  if (!('ok' in capability)) return capability;
  const blocks: RouteBlock[] = [];
  for (const mode of capability.modes) {
    const found = candidatesOf(capability.capable, health, request, mode, nowMs);
    blocks.push(...found.blocks);
    if (found.candidates.length === 0) continue;
    const tier = Math.min(...found.candidates.map((c) => c.view.priority));
    const chosen = RULE_PICKERS[settings.rule](
      found.candidates.filter((c) => c.view.priority === tier),
      cursor
    );
    return {
      kind: 'routed',
      upstreamId: chosen.view.id,
      mode,
      price: chosen.price,
      currency: chosen.view.prices.currency,
    };
  }
  const first = blocks.reduce((a, b) => (b.freeAt < a.freeAt ? b : a));
  return { kind: 'wait', untilMs: first.freeAt, reason: first.reason, upstreamId: first.upstreamId };
}
