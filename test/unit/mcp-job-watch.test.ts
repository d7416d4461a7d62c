/**
 * How the MCP server follows a job (`watchJob`): from the job's event feed, not a timer. A progress step of the
 * view's task is laid over the view without a read; any other change reads the view again, once for all the events
 * that came while the reader was busy. A job without a feed (a pipeline) is read at an interval. Against a scripted
 * backend: every event is pushed by the test, and the poll interval of the feed cases is far beyond the test's run.
 */
import type { ConsoleBackend, ConsoleJob } from '../../src/console/backend';
import type { JobEvent, JobEventType } from '../../src/shared/job-events';
import { JOB_MEMO_VERSION, type JobMemo } from '../../src/shared/job-memo';
import { watchJob } from '../../src/mcp/job-watch';

const NEVER_MS = 2 ** 31 - 1;

/** Resolves once every pending promise callback ran: the feed's pump has taken all it was given. */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

function view(over: Partial<ConsoleJob> = {}): ConsoleJob {
  return {
    id: 'mj-job-1',
    kind: 'job',
    state: 'running',
    title: 'a fox',
    label: 'Imagine',
    taskId: 'T1',
    status: 'IN_PROGRESS',
    progressPct: 10,
    submitTime: 0,
    images: [],
    buttons: [],
    ...over,
  };
}

function event(seq: number, types: JobEventType[], memo: Partial<JobMemo>): JobEvent {
  return {
    jobId: 'mj-job-1',
    seq,
    at: seq,
    types,
    memo: { v: JOB_MEMO_VERSION, phase: 'running', taskId: 'T1', submitTime: 0, ...memo } as JobMemo,
  };
}

/** A backend whose views are the test's `current` and whose feed yields what the test pushes. */
function scripted(first: ConsoleJob) {
  let current: ConsoleJob | null = first;
  const reads: ConsoleJob[] = [];
  const queue: JobEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const backend: Pick<ConsoleBackend, 'getJob' | 'jobEvents'> = {
    getJob: async () => {
      if (current) reads.push(current);
      return current;
    },
    async *jobEvents(_tenant, _id, signal) {
      signal.addEventListener('abort', () => wake?.(), { once: true });
      while (!signal.aborted) {
        const e = queue.shift();
        if (e) yield e;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  return {
    backend,
    reads,
    setView: (v: ConsoleJob | null) => (current = v),
    push: (...events: JobEvent[]) => {
      queue.push(...events);
      wake?.();
    },
    end: () => {
      ended = true;
      wake?.();
    },
  };
}

describe('watchJob', () => {
  it('lays progress steps of the view’s task over the view without reading it, and reads it for other changes', async () => {
    const s = scripted(view());
    const views = watchJob(s.backend, 'acme', 'mj-job-1', new AbortController().signal, NEVER_MS);
    expect((await views.next()).value).toMatchObject({ progressPct: 10 });
    expect(s.reads).toHaveLength(1);

    s.push(event(2.3, ['progress'], { status: 'IN_PROGRESS', progress: '40%' }));
    await drained();
    expect((await views.next()).value).toMatchObject({ state: 'running', progressPct: 40 });
    expect(s.reads).toHaveLength(1);

    const done = view({ state: 'succeeded', status: 'SUCCESS', progressPct: 100, images: [0, 1, 2, 3, 4] });
    s.setView(done);
    s.push(event(3, ['phase', 'progress', 'result'], { phase: 'succeeded', status: 'SUCCESS', progress: '100%' }));
    expect((await views.next()).value).toEqual(done);
    expect(s.reads).toHaveLength(2);
    expect(await views.next()).toEqual({ done: true, value: undefined });
  });

  it('reads the view once for the events that came while its reader was busy, and reads a stale step again', async () => {
    const s = scripted(view({ progressPct: 50 }));
    const views = watchJob(s.backend, 'acme', 'mj-job-1', new AbortController().signal, NEVER_MS);
    await views.next();
    // The feed replays the job's past first: a button change and an older progress step, then a newer step.
    s.setView(view({ progressPct: 60 }));
    s.push(
      event(1, ['phase', 'buttons'], { phase: 'queued' }),
      event(1.2, ['progress'], { progress: '20%' }),
      event(2.3, ['progress'], { progress: '70%' })
    );
    await drained();
    expect((await views.next()).value).toMatchObject({ progressPct: 60 });
    expect(s.reads).toHaveLength(2);

    // A step not further along than the view (or of another task) is no overlay: the view is read again.
    s.setView(view({ progressPct: 80 }));
    s.push(event(2.4, ['progress'], { taskId: 'T0', progress: '90%' }));
    await drained();
    expect((await views.next()).value).toMatchObject({ progressPct: 80 });
    expect(s.reads).toHaveLength(3);
  });

  it('ends when the signal aborts, and yields nothing for a job the tenant does not have', async () => {
    const s = scripted(view());
    const stop = new AbortController();
    const views = watchJob(s.backend, 'acme', 'mj-job-1', stop.signal, NEVER_MS);
    await views.next();
    const next = views.next();
    stop.abort();
    expect(await next).toEqual({ done: true, value: undefined });

    const none = scripted(view());
    none.setView(null);
    expect(await watchJob(none.backend, 'acme', 'nope', stop.signal).next()).toEqual({ done: true, value: undefined });
  });

  it('reads a job without a feed (a pipeline) at an interval until it ends', async () => {
    const s = scripted(view({ kind: 'pipeline', taskId: undefined }));
    s.end();
    const views = watchJob(s.backend, 'acme', 'mj-pipeline-p', new AbortController().signal, 0);
    await views.next();
    s.setView(view({ kind: 'pipeline', state: 'succeeded', progressPct: 100 }));
    expect((await views.next()).value).toMatchObject({ state: 'succeeded' });
    expect(await views.next()).toEqual({ done: true, value: undefined });
  });
});
