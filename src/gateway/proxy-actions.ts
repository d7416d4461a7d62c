/** The proxy `action` name a caller sees for each kind of job and button intent (one list; contract §6). */
import type { IntentSpec } from '../mj/types';

/** The action of each kind of job: one list, shared with the job workflow and the ledger. */
export { ACTION_OF_KIND as ACTION_BY_KIND } from '../shared/action-names';

export const ACTION_BY_INTENT: Readonly<Record<IntentSpec['kind'], string>> = {
  upscale: 'UPSCALE',
  variation: 'VARIATION',
  reroll: 'REROLL',
  'upscale-hd': 'UPSCALE',
  'vary-subtle': 'VARIATION',
  'vary-strong': 'VARIATION',
  'vary-region': 'INPAINT',
  'zoom-out': 'OUTPAINT',
  'custom-zoom': 'CUSTOM_ZOOM',
  pan: 'PAN',
  animate: 'VIDEO',
  'video-upscale': 'UPSCALE',
  'video-extend': 'VIDEO',
  'describe-pick': 'IMAGINE',
  'describe-retry': 'DESCRIBE',
  'describe-imagine-all': 'IMAGINE',
  'shorten-pick': 'IMAGINE',
  bookmark: 'ACTION',
  unknown: 'ACTION',
};
