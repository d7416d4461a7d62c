/**
 * UTC calendar days and months of epoch milliseconds, for daily caps, day rollovers and spend periods. One
 * definition for routing, the upstream pool, the slot managers and the cost ledger. Pure; workflow-safe.
 */

export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day holding `at`. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `YYYY-MM` of the UTC month holding `at`. */
export function utcMonth(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** Epoch ms of the next UTC midnight after `at` (when daily caps reset). */
export function nextUtcDayStart(at: number): number {
  return (Math.floor(at / DAY_MS) + 1) * DAY_MS;
}
