/**
 * Quiet hours of a batch: UTC windows in which it starts no new item (running ones finish). The window arithmetic
 * is the upstream work-hours rule (`workHoursState`, src/shared/upstreams/clock.ts): a quiet window is a work-hours
 * window read the other way round. Pure; workflow-safe.
 */
import { workHoursState } from './upstreams/clock';

/** Windows (UTC `HH:MM`) in which a batch starts no new item; `to` before `from` crosses midnight. */
export interface QuietWindow {
  from: string;
  to: string;
}

/** When the quiet window holding `now` ends, or undefined when `now` is in none. */
export function quietUntil(windows: readonly QuietWindow[], now: number): number | undefined {
  let until: number | undefined;
  for (const w of windows) {
    if (w.from === w.to || !workHoursState(w, now).open) continue;
    // Inside the window: it ends when its complement (to → from) opens.
    const end = workHoursState({ from: w.to, to: w.from }, now);
    const at = end.open ? now : end.opensAt;
    until = Math.max(until ?? at, at);
  }
  return until;
}

/** When the next quiet window after `now` begins (undefined when none is configured). */
function nextQuietStart(windows: readonly QuietWindow[], now: number): number | undefined {
  let next: number | undefined;
  for (const w of windows) {
    if (w.from === w.to) continue;
    const s = workHoursState(w, now);
    if (!s.open) next = Math.min(next ?? s.opensAt, s.opensAt);
  }
  return next;
}

/** The time `activeMs` of work started at `start` ends, skipping quiet windows (a batch's ETA, `batchPace`). */
export function finishTime(start: number, activeMs: number, windows: readonly QuietWindow[]): number {
  let t = start;
  let left = Math.max(0, activeMs);
  // Each pass crosses one quiet window; a year of daily windows is far more than any batch needs.
  for (let pass = 0; pass < 800; pass++) {
    const q = quietUntil(windows, t);
    if (q !== undefined && q > t) {
      t = q;
      continue;
    }
    const next = nextQuietStart(windows, t);
    if (next === undefined || t + left <= next) return t + left;
    left -= next - t;
    t = next;
  }
  return t + left;
}
