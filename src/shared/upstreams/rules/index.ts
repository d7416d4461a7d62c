/** The one table from routing rule name to its picker. Workflow-safe. */
import type { RoutingRule } from '../types';
import type { RoutePicker } from './candidate';
import { cheapest } from './cheapest';
import { fillInOrder } from './fill-in-order';
import { leastLoaded } from './least-loaded';
import { roundRobin } from './round-robin';
import { weighted } from './weighted';

export const RULE_PICKERS: Readonly<Record<RoutingRule, RoutePicker>> = {
  'least-loaded': leastLoaded,
  weighted,
  'round-robin': roundRobin,
  'fill-in-order': fillInOrder,
  cheapest,
};
