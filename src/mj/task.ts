/**
 * Turns a task body from fetch, list or a webhook (§5) into an {@link MjTask}, tolerating every variation the
 * flavours are known to produce (§14.10).
 */
import { MjResponseError, type MjErrorDetails } from './errors';
import { summarizeIssues, taskResponseSchema } from './schemas';
import { parseProgress } from './terms/progress';
import type { MjTask } from './types';

/** The percentage in a progress text: the one reading of src/mj/terms/progress.ts. */
export { parseProgress };

/**
 * Parses one task object without throwing: `{ok:true, task}` or `{ok:false, issues}` (a short summary, never the
 * body). For callers that answer bad input themselves, e.g. the webhook receiver.
 */
export function tryParseTask(body: unknown): { ok: true; task: MjTask } | { ok: false; issues: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      issues: `expected a task object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`,
    };
  }
  const r = taskResponseSchema.safeParse(body);
  if (!r.success) return { ok: false, issues: summarizeIssues(r.error) };
  const raw = r.data;
  const text = (key: string): string | null => {
    const v = raw.properties[key];
    return typeof v === 'string' ? v : null;
  };
  return {
    ok: true,
    task: {
      ...raw,
      // Some builds leave progress at the last partial value on SUCCESS; the terminal state wins.
      progressPct: raw.status === 'SUCCESS' ? 100 : parseProgress(raw.progress),
      finalPrompt: text('finalPrompt'),
      finalZhPrompt: text('finalZhPrompt'),
      // A new-api row its poller has not filled yet: no status at all.
      stub: raw.status.trim() === '',
    },
  };
}

/**
 * Parses one task object. Throws {@link MjResponseError} (code `MJ_BAD_RESPONSE`) with a short issue summary, never
 * the raw body, when `body` is not a task at all.
 */
export function parseTask(body: unknown, details?: MjErrorDetails): MjTask {
  const r = tryParseTask(body);
  if (!r.ok) throw new MjResponseError(r.issues, details);
  return r.task;
}

/** Parses a task array (list, list-by-condition). Throws {@link MjResponseError} naming the first bad element. */
export function parseTaskList(body: unknown, details?: MjErrorDetails): MjTask[] {
  if (!Array.isArray(body))
    throw new MjResponseError(`expected a task array, got ${body === null ? 'null' : typeof body}`, details);
  return body.map((item, i) => {
    const r = tryParseTask(item);
    if (!r.ok) throw new MjResponseError(`[${i}] ${r.issues}`, details);
    return r.task;
  });
}

/** How far a task got, for choosing among copies of it: terminal beats running beats queued beats a stub. */
function advance(t: MjTask): number {
  if (t.stub === true) return 0;
  if (t.status === 'SUCCESS' || t.status === 'FAILURE' || t.status === 'CANCEL') return 3;
  if (t.status === 'IN_PROGRESS') return 2;
  return 1;
}

/**
 * One task per id, in first-seen order: a new-api gateway keeps two rows for a task after a modal and lists both.
 * Keeps the copy that got furthest (terminal, then running, then queued or MODAL, then a stub), on a tie the one
 * with the higher progress, then the later one in the list.
 */
export function collapseDuplicateTasks(tasks: readonly MjTask[]): MjTask[] {
  const best = new Map<string, MjTask>();
  for (const t of tasks) {
    const kept = best.get(t.id);
    const better =
      !kept ||
      advance(t) > advance(kept) ||
      (advance(t) === advance(kept) && (t.progressPct ?? -1) >= (kept.progressPct ?? -1));
    if (better) best.set(t.id, t);
  }
  return [...best.values()];
}
