/**
 * How long work may wait upstream, over real loopback HTTP on a ManualClock: MODAL children expire after
 * `modalTtl` (off by default on trueai, 30 days on plus), and the gateway flavour fails any task not at "100%" one
 * simulated hour after its submitTime, as new-api's poller does, while the upstream job carries on.
 */
import { classifyFailReason } from '../../src/mj';
import {
  agent,
  fetchTask,
  finishedImagine,
  imagine,
  post,
  simulators,
  type TaskJson,
} from '../helpers/simulator-support';
import type { ManualClock, Simulator } from '../../src/simulator';

const start = simulators();
afterAll(() => agent.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Completes a task and lets a gateway's 15 s poller copy it. */
async function finish(sim: Simulator, clock: ManualClock, id: string): Promise<TaskJson> {
  sim.completeNow(id);
  clock.advance(15_000);
  return fetchTask(sim, id);
}

/** Presses Vary (Region) on an upscale and returns the MODAL child's id. */
async function varyRegionChild(sim: Simulator, clock: ManualClock): Promise<string> {
  const grid = await finish(sim, clock, await imagine(sim, 'a cat'));
  const u1 = grid.buttons.find((b: { label: string }) => b.label === 'U1').customId;
  const up = await finish(
    sim,
    clock,
    (await post(sim, '/mj/submit/action', { taskId: grid.id, customId: u1 })).json.result
  );
  const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::')).customId;
  const res = await post(sim, '/mj/submit/action', { taskId: up.id, customId: region });
  expect(res.json.code).toBe(21);
  return String(res.json.result);
}

const MASK =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('modalTtl', () => {
  it('trueai keeps an unanswered MODAL child indefinitely by default', async () => {
    const { sim, clock } = await start();
    const child = await varyRegionChild(sim, clock);
    clock.advance(40 * DAY);
    expect((await fetchTask(sim, child)).status).toBe('MODAL');
    expect(sim.stats().modalsExpired).toBe(0);
  });

  it('with modalTtl an unanswered child turns FAILURE saying it expired, and the modal is refused after', async () => {
    const { sim, clock } = await start({ modalTtl: 10 * 60_000 });
    const child = await varyRegionChild(sim, clock);
    clock.advance(10 * 60_000 - 1);
    expect((await fetchTask(sim, child)).status).toBe('MODAL');
    clock.advance(1);
    const t = await fetchTask(sim, child);
    expect(t).toMatchObject({ status: 'FAILURE' });
    expect(t.failReason).toMatch(/expired/i);
    expect(sim.stats().modalsExpired).toBe(1);
    // Too late for the modal now: the child is no longer MODAL.
    const late = await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: MASK });
    expect(late.json.code).toBe(4);
  });

  it('a child answered in time runs to SUCCESS and never expires', async () => {
    const { sim, clock } = await start({ modalTtl: 10 * 60_000 });
    const child = await varyRegionChild(sim, clock);
    clock.advance(9 * 60_000);
    const res = await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: MASK });
    expect(res.json.code).toBe(1);
    clock.advance(DAY);
    expect((await fetchTask(sim, child)).status).toBe('SUCCESS');
    expect(sim.stats().modalsExpired).toBe(0);
  });

  it('plus expires MODAL children with its 30-day task store by default', async () => {
    const { sim, clock } = await start({ flavour: 'plus', remix: true });
    const grid = await finishedImagine(sim);
    const v1 = grid.buttons.find((b: { label: string }) => b.label === 'V1').customId;
    const res = await post(sim, '/mj/submit/action', { taskId: grid.id, customId: v1 });
    expect(res.json.code).toBe(21);
    clock.advance(30 * DAY - 1);
    expect((await fetchTask(sim, res.json.result)).status).toBe('MODAL');
    clock.advance(1);
    expect((await fetchTask(sim, res.json.result)).status).toBe('FAILURE');
  });

  it('rejects a negative modalTtl, naming the option', async () => {
    await expect(start({ modalTtl: -1 })).rejects.toThrow(/modalTtl/);
  });
});

describe('gateway one-hour timeout', () => {
  it('fails an unfinished task at one hour with new-api reason and progress 100%; the upstream job carries on', async () => {
    const { sim, clock } = await start({ flavour: 'gateway' });
    const id = await imagine(sim, 'a slow fox --sim-duration 7200');
    // new-api checks at its 15 s poll, for a task older than (not exactly) an hour.
    clock.advance(HOUR);
    expect((await fetchTask(sim, id)).status).toBe('IN_PROGRESS');
    clock.advance(15_000);
    const t = await fetchTask(sim, id);
    expect(t).toMatchObject({ status: 'FAILURE', progress: '100%', failReason: '上游任务超时（超过1小时）' });
    expect(t.buttons).toEqual([]);
    expect(classifyFailReason(t.failReason)).toBe('gateway-timeout');
    expect(sim.stats()).toMatchObject({ gatewayTimeouts: 1, tasksByStatus: { IN_PROGRESS: 1 } });

    // The upstream finishes (and bills) the job; the gateway's copy stays FAILURE.
    clock.advance(2 * HOUR);
    expect(sim.stats().tasksByStatus).toEqual({ SUCCESS: 1 });
    expect((await fetchTask(sim, id)).status).toBe('FAILURE');
  });

  it('a modal answered after the hour runs upstream while every fetch answers FAILURE; one action, one modal', async () => {
    const { sim, clock } = await start({ flavour: 'gateway' });
    const child = await varyRegionChild(sim, clock);
    clock.advance(HOUR + 15_000);
    expect(await fetchTask(sim, child)).toMatchObject({ status: 'FAILURE', progress: '100%' });
    const res = await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: MASK });
    expect(res.json.code).toBe(1);
    clock.advance(HOUR);
    const stats = sim.stats();
    expect(stats.tasksByStatus.SUCCESS).toBe(3); // grid, upscale and the paid-for inpaint
    expect(stats.acceptedByEndpoint).toMatchObject({ 'submit/action': 2, 'submit/modal': 1 });
    expect((await fetchTask(sim, child)).failReason).toBe('上游任务超时（超过1小时）');
  });

  it('finished tasks are left alone, and gatewayTaskTimeout: 0 turns the rule off', async () => {
    const { sim, clock } = await start({ flavour: 'gateway' });
    const done = await imagine(sim, 'a quick fox');
    clock.advance(2 * HOUR);
    expect((await fetchTask(sim, done)).status).toBe('SUCCESS');

    const off = await start({ flavour: 'gateway', gatewayTaskTimeout: 0 });
    const slow = await imagine(off.sim, 'a slow fox --sim-duration 7200');
    off.clock.advance(HOUR + 60_000);
    expect((await fetchTask(off.sim, slow)).status).toBe('IN_PROGRESS');
    expect(off.sim.stats().gatewayTimeouts).toBe(0);
  });

  it('records an upstream FAILURE with progress 100%, as new-api does', async () => {
    const { sim, clock } = await start({ flavour: 'gateway' });
    const id = await imagine(sim, 'cat --sim-fail invalid-parameter');
    clock.advance(15_000);
    expect(await fetchTask(sim, id)).toMatchObject({ status: 'FAILURE', progress: '100%' });
  });
});

describe('submit counters', () => {
  it('count requests and accepted submits per endpoint', async () => {
    const { sim } = await start();
    await imagine(sim, 'a cat');
    expect((await post(sim, '/mj/submit/imagine', { prompt: '' })).json.code).toBe(4);
    expect(sim.stats()).toMatchObject({
      submitsByEndpoint: { 'submit/imagine': 2 },
      acceptedByEndpoint: { 'submit/imagine': 1 },
    });
  });
});
