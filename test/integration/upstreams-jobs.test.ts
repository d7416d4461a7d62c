/**
 * Jobs over several upstreams end to end: a real dev server, three simulators on loopback with different
 * prices, modes and faults, the real upstream pool workflow and the real activities. Routing rule and mode
 * preference; failover with one upstream answering 23, one answering auth errors and one killed mid-run and brought
 * back; a follow-up pinned to a down owner that waits (and says why) and completes on that owner once it is back;
 * exactly-once submits (each job step created one task on one simulator, and the simulators accepted exactly as many
 * tasks as jobs ran).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { resolveParentJob } from '../../src/client/parent';
import type { SimulatorOptions } from '../../src/simulator';
import { makeStateKey } from '../../src/shared/state-key';
import type { JobInput, JobProgress, JobResult } from '../../src/shared/types';
import type { UpstreamView } from '../../src/shared/upstreams/types';
import { getProgressQuery } from '../../src/workflows/job/messages';
import { eventually } from '../helpers/eventually';
import { uniqueId } from '../helpers/job-env';
import { startUpstreamLane, type UpstreamLane } from '../helpers/upstream-lane';

jest.setTimeout(240_000);

const SIM: SimulatorOptions = {
  durations: { FAST: { queueMs: 300, runMs: 2_000 }, RELAX: { queueMs: 500, runMs: 2_000 } },
  seed: 13,
};
const POLICY = { initialInterval: '500ms', maxInterval: '1s' } as const;

const view = (id: string, extra: Partial<UpstreamView> = {}): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority: 0,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 3 } },
  prices: { currency: 'USD', default: { FAST: 0.1 } },
  ...extra,
});

async function startJob(lane: UpstreamLane, input: Partial<JobInput>, prefix = 'mj-job-up'): Promise<WorkflowHandle> {
  const full: JobInput = {
    request: { kind: 'imagine', prompt: 'a fox' },
    policy: POLICY,
    captureImages: false,
    ...input,
  };
  return lane.env.client.workflow.start('mjJobWorkflow', {
    taskQueue: lane.taskQueue,
    workflowId: uniqueId(prefix),
    args: [full],
  });
}

const progressOf = (h: WorkflowHandle): Promise<JobProgress> => h.query(getProgressQuery);

/** Every job step created exactly one task, on one simulator, and nothing else was created. */
function expectExactlyOnce(lane: UpstreamLane, stateKeys: string[]): void {
  const byState = lane.submitsByState();
  for (const key of stateKeys) expect([key, byState.get(key)]).toEqual([key, 1]);
  const total = [...lane.sims.keys()].reduce((sum, id) => sum + lane.accepted(id), 0);
  expect(total).toBe(stateKeys.length);
}

describe('several upstreams: routing rule and mode preference', () => {
  let lane: UpstreamLane;
  beforeAll(async () => {
    lane = await startUpstreamLane(
      'up-routing',
      [
        {
          view: view('a', {
            modes: { FAST: { concurrency: 3 }, RELAX: { concurrency: 3 } },
            prices: { currency: 'USD', default: { FAST: 0.1, RELAX: 0.02 } },
          }),
          sim: SIM,
        },
        { view: view('b', { prices: { currency: 'USD', default: { FAST: 0.05 } } }), sim: SIM },
        { view: view('c', { prices: { currency: 'USD', default: { FAST: 0.08 } } }), sim: SIM },
      ],
      { rule: 'cheapest', modePreference: ['FAST', 'RELAX'] }
    );
  }, 120_000);
  afterAll(() => lane?.close());

  it('routes to the cheapest upstream of the first mode that is offered, pins the follow-up to its owner', async () => {
    const fast = await startJob(lane, { modes: ['FAST'] });
    const relaxFirst = await startJob(lane, { modes: ['RELAX', 'FAST'] });
    const [r1, r2] = (await Promise.all([fast.result(), relaxFirst.result()])) as JobResult[];
    expect(r1.owner).toMatchObject({ upstreamId: 'b', mode: 'FAST', taskId: r1.taskId });
    // RELAX first: only "a" offers it, so the job runs there and in RELAX (its memo and keyword say so).
    expect(r2.owner).toMatchObject({ upstreamId: 'a', mode: 'RELAX' });
    const described = await relaxFirst.describe();
    expect(described.memo?.mjTask).toMatchObject({ mode: 'RELAX', owner: { upstreamId: 'a', mode: 'RELAX' } });

    // The client's parent resolution reads the owner, so the press goes where the grid lives.
    const parent = await resolveParentJob(lane.env.client, fast.workflowId, { kind: 'upscale', index: 2 });
    expect(parent).toMatchObject({ taskId: r1.taskId, upstreamId: 'b' });
    const up = await startJob(lane, {
      request: { kind: 'action', parentTaskId: parent.taskId, intent: { kind: 'upscale', index: 2 }, upstreamId: 'b' },
    });
    const r3 = (await up.result()) as JobResult;
    expect(r3.owner).toMatchObject({ upstreamId: 'b' });
    expect(lane.accepted('c')).toBe(0);
    expectExactlyOnce(
      lane,
      [fast, relaxFirst, up].map((h) => makeStateKey(h.workflowId, 0))
    );
  });
});

