/**
 * Random spread of a wait, so workflows started together do not wake together: the one formula of the backoff
 * helper, the job's poll waits and the slot and upstream managers' reclaim checks. Pure: `random` is the workflow's
 * seeded `Math.random` (a replay draws the same numbers, so keep the formula and the number of draws as they are).
 */

/** ± `jitter` (a fraction, 0.2 = ±20 %) around `ms`, at least 1 ms. */
export function jittered(ms: number, jitter: number, random: () => number): number {
  return Math.max(1, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}

/** Up to `jitter` below `ms`, never above: a safety net that must not stretch past its bound still spreads jobs. */
export function jitteredBelow(ms: number, jitter: number, random: () => number): number {
  return Math.max(1, Math.round(ms * (1 - jitter * random())));
}
