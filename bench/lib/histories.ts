/**
 * Workflow histories fetched through the client: every run of a workflow id (walking continue-as-new links back
 * from the latest run), with event counts by category.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface EventBreakdown {
  total: number;
  workflowTask: number;
  activity: number;
  timer: number;
  signal: number;
  update: number;
  child: number;
  other: number;
}

export interface WorkflowHistoryStats {
  workflowId: string;
  runs: number;
  events: EventBreakdown;
  /** Events by type (`WORKFLOW_TASK_COMPLETED`, `MARKER_RECORDED` …), all runs: the per-event breakdown of a job. */
  byType: Record<string, number>;
  /** Longest single run, in events. */
  maxRunEvents: number;
  /** Wall-clock span from the first run's start to the last run's last event, ms. */
  spanMs: number;
  /** Real epoch ms of every event, all runs (only when asked for). */
  eventTimes?: number[];
}

const empty = (): EventBreakdown => ({ total: 0, workflowTask: 0, activity: 0, timer: 0, signal: 0, update: 0, child: 0, other: 0 });

function category(eventType: number | null | undefined): keyof Omit<EventBreakdown, 'total'> {
  // EventType enum values from temporal.api.enums.v1.EventType.
  const t = Number(eventType ?? 0);
  if (t >= 5 && t <= 9) return 'workflowTask';
  if (t >= 10 && t <= 16) return 'activity';
  if (t >= 17 && t <= 19) return 'timer';
  if (t === 26) return 'signal';
  if (t >= 29 && t <= 36) return 'child';
  if ((t >= 41 && t <= 43) || t === 47) return 'update';
  return 'other';
}

function eventTypeName(eventType: number | null | undefined): string {
  const name = temporal.api.enums.v1.EventType[Number(eventType ?? 0)] ?? `EVENT_TYPE_${String(eventType)}`;
  return name.replace(/^EVENT_TYPE_/, '');
}

function toMs(ts: HistoryEvent['eventTime']): number {
  if (!ts) return 0;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** All runs of one workflow id, newest first, at most `maxRuns`. */
export async function workflowHistoryStats(
  client: Client,
  workflowId: string,
  opts: { maxRuns?: number; eventTimes?: boolean } = {}
): Promise<WorkflowHistoryStats> {
  const maxRuns = opts.maxRuns ?? 50;
  const times: number[] = [];
  const events = empty();
  const byType: Record<string, number> = {};
  let runId: string | undefined;
  let runs = 0;
  let maxRunEvents = 0;
  let first = Infinity;
  let last = 0;
  while (runs < maxRuns) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const list = history.events ?? [];
    runs++;
    maxRunEvents = Math.max(maxRunEvents, list.length);
    for (const e of list) {
      events.total++;
      events[category(e.eventType)]++;
      const name = eventTypeName(e.eventType);
      byType[name] = (byType[name] ?? 0) + 1;
      const at = toMs(e.eventTime);
      if (opts.eventTimes) times.push(at);
      if (at) {
        first = Math.min(first, at);
        last = Math.max(last, at);
      }
    }
    const previous = list[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  return {
    workflowId,
    runs,
    events,
    byType,
    maxRunEvents,
    spanMs: Number.isFinite(first) ? last - first : 0,
    ...(opts.eventTimes ? { eventTimes: times } : {}),
  };
}

export function addBreakdown(a: EventBreakdown, b: EventBreakdown): EventBreakdown {
  const out = empty();
  for (const k of Object.keys(out) as (keyof EventBreakdown)[]) out[k] = a[k] + b[k];
  return out;
}
