/**
 * Names the routing layer shares with the intent catalogue: the actions the ledger prices and the optional features
 * an upstream may offer. Constant lists only, workflow-safe; `src/shared/upstreams/types.ts` re-exports them.
 */

/** The upstream action a submit pays for (the `action` field of the task). */
export const PRICED_ACTIONS = [
  'IMAGINE',
  'UPSCALE',
  'VARIATION',
  'REROLL',
  'ZOOM',
  'PAN',
  'INPAINT',
  'CUSTOM_ZOOM',
  'BLEND',
  'DESCRIBE',
  'SHORTEN',
  'EDIT',
  'VIDEO',
  'ACTION',
] as const;
export type PricedAction = (typeof PRICED_ACTIONS)[number];

/** Optional features an upstream may or may not offer; a job needing one is routed only where it is listed. */
export const UPSTREAM_FEATURES = [
  'vary-region',
  'custom-zoom',
  'pan',
  'remix',
  'video',
  'niji',
  'edits',
  'blend',
  'describe',
  'shorten',
  'upload',
] as const;
export type UpstreamFeature = (typeof UPSTREAM_FEATURES)[number];
