/**
 * A job's feed read from its workflow history: every memo the job published is a `WorkflowPropertiesModified` event
 * there, so past events are served by the Temporal frontend alone (no worker, no upstream request), across
 * continue-as-new runs, and new ones arrive through the history long poll (`waitNewEvent`) as soon as the job's
 * workflow task that published them completes.
 *
 * A run's first seq comes from its input (`JobInput.carry.memoSeq`, what the previous runs published), so a reader
 * resuming after `after` reads only the runs from the one holding `after + 1`.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex, decodeMapFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import type { JobEvent } from '../shared/job-events';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../shared/job-memo';
import type { JobInput } from '../shared/types';
import { JobNotFoundError } from './errors';
import { closeEvent, memoEvent, type RunClose } from './job-event-builder';

type HistoryEvent = NonNullable<
  NonNullable<Awaited<ReturnType<Client['workflowService']['getWorkflowExecutionHistory']>>['history']>['events']
>[number];

/** How a run's history ends: the next run, or the job's close. */
type RunEnd = { next: string } | { close: RunClose; at: number };

const CLOSES: [keyof HistoryEvent, RunClose][] = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionTimedOutEventAttributes', 'timed-out'],
];

function runEnd(ev: HistoryEvent): RunEnd | undefined {
  const next = ev.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  if (next) return { next };
  for (const [key, close] of CLOSES) if (ev[key]) return { close, at: tsToMs(ev.eventTime) };
  return undefined;
}

/** What one pass over a run's history found before the reader stopped. */
interface RunState {
  seq: number;
  memo: JobMemo | undefined;
}

/** Reads job histories; one instance per Temporal client. */
export class JobHistoryFeed {
  constructor(private readonly client: Client) {}

  /**
   * The job's memo events in order, from the first run that may hold `after + 1` (events at or before `after` of
   * that run come too, so a caller knows the state it resumes from), live until the job closes; a close the job did
   * not publish ends it with {@link closeEvent}. Throws {@link JobNotFoundError} for an unknown id.
   */
  async *events(jobId: string, after: number, signal: AbortSignal): AsyncGenerator<JobEvent> {
    let runId: string | undefined = await this.currentRun(jobId, signal);
    let start = await this.runStart(jobId, runId, signal);
    while (start.base > after && start.previous) {
      runId = start.previous;
      start = await this.runStart(jobId, runId, signal);
    }
    const state: RunState = { seq: start.base, memo: undefined };
    while (runId) {
      const end: RunEnd = yield* this.readRun(jobId, runId, state, signal);
      if ('next' in end) {
        runId = end.next;
        continue;
      }
      const last = closeEvent(jobId, state, end.at, end.close);
      if (last) yield last;
      return;
    }
  }

  private async currentRun(jobId: string, signal: AbortSignal): Promise<string> {
    try {
      const d = await this.abortable(signal, () => this.client.workflow.getHandle(jobId).describe());
      return d.runId;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
      throw err;
    }
  }

  /** A run's first seq (what earlier runs published) and the run it continued, from its started event. */
  private async runStart(
    workflowId: string,
    runId: string,
    signal: AbortSignal
  ): Promise<{ base: number; previous?: string }> {
    const res = await this.page(workflowId, runId, undefined, signal, false, 1);
    const started = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = started?.input?.payloads
      ? await decodeFromPayloadsAtIndex<JobInput | undefined>(this.conv, 0, started.input.payloads)
      : undefined;
    const base = typeof input?.carry?.memoSeq === 'number' ? input.carry.memoSeq : 0;
    return { base, previous: started?.continuedExecutionRunId || undefined };
  }

  /** Yields the run's memo events (seq counted on from `state`) until its end, long-polling while it runs. */
  private async *readRun(
    workflowId: string,
    runId: string,
    state: RunState,
    signal: AbortSignal
  ): AsyncGenerator<JobEvent, RunEnd> {
    let token: Uint8Array | undefined;
    const runBase = state.seq;
    let seq = runBase;
    let wait = true;
    for (;;) {
      const res = await this.page(workflowId, runId, token, signal, wait);
      const events = res.history?.events ?? [];
      for (const ev of events) {
        const upserted = ev.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields;
        if (upserted && JOB_MEMO_KEY in upserted) {
          // Every upsert of the job memo counts, as the job's own `memoSeq` does; one of an unknown version is skipped.
          seq++;
          const memo = await this.jobMemo(upserted);
          // A page re-read after an empty token repeats events already yielded.
          if (memo && seq > state.seq) {
            const prev = state.memo;
            state.seq = seq;
            state.memo = memo;
            yield memoEvent(workflowId, seq, tsToMs(ev.eventTime), prev, memo);
          }
          continue;
        }
        if (!state.memo && ev.workflowExecutionStartedEventAttributes?.memo?.fields) {
          state.memo = await this.jobMemo(ev.workflowExecutionStartedEventAttributes.memo.fields);
        }
        const end = runEnd(ev);
        if (end) return end;
      }
      token = res.nextPageToken?.length ? res.nextPageToken : undefined;
      if (!token) {
        // No page token and no close: read the run again from its start. A server that answers a long poll with
        // nothing (the time-skipping test server does, on a closed run) is asked once more without one.
        seq = runBase;
        if (wait && events.length === 0) {
          wait = false;
          continue;
        }
        wait = true;
        await abortableDelay(1_000, signal);
      }
    }
  }

  private page(
    workflowId: string,
    runId: string,
    nextPageToken: Uint8Array | undefined,
    signal: AbortSignal,
    waitNewEvent: boolean,
    maximumPageSize = 0
  ) {
    return this.abortable(signal, () =>
      this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.client.options.namespace,
        execution: { workflowId, runId },
        nextPageToken,
        waitNewEvent,
        maximumPageSize,
      })
    );
  }

  private async jobMemo(fields: Record<string, Payload | null | undefined>): Promise<JobMemo | undefined> {
    const raw = fields[JOB_MEMO_KEY];
    if (!raw) return undefined;
    const decoded = await decodeMapFromPayloads(this.conv, { [JOB_MEMO_KEY]: raw as Payload });
    const memo = decoded?.[JOB_MEMO_KEY] as JobMemo | undefined;
    return memo?.v === JOB_MEMO_VERSION ? memo : undefined;
  }

  /**
   * Runs one call under its own abort signal tied to `signal`: the gRPC layer leaves a listener on the signal it gets,
   * and a feed's signal lives as long as the job, so each call gets one that is dropped with it.
   */
  private async abortable<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const call = new AbortController();
    const abort = () => call.abort();
    if (signal.aborted) call.abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      return await this.client.withAbortSignal(call.signal, fn);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private get conv() {
    return this.client.options.loadedDataConverter;
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
