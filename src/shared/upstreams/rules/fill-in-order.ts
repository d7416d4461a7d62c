/**
 * `fill-in-order` (trueai's AccountFill): the first configured upstream with room, so later ones only take the
 * overflow. Workflow-safe.
 */
import type { RoutePicker } from './candidate';

export const fillInOrder: RoutePicker = (candidates) => candidates.reduce((a, b) => (b.index < a.index ? b : a));