describe('several upstreams: failover before acceptance', () => {
  let lane: UpstreamLane;
  beforeAll(async () => {
    lane = await startUpstreamLane(
      'up-failover',
      [
        { view: view('full', { prices: { currency: 'USD', default: { FAST: 0.01 } } }), sim: SIM },
        {
          view: view('locked', { prices: { currency: 'USD', default: { FAST: 0.02 } } }),
          sim: { ...SIM, apiKey: 'right-key' },
          clientApiKey: 'wrong-key',
        },
        { view: view('ok', { prices: { currency: 'USD', default: { FAST: 0.5 } } }), sim: SIM },
      ],
      // Cheapest first: every job tries the refusing upstreams before the one that works.
      { rule: 'cheapest', modePreference: ['FAST'] }
    );
    lane.sims.get('full')!.faults.add({ kind: 'queue-full', times: Infinity });
  }, 120_000);
  afterAll(() => lane?.close());

  it('moves refused submits elsewhere, rides out a killed upstream, and creates every task exactly once', async () => {
    const first = await Promise.all(
      [1, 2, 3].map((n) => startJob(lane, { request: { kind: 'imagine', prompt: `fox ${n}` } }))
    );
    await eventually(
      async () => {
        for (const h of first) expect((await progressOf(h)).owner?.upstreamId).toBe('ok');
        return true;
      },
      'the first jobs accepted on "ok"',
      60_000
    );

    // The only upstream that accepts goes down while its tasks run; new jobs find nothing and wait.
    await lane.kill('ok');
    const later = await Promise.all(
      [4, 5].map((n) => startJob(lane, { request: { kind: 'imagine', prompt: `fox ${n}` } }))
    );
    await eventually(
      async () => {
        const p = await progressOf(later[0]!);
        expect(p.phase).toBe('submitting');
        expect(p.waitingFor).toMatchObject({ kind: 'upstream' });
        return true;
      },
      'a new job waiting for an upstream',
      90_000
    );
    await lane.revive('ok');

    const results = (await Promise.all([...first, ...later].map((h) => h.result()))) as JobResult[];
    for (const r of results) expect(r.owner?.upstreamId).toBe('ok');
    // Every job met at least the queue-full upstream first (cheapest) or found it cooling down.
    expect(results.reduce((n, r) => n + (r.failovers ?? 0), 0)).toBeGreaterThanOrEqual(2);
    const health = await lane.router.health();
    expect(JSON.stringify(health)).toMatch(/auth/);
    expect(lane.accepted('full')).toBe(0);
    expect(lane.accepted('locked')).toBe(0);
    expectExactlyOnce(
      lane,
      [...first, ...later].map((h) => makeStateKey(h.workflowId, 0))
    );
  });
});

describe('several upstreams: follow-ups pinned to their owner', () => {
  let lane: UpstreamLane;
  beforeAll(async () => {
    lane = await startUpstreamLane(
      'up-pinned',
      [
        { view: view('x', { prices: { currency: 'USD', default: { FAST: 0.01 } } }), sim: SIM },
        { view: view('y', { prices: { currency: 'USD', default: { FAST: 0.02 } } }), sim: SIM },
      ],
      { rule: 'cheapest', modePreference: ['FAST'] }
    );
  }, 120_000);
  afterAll(() => lane?.close());

  it('waits for a down owner (reporting why), never moves, and completes there once it is back', async () => {
    const grid = await startJob(lane, {});
    const g = (await grid.result()) as JobResult;
    expect(g.owner?.upstreamId).toBe('x');
    await lane.kill('x');

    const parent = await resolveParentJob(lane.env.client, grid.workflowId, { kind: 'upscale', index: 1 });
    expect(parent.upstreamId).toBe('x');
    const up = await startJob(lane, {
      request: { kind: 'action', parentTaskId: parent.taskId, intent: { kind: 'upscale', index: 1 }, upstreamId: 'x' },
    });
    await eventually(
      async () => {
        expect((await progressOf(up)).waitingFor).toMatchObject({ kind: 'upstream', upstreamId: 'x' });
        return true;
      },
      'the upscale waiting for its owner x',
      60_000
    );
    const described = await up.describe();
    expect(described.memo?.mjTask).toMatchObject({ waitingFor: { kind: 'upstream', upstreamId: 'x' } });

    await lane.revive('x');
    const r = (await up.result()) as JobResult;
    expect(r.owner).toMatchObject({ upstreamId: 'x', taskId: r.taskId });
    // Nothing went to "y": not the upscale, not a retry of it.
    expect(lane.accepted('y')).toBe(0);
    expect(lane.sims.get('y')!.stats().submitsByEndpoint).toEqual({});
    expectExactlyOnce(lane, [makeStateKey(grid.workflowId, 0), makeStateKey(up.workflowId, 0)]);
  });
});
