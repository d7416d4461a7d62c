/**
 * `GET /mj/events`: every event of a tenant's jobs, merged from the jobs' feeds, resumable with a cursor.
 *
 * The cursor (the SSE `id`) is `<T>;<taskId>:<seq>,…`: T (epoch ms) bounds which jobs the stream covers (running
 * ones, and those closed at or after T), the list names the last seq sent of each job it covers. Resuming, a job in the
 * list goes on after its seq, any other covered job starts from its first event; so after a reconnect nothing is
 * missing or repeated. A fresh stream starts at T = now: the jobs running then (all their events) and every job
 * after. Jobs whose final event went out leave the list once it holds more than {@link CURSOR_KEEP} jobs, T moving
 * to a minute ago ({@link T_LAG_MS}): a job found by visibility later than that (it lags by far less) would be missed.
 */
import type { Client } from '@temporalio/client';
import type { JobFeedHub } from '../../client/job-feed-hub';
import { JobNotFoundError } from '../../client/errors';
import { isFinalEvent } from '../../client/job-event-builder';
import type { JobEvent } from '../../shared/job-events';
import { jobWorkflowId, TASK_ID_RE } from '../../tenancy/task-id';
import { badInput } from '../errors';
import { tenantTaskIdsSince } from './read-path';
import type { SseMessage } from './event-streams';
import { tenantEvent } from './event-streams';

const CURSOR_KEEP = 64;
const T_LAG_MS = 60_000;

export interface TenantCursor {
  since: number;
  /** Last seq sent per task id, and whether that was the job's final event (with its time). */
  jobs: Map<string, { seq: number; finalAt?: number }>;
}

/** Reads a cursor a client sent back (`Last-Event-ID`); a bad one is answered 400 naming the field. */
export function parseTenantCursor(text: string, field: string): TenantCursor {
  const bad = () => badInput(field, 'must be an event id this stream sent');
  const [since, list = ''] = text.split(';', 2);
  const t = Number(since);
  if (!/^\d{1,16}$/.test(since ?? '') || !Number.isSafeInteger(t)) throw bad();
  const jobs = new Map<string, { seq: number }>();
  for (const item of list ? list.split(',') : []) {
    const [id, seq] = item.split(':', 2);
    const n = Number(seq);
    if (!id || !TASK_ID_RE.test(id) || !/^\d+(\.\d+)?$/.test(seq ?? '') || !Number.isFinite(n)) throw bad();
    jobs.set(id, { seq: n });
  }
  return { since: t, jobs };
}

export function formatTenantCursor(c: TenantCursor): string {
  return `${c.since};${[...c.jobs].map(([id, j]) => `${id}:${j.seq}`).join(',')}`;
}

/** Forgets jobs whose final event went out before a minute ago, once the cursor names many jobs. */
function trim(c: TenantCursor, now: number): void {
  if (c.jobs.size <= CURSOR_KEEP) return;
  const since = Math.max(c.since, now - T_LAG_MS);
  for (const [id, j] of c.jobs) if (j.finalAt !== undefined && j.finalAt < since) c.jobs.delete(id);
  c.since = since;
}

/** A queue the jobs' feeds push into and the stream pulls from. */
class Merge {
  private readonly items: SseMessage[] = [];
  private wake: (() => void) | undefined;

  push(m: SseMessage): void {
    this.items.push(m);
    this.wake?.();
  }

  async *drain(signal: AbortSignal): AsyncGenerator<SseMessage> {
    const stop = () => this.wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      while (!signal.aborted) {
        const m = this.items.shift();
        if (m) yield m;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
}

type JobsListener = { since: () => number; found: (taskIds: string[]) => void };

/**
 * The tenants' jobs as visibility lists them, one look per tenant every `pollMs` however many of its streams are
 * open; each stream hears of the jobs running, or closed at or after its own cursor's time.
 */
export class TenantJobWatch {
  private readonly tenants = new Map<string, Set<JobsListener>>();

  constructor(
    private readonly client: Client,
    private readonly pollMs: number
  ) {}

  /** Starts telling `listener` of `tenant`'s jobs; the result stops it. */
  subscribe(tenant: string, listener: JobsListener): () => void {
    let listeners = this.tenants.get(tenant);
    if (!listeners) {
      listeners = new Set();
      this.tenants.set(tenant, listeners);
      void this.run(tenant, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.tenants.get(tenant) === listeners) this.tenants.delete(tenant);
    };
  }

  private async run(tenant: string, listeners: Set<JobsListener>): Promise<void> {
    while (this.tenants.get(tenant) === listeners) {
      const since = Math.min(...[...listeners].map((l) => l.since()));
      // Visibility unreachable: the streams go on with the jobs they follow and look again later.
      const jobs = Number.isFinite(since) ? await tenantTaskIdsSince(this.client, tenant, since).catch(() => []) : [];
      for (const l of listeners) {
        const own = l.since();
        l.found(jobs.filter((j) => j.closedAt === undefined || j.closedAt >= own).map((j) => j.taskId));
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs).unref());
    }
  }
}

/** The tenant's events after `cursor` (a fresh one when absent), until `signal` aborts. */
export function tenantEvents(
  hub: JobFeedHub,
  jobs: TenantJobWatch,
  tenant: string,
  cursor: TenantCursor | undefined,
  signal: AbortSignal
): AsyncIterable<SseMessage> {
  const c: TenantCursor = cursor ?? { since: Date.now(), jobs: new Map() };
  const merge = new Merge();
  const following = new Set<string>();

  const follow = async (taskId: string) => {
    const after = c.jobs.get(taskId)?.seq ?? 0;
    try {
      for await (const e of hub.events(jobWorkflowId(tenant, taskId), { after, signal })) {
        const final = isFinalEvent(e);
        c.jobs.set(taskId, { seq: e.seq, ...(final ? { finalAt: e.at } : {}) });
        trim(c, Date.now());
        merge.push(message(taskId, e, formatTenantCursor(c)));
      }
    } catch (err) {
      // Deleted after retention between the list and the read: nothing to send.
      if (!(err instanceof JobNotFoundError)) throw err;
    }
  };

  const stop = jobs.subscribe(tenant, {
    since: () => c.since,
    found: (ids) => {
      for (const id of ids) {
        if (signal.aborted || following.has(id) || c.jobs.get(id)?.finalAt !== undefined) continue;
        following.add(id);
        // A job followed to its end stays in `following`; a failed read is tried again at the next look.
        void follow(id).catch(() => following.delete(id));
      }
    },
  });
  signal.addEventListener('abort', stop, { once: true });
  return merge.drain(signal);
}

function message(taskId: string, e: JobEvent, id: string): SseMessage {
  return { id, event: 'job', data: tenantEvent(taskId, e) };
}
