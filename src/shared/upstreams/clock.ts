/**
 * UTC-day and wall-clock arithmetic shared by routing (daily caps, work hours) and the pool's day rollover.
 * Pure functions of epoch milliseconds; workflow-safe.
 */
import { DAY_MS } from '../utc-calendar';
import type { WorkHours } from './types';

/** The UTC calendar lives in src/shared/utc-calendar.ts (the ledger and the slot managers count days too). */
export { DAY_MS, nextUtcDayStart, utcDay } from '../utc-calendar';

const MINUTE_MS = 60_000;

/** Minutes since midnight of an 'HH:MM' string (validated by the config). */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * Whether `nowMs` is inside the window, and if not, when it next opens. `from === to` means always open; `to`
 * earlier than `from` means the window crosses midnight (22:00–06:00).
 */
export function workHoursState(wh: WorkHours, nowMs: number): { open: true } | { open: false; opensAt: number } {
  const from = minutesOf(wh.from);
  const to = minutesOf(wh.to);
  if (from === to) return { open: true };
  const offsetMs = (wh.utcOffsetMinutes ?? 0) * MINUTE_MS;
  const local = nowMs + offsetMs;
  const minute = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  const open = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  if (open) return { open: true };
  const localMidnight = Math.floor(local / DAY_MS) * DAY_MS;
  // Closed: the next opening is today's `from` if still ahead, else tomorrow's.
  const today = localMidnight + from * MINUTE_MS;
  const opensLocal = today > local ? today : today + DAY_MS;
  return { open: false, opensAt: opensLocal - offsetMs };
}
