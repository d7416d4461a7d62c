/** The speed modes MidJourney offers, in one list (contract §1, §12). Workflow-safe. */
import type { SpeedMode } from '../mj/types';

export const SPEED_MODES = ['FAST', 'RELAX', 'TURBO'] as const satisfies readonly SpeedMode[];

export function isSpeedMode(value: unknown): value is SpeedMode {
  return typeof value === 'string' && (SPEED_MODES as readonly string[]).includes(value);
}

// Compile-time: the list names every mode of the type.
const _everyMode: Record<SpeedMode, true> = { FAST: true, RELAX: true, TURBO: true };
void _everyMode;
