/**
 * The console's view of a batch: from its report once it completed, else from its progress query. Pure functions,
 * beside `pipeline-view.ts`.
 */
import type { BatchLiveProgress } from '../shared/batch-run-types';
import type { BatchProgress, BatchReport } from '../shared/pipeline-types';
import type { BatchView, ConsoleState } from './backend';

const NO_COUNTS = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };

/** A completed batch: its report's items and summary. */
export function batchViewOfReport(id: string, report: BatchReport): BatchView {
  const counts = { ...report.summary, pending: 0, running: 0 };
  const items = report.items.map((i) => ({
    id: i.id,
    status: i.status,
    jobId: i.jobId,
    taskId: i.taskId,
    failure: i.failure?.message,
  }));
  return { id, name: report.name ?? id, state: 'succeeded', counts, items };
}

/** A batch still running (or closed without a report): its progress, when the query answered. */
export function batchViewOfProgress(id: string, state: ConsoleState, p: BatchProgress | undefined): BatchView {
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
    items: (p?.items ?? []).map((i) => ({ ...i, failure: i.failure?.message })),
  };
}

/** A batch of the paged engine: counts from its live summary; its items are in the manifest. */
export function pagedBatchView(id: string, state: ConsoleState, p: BatchLiveProgress): BatchView {
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
    items: [],
    paged: p,
  };
}
