/**
 * What a job step asks routing for: the action it pays for, the features an upstream must offer for it,
 * and its price on a given upstream. Pure functions of the request, so the submit and the reconciliation price a
 * task the same way.
 */
import { INTENTS } from '../mj/intents';
import type { SpeedMode } from '../mj/types';
import { ACTION_OF_KIND } from '../shared/action-names';
import type { JobRequest } from '../shared/types';
import type { PricedAction, UpstreamFeature, UpstreamView } from '../shared/upstreams/types';

/** The action the ledger charges for this request (a button's is the intent catalogue's `pricedAction`). */
export function pricedActionOf(request: JobRequest): PricedAction {
  if (request.kind !== 'action') return ACTION_OF_KIND[request.kind];
  return INTENTS[request.intent.kind].pricedAction;
}

const FEATURE_OF_KIND: Partial<Record<JobRequest['kind'], UpstreamFeature>> = {
  blend: 'blend',
  describe: 'describe',
  shorten: 'shorten',
  edits: 'edits',
  video: 'video',
};

/** Features an upstream must list to take this request (a niji bot, a remix press, a vary-region…). */
export function featuresOf(request: JobRequest): UpstreamFeature[] {
  const out = new Set<UpstreamFeature>();
  const byKind = FEATURE_OF_KIND[request.kind];
  if (byKind) out.add(byKind);
  if (request.kind === 'action') {
    const def = INTENTS[request.intent.kind];
    if (def.feature) out.add(def.feature);
    if (request.enableRemix || def.remixOf) out.add('remix');
  }
  if ('botType' in request && request.botType === 'NIJI_JOURNEY') out.add('niji');
  return [...out];
}

/** The price of `action` in `mode` on an upstream: its per-action entry, else its mode default; 0 when unpriced. */
export function priceOn(
  view: UpstreamView,
  action: PricedAction,
  mode: SpeedMode
): { price: number; currency: string } {
  const price = view.prices.byAction?.[action]?.[mode] ?? view.prices.default[mode] ?? 0;
  return { price, currency: view.prices.currency };
}
