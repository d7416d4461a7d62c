/**
 * The one reading of a proxy's progress text ("46%", "(46%)", "12.5%", "", "Waiting to start"), shared by the task
 * parser, the job workflow's hint ranking and progress query, the console and the gateway's task view. Workflow-safe.
 */

/** The first number directly before a `%` (spaces allowed), integer or decimal. */
const PERCENT_RE = /(\d+(?:\.\d+)?)\s*%/;

/**
 * The percentage in a progress text, capped at 100; null for "", "Waiting to start" and anything else without a
 * number before a `%`.
 */
export function parseProgress(text: string | null | undefined): number | null {
  const m = text ? PERCENT_RE.exec(text) : null;
  return m ? Math.min(100, Number(m[1])) : null;
}

/**
 * A progress text in the proxies' own form, "N%" with a whole N (rounded down, so 99.6 % never reads as done);
 * undefined when the text carries no percentage.
 */
export function progressText(text: string | null | undefined): string | undefined {
  const pct = parseProgress(text);
  return pct === null ? undefined : `${Math.floor(pct)}%`;
}
