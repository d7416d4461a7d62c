/**
 * Live progress for `watch` and `--wait`: one bar per job or pipeline branch, and one line per batch (counts, rate,
 * ETA: `formatBatchLine`), drawn on stderr. On a TTY the block is redrawn in place (`\r`, cursor up, clear line);
 * elsewhere (CI logs, pipes) a line is printed only when a row's text changes, and a batch's line, whose rate and
 * ETA change all the time, at most every {@link PERIODIC_LINE_MS} and once more at the end, so logs stay readable.
 */
import type { JobStatus } from '../client';
import { formatBatchLine, tallyOfProgress } from '../shared/batch-tally';
import type { JobProgress } from '../shared/types';

/** Off a TTY, the least time between two printed lines of a batch. @unit milliseconds */
export const PERIODIC_LINE_MS = 30_000;

export interface ProgressRow {
  /** `mj-job-…`, `grid/main`, `item-3`. */
  label: string;
  /** 0–100, or null when unknown (queued, waiting). */
  pct: number | null;
  /** Short state text: `IN_PROGRESS`, `waiting for prompt+mask`, `succeeded`. */
  state: string;
  /** Its text changes at every redraw (a batch's rate and ETA): off a TTY it is printed periodically. @default false */
  periodic?: boolean;
}

const BAR_WIDTH = 24;

/** `[██████░░░░░░]` for a percentage; an empty bar for null. */
export function formatBar(pct: number | null, width = BAR_WIDTH): string {
  const p = pct === null ? 0 : Math.max(0, Math.min(100, pct));
  const filled = Math.round((p / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export function formatRow(row: ProgressRow, labelWidth: number): string {
  const pct = row.pct === null ? '  - ' : `${String(Math.round(row.pct)).padStart(3)}%`;
  return `${row.label.padEnd(labelWidth)}  ${formatBar(row.pct)} ${pct}  ${row.state}`;
}

/** What a job is doing, in a few words. */
export function jobState(p: JobProgress): string {
  if (p.phase === 'waiting-input' || p.phase === 'waiting-modal')
    return `waiting for ${p.waitingFor?.needs.join('+') || 'input'}`;
  if (p.phase === 'failed') return `failed${p.failure ? `: ${p.failure.type}` : ''}`;
  if (p.phase === 'running' || p.phase === 'queued') return p.status ?? p.phase;
  return p.phase;
}

/**
 * Rows for a status; `childProgress` supplies live percentages of running pipeline branches; `now` (epoch ms)
 * measures a batch's rate and ETA.
 */
export function rowsFor(
  status: JobStatus,
  childProgress: ReadonlyMap<string, JobProgress> = new Map(),
  now = Date.now()
): ProgressRow[] {
  switch (status.kind) {
    case 'job': {
      const p = status.progress;
      const pct = p.phase === 'succeeded' ? 100 : p.progressPct;
      return [{ label: status.jobId, pct, state: jobState(p) }];
    }
    case 'pipeline':
      return status.progress.steps.flatMap((step) =>
        step.branches.map((b) => {
          const child = childProgress.get(b.jobId);
          const pct = b.status === 'succeeded' ? 100 : b.status === 'running' ? (child?.progressPct ?? null) : null;
          const waiting = b.waitingFor ? ` (${b.waitingFor.kind})` : '';
          const state = b.status === 'running' && child ? jobState(child) : `${b.status}${waiting}`;
          return { label: `${step.step}/${b.branch}`, pct, state };
        })
      );
    case 'batch': {
      // One line, however many items: a line per item does not scale to a batch of thousands.
      const p = status.progress;
      const finished = p.succeeded + p.failed + p.cancelled;
      const tally = tallyOfProgress(p, status.startedAt, status.closedAt);
      return [
        {
          label: status.jobId,
          pct: p.total === 0 ? 100 : (finished / p.total) * 100,
          state: formatBatchLine(tally, now),
          periodic: true,
        },
      ];
    }
    default:
      return [{ label: status.jobId, pct: null, state: status.executionStatus }];
  }
}

export interface LiveViewOptions {
  /** Off a TTY, the least time between two lines of a periodic row. @default PERIODIC_LINE_MS @unit milliseconds */
  periodMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Draws rows on a stream, in place on a TTY. */
export class LiveView {
  private drawn = 0;
  private readonly last = new Map<string, string>();
  private readonly printedAt = new Map<string, number>();
  private readonly periodMs: number;
  private readonly now: () => number;

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'> = process.stderr,
    opts: LiveViewOptions = {}
  ) {
    this.periodMs = opts.periodMs ?? PERIODIC_LINE_MS;
    this.now = opts.now ?? Date.now;
  }

  get isTty(): boolean {
    return this.out.isTTY === true;
  }

  /** Draws `rows`; `final` (the workflow closed) prints each changed periodic row once more off a TTY. */
  render(rows: ProgressRow[], final = false): void {
    const width = Math.max(8, ...rows.map((r) => r.label.length));
    const lines = rows.map((r) => formatRow(r, width));
    if (this.isTty) {
      const cols = this.out.columns ?? 120;
      // Move to the first line of the previous block, then rewrite every line.
      let s = this.drawn > 0 ? `\r\x1b[${this.drawn}A` : '';
      for (const line of lines) s += `\r\x1b[2K${line.slice(0, cols - 1)}\n`;
      // Rows that vanished (batch items finished) are cleared.
      for (let i = lines.length; i < this.drawn; i++) s += '\r\x1b[2K\n';
      if (this.drawn > lines.length) s += `\x1b[${this.drawn - lines.length}A`;
      this.out.write(s);
      this.drawn = lines.length;
      return;
    }
    const now = this.now();
    rows.forEach((row, i) => {
      const text = `${row.state}|${row.pct === null ? '' : Math.round(row.pct / 10)}`;
      if (this.last.get(row.label) === text) return;
      const at = this.printedAt.get(row.label);
      if (row.periodic && !final && at !== undefined && now - at < this.periodMs) return;
      this.last.set(row.label, text);
      this.printedAt.set(row.label, now);
      this.out.write(`${lines[i]}\n`);
    });
  }
}
