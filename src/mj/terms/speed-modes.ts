/**
 * The speed modes MidJourney offers, declared once (contract §1, §12): the `SpeedMode` type, the checks and the
 * wording of their errors derive from `SPEED_MODES`. Zod users write `z.enum(SPEED_MODES)`. Workflow-safe.
 */

export const SPEED_MODES = ['FAST', 'RELAX', 'TURBO'] as const;
export type SpeedMode = (typeof SPEED_MODES)[number];

/** The modes as an error message lists them: "FAST, RELAX, TURBO". */
export const SPEED_MODE_LIST = SPEED_MODES.join(', ');

export function isSpeedMode(value: unknown): value is SpeedMode {
  return typeof value === 'string' && (SPEED_MODES as readonly string[]).includes(value);
}

/** A mode as upstreams and callers spell it, in any case ("relax", "Fast"); undefined for anything else. */
export function speedModeOf(value: unknown): SpeedMode | undefined {
  const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
  return isSpeedMode(upper) ? upper : undefined;
}
