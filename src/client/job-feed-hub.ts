/**
 * One live feed per job per process, shared by every reader of that job (gateway streams, the console, the typed
 * client's `events()`): one history long poll per open job however many streams watch it, and the job's events kept
 * while anyone watches, so a reader joining or resuming late is served from memory.
 *
 * A feed merges the job's published memos (from its history, {@link JobHistoryFeed}) with the per-percentage progress
 * the webhook receiver keeps beside the workflow ({@link ProgressStore}): progress steps are read from the store when
 * it reports a write (or, for a store that cannot, when a memo arrives), never by waking the workflow.
 */
import type { Client } from '@temporalio/client';
import { InFlight } from '../in-flight';
import type { JobEvent } from '../shared/job-events';
import type { ProgressStore } from '../webhook/progress-store';
import { JobNotFoundError } from './errors';
import { isFinalEvent, progressEvent } from './job-event-builder';
import { abortableDelay, JobHistoryFeed } from './job-history-feed';

export interface JobEventsOptions {
  /** Resume after this seq (the last one seen); events with a greater seq come. @default 0 (from the start) */
  after?: number;
  /** Ends the iteration (without an error) when aborted. */
  signal?: AbortSignal;
}

/** Where a feed's memo events come from: {@link JobHistoryFeed} (the default), or a stand-in in tests. */
export interface JobEventSource {
  events(jobId: string, after: number, signal: AbortSignal): AsyncIterable<JobEvent>;
}

export interface JobFeedHubOptions {
  /** @default the client's workflow histories */
  source?: JobEventSource;
  /** Webhook progress kept beside the workflows; without it, events carry only what the jobs published. */
  progressStore?: ProgressStore;
  /** How long a job's feed stays open after its last reader left (a reconnect finds it warm). @default 10000 @unit ms */
  lingerMs?: number;
  /** Wait before reading the history again after Temporal was unreachable. @default 1000 @unit ms */
  retryMs?: number;
}

/** One job's feed: the events so far and the history reader adding to them. */
class JobTail {
  readonly events: JobEvent[] = [];
  done = false;
  error: unknown;
  readers = 0;
  lingering: NodeJS.Timeout | undefined;
  private readonly stop = new AbortController();
  private wake: (() => void)[] = [];

  constructor(
    readonly jobId: string,
    private readonly hub: JobFeedHub
  ) {}

  get last(): JobEvent | undefined {
    return this.events[this.events.length - 1];
  }

  /** Adds an event that follows the last one; false for one already passed (a re-read, a stale progress step). */
  push(e: JobEvent): boolean {
    if (this.done || (this.last && e.seq <= this.last.seq)) return false;
    this.events.push(e);
    if (isFinalEvent(e)) this.done = true;
    this.notify();
    return true;
  }

  /** Resolves at the next event, the feed's end, or `signal`'s abort. */
  changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.wake.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  end(error?: unknown): void {
    if (error !== undefined && !this.done) this.error = error;
    this.done = true;
    this.stop.abort();
    this.notify();
  }

  async run(history: JobEventSource, retryMs: number): Promise<void> {
    const signal = this.stop.signal;
    while (!this.done && !signal.aborted) {
      try {
        for await (const e of history.events(this.jobId, Math.floor(this.last?.seq ?? 0), signal)) {
          if (this.push(e)) await this.hub.progressOf(this);
          if (this.done) break;
        }
        return this.end();
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof JobNotFoundError) return this.end(err);
        // Temporal unreachable or the long poll cut: read on from the last event once it answers again.
        await abortableDelay(retryMs, signal);
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const w of wake) w();
  }
}

/** The process's feeds, by job id. */
export class JobFeedHub {
  private readonly tails = new Map<string, JobTail>();
  private readonly history: JobEventSource;
  private unwatch: (() => void) | undefined;
  /** The feeds' history reads still under way ({@link close} waits for them). */
  private readonly reading = new InFlight();

  constructor(
    client: Client,
    private readonly opts: JobFeedHubOptions = {}
  ) {
    this.history = opts.source ?? new JobHistoryFeed(client);
  }

  /** Jobs with a feed open in this process (readers, or lingering). */
  get openFeeds(): number {
    return this.tails.size;
  }

  /**
   * The job's events with a seq greater than `after`, in order, each once, until the job's final event (or the
   * signal's abort). `jobId` is the workflow id. Throws {@link JobNotFoundError} for an unknown id.
   */
  async *events(jobId: string, opts: JobEventsOptions = {}): AsyncGenerator<JobEvent> {
    const { signal } = opts;
    let after = opts.after ?? 0;
    const tail = this.open(jobId);
    tail.readers++;
    try {
      let i = 0;
      for (;;) {
        for (; i < tail.events.length && !signal?.aborted; i++) {
          const e = tail.events[i]!;
          if (e.seq <= after) continue;
          after = e.seq;
          yield e;
        }
        if (signal?.aborted) return;
        if (tail.error !== undefined) throw tail.error;
        if (tail.done) return;
        await tail.changed(signal);
      }
    } finally {
      tail.readers--;
      if (tail.readers === 0) this.release(tail);
    }
  }

  /**
   * Stops every feed (their readers end) and resolves once their history reads have ended, so the connection can close
   * after it: a Temporal call still being retried when its connection closes throws from a timer.
   */
  async close(): Promise<void> {
    for (const t of this.tails.values()) {
      clearTimeout(t.lingering);
      t.end();
    }
    this.tails.clear();
    this.unwatch?.();
    this.unwatch = undefined;
    await this.reading.settled();
  }

  /** Reads the store's progress of the tail's current task and adds a step when it is further along. */
  async progressOf(tail: JobTail): Promise<void> {
    const store = this.opts.progressStore;
    const last = tail.last;
    if (!store || !last?.memo.taskId || tail.done) return;
    const e = progressEvent(last, await store.get(last.memo.taskId));
    if (e) tail.push(e);
  }

  private open(jobId: string): JobTail {
    const found = this.tails.get(jobId);
    if (found && !(found.done && found.error !== undefined)) {
      clearTimeout(found.lingering);
      found.lingering = undefined;
      return found;
    }
    const tail = new JobTail(jobId, this);
    this.tails.set(jobId, tail);
    this.watchProgress();
    this.reading.track(tail.run(this.history, this.opts.retryMs ?? 1_000));
    return tail;
  }

  private release(tail: JobTail): void {
    const drop = () => {
      if (tail.readers > 0 || this.tails.get(tail.jobId) !== tail) return;
      this.tails.delete(tail.jobId);
      tail.end();
      if (this.tails.size === 0) {
        this.unwatch?.();
        this.unwatch = undefined;
      }
    };
    if (tail.done) return drop();
    tail.lingering = setTimeout(drop, this.opts.lingerMs ?? 10_000);
    tail.lingering.unref();
  }

  /** One store watch for the process, routed to the feeds whose current task was written. */
  private watchProgress(): void {
    const store = this.opts.progressStore;
    if (this.unwatch || !store?.watch) return;
    this.unwatch = store.watch((taskId) => {
      for (const t of this.tails.values()) if (t.last?.memo.taskId === taskId) void this.progressOf(t);
    });
  }
}
