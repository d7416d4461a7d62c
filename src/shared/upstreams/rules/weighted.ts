/**
 * `weighted` (trueai's Weight, new-api's channel weight): candidates share the traffic in proportion to their
 * `weight`. Deterministic: the pool's reservation counter is hashed into a point of the weight line, so replay picks
 * the same upstream and no `Math.random` is needed. Workflow-safe.
 */
import type { RoutePicker } from './candidate';

/** A well-spread value in [0, 1) for an integer (mulberry32's output step). */
export function unitHash(n: number): number {
  let t = (n + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

export const weighted: RoutePicker = (candidates, cursor) => {
  const total = candidates.reduce((sum, c) => sum + c.view.weight, 0);
  let point = unitHash(cursor) * total;
  for (const c of candidates) {
    point -= c.view.weight;
    if (point < 0) return c;
  }
  return candidates[candidates.length - 1]!;
};
