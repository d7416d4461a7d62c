/**
 * End to end on the production path: the real Temporal server (frontend, history, matching, worker as four
 * processes) on PostgreSQL, two worker processes and the webhook receiver configured only through the environment
 * (as compose runs them), the simulator as the proxy, and the public MjJobsClient as the caller.
 *
 * With CLUSTER_REMOTE=1 the same file runs against the Temporal deployment the TEMPORAL_* variables name (see
 * test/cluster/stack.ts); the namespace needs our search attributes (deploy/register-search-attributes.sh).
 */
import { randomUUID } from 'node:crypto';
import type { JobResult } from '../../src/shared/types';
import { parseBatchSpec } from '../../src/pipeline';
import { parseStateKey } from '../../src/shared/state-key';
import type { BatchReport, PipelineResult } from '../../src/shared/pipeline-types';
import { maskPng, startStack, type Stack } from './stack';

jest.setTimeout(240_000);

let stack: Stack;
const policy = { initialInterval: '500ms', maxInterval: '2s', jitter: 0.2 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Ids of this run: a rerun against the same (remote) namespace must not meet the last run's jobs.
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  stack = await startStack({ name: 'e2e', workers: 2 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

describe('the production path on a multi-process Temporal cluster on PostgreSQL', () => {
  it('imagine → U1–U4 → zoom-out, each job one upstream task, found through PostgreSQL visibility', async () => {
    const grid = await stack.mj.imagine('a lighthouse at dusk --v 7', { policy, jobId: `cluster-grid-${run}` });
    const gridResult = await grid.result();
    expect(gridResult.task.status).toBe('SUCCESS');
    const ups = await Promise.all(['U1', 'U2', 'U3', 'U4'].map((u) => stack.mj.action(grid.jobId, u, { policy })));
    const upResults = await Promise.all(ups.map((u) => u.result()));
    expect(upResults.map((r) => [r.task.action, r.task.status])).toEqual(Array(4).fill(['UPSCALE', 'SUCCESS']));
    const zoom = await stack.mj.action(ups[0]!.jobId, 'zoom-out 2', { policy });
    const zoomResult: JobResult = await zoom.result();
    expect(zoomResult.task.status).toBe('SUCCESS');
    expect(new Set([gridResult, ...upResults, zoomResult].map((r) => r.taskId)).size).toBe(6);
    for (const r of [gridResult, ...upResults, zoomResult]) expect(r.submits).toBe(1);

    // MjAction / MjStatus search attributes, registered by deploy/register-search-attributes.sh, answer list().
    const rows = await until(async () => {
      const found = await stack.mj.list({ action: 'UPSCALE', status: 'SUCCESS', executionStatus: 'Completed' });
      const ids = new Set(found.map((r) => r.jobId));
      return ups.every((u) => ids.has(u.jobId)) ? found : undefined;
    }, 'the upscales in visibility');
    expect(rows.length).toBeGreaterThanOrEqual(4);
  });

  it('a Vary (Region) job waits for a person before pressing, and finishes once they answer later', async () => {
    const grid = await stack.mj.imagine('a red fox in snow --v 7', { policy });
    await grid.result();
    const up = await stack.mj.action(grid.jobId, 'U2', { policy });
    await up.result();
    const vary = await stack.mj.action(up.jobId, 'vary-region', { policy });
    const waiting = await until(
      // Jobs v2: nothing is pressed upstream until the input is there (the upstream MODAL would age meanwhile).
      async () => ((await stack.mj.progress(vary.jobId)).phase === 'waiting-input' ? true : undefined),
      'the job to wait for input'
    );
    expect(waiting).toBe(true);
    await sleep(3_000); // the person takes their time; the job waits on the server, not in a worker
    expect((await stack.mj.status(vary.jobId)).executionStatus).toBe('RUNNING');
    await stack.mj.provideModalInput(vary.jobId, { prompt: 'a fox wearing a scarf --v 7', mask: maskPng() });
    const r = await vary.result();
    expect(r.task.status).toBe('SUCCESS');
    // The button press and the modal form: two submits for one upstream task (the file's last test counts tasks).
    expect(r.submits).toBe(2);
  });

  it('a pipeline with a step a person answers later runs every branch to success', async () => {
    const p = await stack.mj.pipeline(
      {
        name: 'cluster-pipeline',
        mode: 'FAST',
        policy,
        steps: [
          { id: 'grid', imagine: { prompt: 'a paper boat --v 7' } },
          { id: 'ups', from: 'grid', action: ['U1', 'U2'] },
          { id: 'zoom', from: 'ups', branch: 'U1', action: 'zoom-out 2' },
          { id: 'region', from: 'ups', branch: 'U2', action: 'vary-region', input: 'ask' },
        ],
      },
      { jobId: `cluster-pipeline-${run}` }
    );
    await until(async () => {
      const s = await stack.mj.status(p.jobId);
      if (s.kind !== 'pipeline') return undefined;
      const region = s.progress.steps.find((x) => x.step === 'region')?.branches[0];
      return region?.status === 'waiting-input' ? true : undefined;
    }, 'the region step to wait for input');
    await stack.mj.provideStepInput(p.jobId, {
      step: 'region',
      branch: 'U2',
      prompt: 'a paper boat with a red sail --v 7',
      mask: maskPng(),
    });
    const result: PipelineResult = await p.result();
    expect(result.outcomes.map((o) => [o.step, o.status]).sort()).toEqual(
      [
        ['grid', 'succeeded'],
        ['region', 'succeeded'],
        ['ups', 'succeeded'],
        ['ups', 'succeeded'],
        ['zoom', 'succeeded'],
      ].sort()
    );
  });

  it('a Temporal Schedule starts a batch that runs every prompt', async () => {
    const input = parseBatchSpec('a cat\na dog --v 7\nan owl, ink drawing\n', {
      name: 'nightly',
      mode: 'FAST',
      concurrency: 2,
    });
    const scheduleId = `cluster-nightly-${run}`;
    const schedule = await stack.mj.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['0 2 * * *'], timezone: 'UTC' },
      action: {
        type: 'startWorkflow',
        workflowType: 'batchWorkflow',
        args: [{ ...input, policy }],
        taskQueue: stack.taskQueue,
        workflowId: `mj-batch-${scheduleId}`,
      },
    });
    try {
      await schedule.trigger();
      const batchId = await until(async () => {
        const d = await schedule.describe();
        const a = d.info.recentActions[0]?.action;
        return a?.type === 'startWorkflow' ? a.workflow.workflowId : undefined;
      }, 'the scheduled batch');
      expect(batchId.startsWith(`mj-batch-${scheduleId}`)).toBe(true);
      const report = await stack.mj.result<BatchReport>(batchId);
      expect(report.summary).toEqual({ total: 3, succeeded: 3, failed: 0, cancelled: 0 });
    } finally {
      await schedule.delete();
    }
  });

  it('across the file: one upstream submit per job step, and no upstream task without its workflow', async () => {
    await stack.sim.webhooksIdle();
    const stats = stack.sim.stats();
    const duplicated = Object.entries(stats.submitsByState).filter(([, n]) => n !== 1);
    expect(duplicated).toEqual([]);
    expect(Object.keys(stats.submitsByState).length).toBe(stats.tasks);
    const orphans: string[] = [];
    for (const t of stack.sim.tasks() as { id: string; state?: string | null }[]) {
      const owner = parseStateKey(t.state)?.workflowId;
      const exists = owner
        ? await stack.mj.client.workflow
            .getHandle(owner)
            .describe()
            .then(
              () => true,
              () => false
            )
        : false;
      if (!exists) orphans.push(`${t.id} (${t.state})`);
    }
    expect(orphans).toEqual([]);
    // 6 (grid, U1–U4, zoom) + 3 (grid, U2, vary) + 5 (pipeline) + 3 (batch)
    expect(stats.tasks).toBe(17);
  });
});
