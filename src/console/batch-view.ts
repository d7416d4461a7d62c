/**
 * The console's view of a batch: from its report once it completed, else from its progress query; a paged batch from
 * its live summary. Pure functions, beside `pipeline-view.ts`. Each carries the CLI's progress line
 * (`formatBatchLine`), measured from the batch's start to `now` or its end.
 */
import { formatBatchLine, tallyOfProgress } from '../shared/batch-tally';
import type { BatchLiveProgress } from '../shared/batch-run-types';
import type { BatchProgress, BatchReport } from '../shared/pipeline-types';
import type { BatchView, ConsoleState } from './backend';

const NO_COUNTS = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };

/** When the batch ran (epoch ms, server time), and the time to measure a running batch's rate and ETA at. */
export interface BatchTimes {
  startedAt: number;
  endedAt?: number;
  now: number;
}

/** A completed batch: its report's items and summary; an item without stored images keeps its upstream URL. */
export function batchViewOfReport(id: string, report: BatchReport, times: BatchTimes): BatchView {
  const counts = { ...report.summary, pending: 0, running: 0 };
  const items = report.items.map((i) => {
    const first = i.images[0];
    return {
      id: i.id,
      status: i.status,
      jobId: i.jobId,
      taskId: i.taskId,
      failure: i.failure?.message,
      // Only a web link: a proxy's answer must not turn into a script link on the page.
      ...(first && 'url' in first && /^https?:\/\//i.test(first.url) ? { upstreamUrl: first.url } : {}),
    };
  });
  const tally = { ...report.summary, running: 0, waiting: 0, startedAt: times.startedAt, endedAt: times.endedAt };
  const progressLine = formatBatchLine(tally, times.now);
  return { id, name: report.name ?? id, state: 'succeeded', counts, progressLine, items };
}

/** A batch still running (or closed without a report): its progress, when the query answered. */
export function batchViewOfProgress(
  id: string,
  state: ConsoleState,
  p: BatchProgress | undefined,
  times: BatchTimes
): BatchView {
  return {
    id,
    name: id,
    state,
    counts: p
      ? {
          total: p.total,
          pending: p.pending,
          running: p.running,
          succeeded: p.succeeded,
          failed: p.failed,
          cancelled: p.cancelled,
        }
      : NO_COUNTS,
    ...(p ? { progressLine: formatBatchLine(tallyOfProgress(p, times.startedAt, times.endedAt), times.now) } : {}),
    items: (p?.items ?? []).map((i) => ({ ...i, failure: i.failure?.message })),
  };
}

/** A batch of the paged engine: counts and the progress line from its live summary; its items are in the manifest. */
export function pagedBatchView(id: string, state: ConsoleState, p: BatchLiveProgress, now = Date.now()): BatchView {
  return {
    id,
    name: p.name ?? id,
    state,
    counts: {
      total: p.total,
      pending: p.waiting,
      running: p.running,
      succeeded: p.succeeded,
      failed: p.failed,
      cancelled: p.cancelled + p.notStarted,
    },
    // Without the deadline: the page shows it on a line of its own.
    progressLine: formatBatchLine(p, now, { quietHours: p.settings.quietHours }),
    items: [],
    paged: p,
  };
}
