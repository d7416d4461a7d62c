/**
 * `least-loaded` (default; trueai's BestWaitIdle): the candidate using the smallest share of its mode's
 * concurrency, ties to the fewer running tasks, then to the configured order. Workflow-safe.
 */
import type { RouteCandidate, RoutePicker } from './candidate';

/** Negative when `a` is less loaded than `b`. */
export function compareLoad(a: RouteCandidate, b: RouteCandidate): number {
  return (
    a.inFlight / a.limits.concurrency - b.inFlight / b.limits.concurrency ||
    a.inFlight - b.inFlight ||
    a.index - b.index
  );
}

export const leastLoaded: RoutePicker = (candidates) => [...candidates].sort(compareLoad)[0]!;
