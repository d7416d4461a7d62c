/**
 * The console's view of a job that finishes between the describe and the progress query: the describe's memo is from
 * before the job's last task (no images, no buttons), the query already says `succeeded`. Shown from those two, the
 * page said "succeeded" with no image and, being terminal, never updated again (seen in the browser test under load).
 * Against a fake Temporal client, so each read's answer is scripted.
 */
import type { MjJobsClient } from '../../../src/client';
import { TemporalConsoleBackend } from '../../../src/console/temporal-backend';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../../src/shared/job-memo';
import { MJ_TENANT } from '../../../src/shared/search-attributes';
import type { JobProgress } from '../../../src/shared/types';

const ID = 'mj-job-finishing';
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

const memoAt = (phase: JobMemo['phase'], extra: Partial<JobMemo> = {}): JobMemo => ({
  v: JOB_MEMO_VERSION,
  phase,
  kind: 'imagine',
  mode: 'FAST',
  prompt: 'a lighthouse at dusk',
  taskId: 'T1',
  submitTime: T0,
  ...extra,
});

const FINAL = memoAt('succeeded', {
  status: 'SUCCESS',
  progress: '100%',
  assets: [0, 1, 2, 3, 4].map((index) => ({ index, key: `jobs/${ID}/${index}.png` })),
  buttons: [{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1', intent: 'U1' }],
});

function description(status: 'RUNNING' | 'COMPLETED', memo: JobMemo) {
  return {
    workflowId: ID,
    runId: 'r1',
    type: 'mjJobWorkflow',
    status: { name: status },
    startTime: new Date(T0),
    closeTime: status === 'COMPLETED' ? new Date(T0 + 60_000) : undefined,
    memo: { [JOB_MEMO_KEY]: memo },
    typedSearchAttributes: { get: (key: { name: string }) => (key.name === MJ_TENANT.name ? 'acme' : undefined) },
  };
}

function progress(phase: JobProgress['phase']): JobProgress {
  return { phase, taskId: 'T1', status: 'SUCCESS', progressPct: 100, timings: {} } as unknown as JobProgress;
}

/** A backend over a client whose describes answer `describes` in turn (the last one repeats). */
function backend(describes: ReturnType<typeof description>[], queried: JobProgress) {
  let n = 0;
  const handle = {
    describe: async () => describes[Math.min(n++, describes.length - 1)],
    query: async () => queried,
    fetchHistory: async () => Promise.reject(new Error('no history here')),
    result: async () => Promise.reject(new Error('not read')),
  };
  const mj = {
    client: {
      options: { namespace: 'default' },
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      // Visibility lists nothing (no children of the job).
      workflow: { getHandle: () => handle, async *list() {} },
    },
  } as unknown as MjJobsClient;
  return { console: new TemporalConsoleBackend({ mj, authenticate: async () => 'acme' }), describes: () => n };
}

describe('console backend: a job that finished between describe and query', () => {
  it('reads the closed job again and shows it with its images and buttons', async () => {
    const b = backend(
      [description('RUNNING', memoAt('running')), description('COMPLETED', FINAL)],
      progress('succeeded')
    );
    const job = await b.console.getJob('acme', ID);
    expect(job).toMatchObject({ state: 'succeeded', images: [0, 1, 2, 3, 4] });
    expect(job?.buttons.map((x) => x.label)).toEqual(['U1']);
  });

  it('shows it still running from its memo when the second read still has the old memo, so the page stays live', async () => {
    const b = backend([description('RUNNING', memoAt('running'))], progress('succeeded'));
    const job = await b.console.getJob('acme', ID);
    expect(job?.state).toBe('running');
    expect(job?.images).toEqual([]);
    expect(b.describes()).toBe(2); // the owner check, then one read again (not a loop)
  });

  it('reads nothing again when the memo already says how the job ended', async () => {
    const b = backend([description('RUNNING', FINAL)], progress('succeeded'));
    const job = await b.console.getJob('acme', ID);
    expect(job).toMatchObject({ state: 'succeeded', images: [0, 1, 2, 3, 4] });
    expect(b.describes()).toBe(1);
  });
});
