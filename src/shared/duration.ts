/**
 * The one duration format of this service: Temporal duration strings with a single unit ('500ms', '3s', '5m',
 * '1h', '2d'). Workflow-safe, so workflows and config share it.
 */
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses a {@link Duration}; throws a TypeError naming the bad value. */
export function durationToMs(d: Duration | string): number {
  const m = DURATION_RE.exec(String(d).trim());
  if (!m) throw new TypeError(`invalid duration "${d}": expected a number and one unit of ms, s, m, h, d (e.g. "30s")`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

export function isDuration(d: string): d is Duration {
  return DURATION_RE.test(d.trim());
}

/** Formats milliseconds in the largest unit that divides it exactly. */
export function msToDuration(ms: number): Duration {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}
