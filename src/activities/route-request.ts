/**
 * What a job step asks routing for (issue 13): the action it pays for, the features an upstream must offer for it,
 * and its price on a given upstream. Pure functions of the request, so the submit and the reconciliation price a
 * task the same way.
 */
import type { IntentSpec, SpeedMode } from '../mj/types';
import { ACTION_OF_KIND } from '../shared/action-names';
import type { JobRequest } from '../shared/types';
import type { PricedAction, UpstreamFeature, UpstreamView } from '../upstreams/types';

const ACTION_OF_INTENT: Partial<Record<IntentSpec['kind'], PricedAction>> = {
  upscale: 'UPSCALE',
  'upscale-hd': 'UPSCALE',
  'video-upscale': 'UPSCALE',
  variation: 'VARIATION',
  'vary-subtle': 'VARIATION',
  'vary-strong': 'VARIATION',
  reroll: 'REROLL',
  'zoom-out': 'ZOOM',
  'custom-zoom': 'CUSTOM_ZOOM',
  pan: 'PAN',
  'vary-region': 'INPAINT',
  animate: 'VIDEO',
  'video-extend': 'VIDEO',
};

/** The action the ledger charges for this request (an unlisted button is a generic `ACTION`). */
export function pricedActionOf(request: JobRequest): PricedAction {
  if (request.kind !== 'action') return ACTION_OF_KIND[request.kind];
  return ACTION_OF_INTENT[request.intent.kind] ?? 'ACTION';
}

const FEATURE_OF_INTENT: Partial<Record<IntentSpec['kind'], UpstreamFeature>> = {
  'vary-region': 'vary-region',
  'custom-zoom': 'custom-zoom',
  pan: 'pan',
  animate: 'video',
  'video-extend': 'video',
  'video-upscale': 'video',
};

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
    const byIntent = FEATURE_OF_INTENT[request.intent.kind];
    if (byIntent) out.add(byIntent);
    if (request.enableRemix) out.add('remix');
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
