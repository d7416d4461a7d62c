/**
 * The upstream `action` of each kind of job (contract §6): what the task reports, what the `MjAction` search
 * attribute and the gateway show, and what the ledger prices. One list; an action job's names come from its button
 * intent's entry in the intent catalogue (src/mj/intents: `proxyAction`, `pricedAction`). Workflow-safe.
 */
import type { PricedAction } from './upstreams/types';
import type { JobKind } from './types';

export const ACTION_OF_KIND = {
  imagine: 'IMAGINE',
  action: 'ACTION',
  blend: 'BLEND',
  describe: 'DESCRIBE',
  shorten: 'SHORTEN',
  edits: 'EDIT',
  video: 'VIDEO',
} as const satisfies Record<JobKind, PricedAction>;
