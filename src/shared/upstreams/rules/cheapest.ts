/** `cheapest`: the lowest price for the action and mode, ties to the least loaded. Workflow-safe. */
import type { RoutePicker } from './candidate';
import { compareLoad } from './least-loaded';

export const cheapest: RoutePicker = (candidates) =>
  [...candidates].sort((a, b) => a.price - b.price || compareLoad(a, b))[0]!;
