/** The proxy `action` name a caller sees for each kind of job and button intent (one list; contract §6). */
import type { IntentSpec } from '../mj/types';
import type { JobKind } from '../shared/types';

export const ACTION_BY_KIND: Readonly<Record<Exclude<JobKind, 'action'>, string>> = {
  imagine: 'IMAGINE',
  blend: 'BLEND',
  describe: 'DESCRIBE',
  shorten: 'SHORTEN',
  edits: 'EDIT',
  video: 'VIDEO',
};

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
