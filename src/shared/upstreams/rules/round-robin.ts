/** `round-robin` (trueai's Polling): the pool's reservation counter walks the candidates in order. Workflow-safe. */
import type { RoutePicker } from './candidate';

export const roundRobin: RoutePicker = (candidates, cursor) => candidates[cursor % candidates.length]!;
