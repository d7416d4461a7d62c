/**
 * Where the MCP server learns how a job goes on: the job's event feed (`ConsoleBackend.jobEvents`, served by the
 * process's `JobFeedHub`: one history long poll per job, the webhook's progress steps laid over it), not a timer.
 *
 * A progress step of the task the view shows, further along than the view, is laid over the last view; any other
 * change (phase, buttons, result, what it waits for, failure) reads the job's view again (`ConsoleBackend.getJob`),
 * which is what a page shows. Events that come while a view is read or handed out are gathered, so a burst (the
 * feed replays a job's past events first) costs one read. Pipelines and batches have no feed: their views are read at
 * an interval, as is a job whose feed ended before its view did.
 */
import type { ConsoleBackend, ConsoleJob, TenantId } from '../console/backend';
import { memoProgressPct, phaseState } from '../console/job-view';
import type { JobEvent } from '../shared/job-events';

/** How often the view of a job without a feed (a pipeline, a batch) is read while someone waits for it. @unit ms */
export const POLL_INTERVAL_MS = 500;

export function isTerminalState(state: ConsoleJob['state']): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** What a client is told about: a change of any of these is a new view. */
function signature(j: ConsoleJob): string {
  return JSON.stringify([j.state, j.status, j.progressPct, j.waitingFor?.needs, j.buttons.length, j.images.length]);
}

/** The view with `e`'s progress laid over it, or undefined when `e` needs the view read again. */
function withProgressStep(job: ConsoleJob, e: JobEvent): ConsoleJob | undefined {
  const m = e.memo;
  const pct = memoProgressPct(m);
  if (!isProgressOnly(e) || m.taskId === undefined || m.taskId !== job.taskId) return undefined;
  if (pct === null || pct <= (job.progressPct ?? -1)) return undefined;
  return { ...job, state: phaseState(m.phase), status: m.status ?? job.status, progressPct: pct };
}

/** The feed's events not handed out yet: the newest, and whether one before it needs the view read again. */
class Gathered {
  private pending: { last: JobEvent; reread: boolean } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(events: AsyncIterable<JobEvent>) {
    void this.pump(events);
  }

  /** The events since the last take, or undefined once the feed ended with nothing more. */
  async take(): Promise<{ last: JobEvent; reread: boolean } | undefined> {
    while (!this.pending && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    const p = this.pending;
    this.pending = undefined;
    return p;
  }

  private async pump(events: AsyncIterable<JobEvent>): Promise<void> {
    try {
      for await (const e of events) {
        const before = this.pending;
        // The newest progress step carries every earlier one's; an earlier other change must still be read.
        this.pending = { last: e, reread: before !== undefined && (before.reread || !isProgressOnly(before.last)) };
        this.notify();
      }
    } catch {
      // The feed failed (the job is gone, or Temporal refused): the watcher reads the view at an interval instead.
    } finally {
      this.ended = true;
      this.notify();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function isProgressOnly(e: JobEvent): boolean {
  return e.types.length === 1 && e.types[0] === 'progress';
}

/**
 * The job's views from now on, each one that differs from the one before, ending after a terminal one or when
 * `signal` aborts. Yields nothing for a job the tenant does not have.
 */
export async function* watchJob(
  backend: Pick<ConsoleBackend, 'getJob' | 'jobEvents'>,
  tenant: TenantId,
  jobId: string,
  signal: AbortSignal,
  pollIntervalMs = POLL_INTERVAL_MS
): AsyncGenerator<ConsoleJob> {
  const first = await backend.getJob(tenant, jobId);
  if (!first) return;
  let job: ConsoleJob = first;
  let last = signature(job);
  /** True when `j` differs from the view handed out last (and is now that view). */
  const changed = (j: ConsoleJob) => last !== (last = signature(j));
  if (isTerminalState(job.state)) return yield job;
  // Subscribed before the first view is handed out, so what happens while its reader is busy is gathered.
  const stop = new AbortController();
  const feedSignal = AbortSignal.any([signal, stop.signal]);
  const feed =
    job.kind === 'job' && backend.jobEvents ? new Gathered(backend.jobEvents(tenant, jobId, feedSignal)) : null;
  try {
    yield job;
    for (let got = await feed?.take(); got && !signal.aborted; got = await feed?.take()) {
      const next: ConsoleJob | null =
        (!got.reread && withProgressStep(job, got.last)) || (await backend.getJob(tenant, jobId));
      if (!next) return;
      job = next;
      if (changed(job)) yield job;
      if (isTerminalState(job.state)) return;
    }
  } finally {
    stop.abort();
  }
  // No feed (a pipeline, a batch), or it ended before the view did: read the view at an interval.
  while (!signal.aborted) {
    await sleep(pollIntervalMs, signal);
    const read = signal.aborted ? null : await backend.getJob(tenant, jobId);
    if (!read) return;
    if (changed(read)) yield read;
    if (isTerminalState(read.state)) return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
