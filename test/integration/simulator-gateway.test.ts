/**
 * The gateway flavour as a new-api front (the eight behaviours of docs/simulator.md), over real loopback HTTP on a ManualClock: its own
 * table refreshed by a 15 s poller, stub rows, duplicate rows after a modal, frozen fields, the image relay and its
 * expiry, both error envelopes, code 5 on a bad upstream key, stripped prefix/accountFilter/notifyHook, echoed state.
 */
import type { ManualClock, Simulator, SimulatorOptions } from '../../src/simulator';
import {
  agent,
  decodePng,
  fetchTask,
  get,
  imagine,
  pngDataUrl,
  post,
  simulators,
  webhookReceiver,
  type TaskJson,
} from '../helpers/simulator-support';

const start = simulators();
afterAll(() => agent.close());

const POLL = 15_000;
const DAY = 24 * 3_600_000;

const gateway = (opts: SimulatorOptions = {}) => start({ flavour: 'gateway', ...opts });

/** Completes a task upstream and lets the poller copy it. */
async function finish(sim: Simulator, clock: ManualClock, id: string): Promise<TaskJson> {
  sim.completeNow(id);
  clock.advance(POLL);
  return fetchTask(sim, id);
}

async function press(sim: Simulator, parent: TaskJson, prefix: string) {
  const button = parent.buttons.find((b: { customId: string }) => b.customId.startsWith(prefix));
  return post(sim, '/mj/submit/action', { taskId: parent.id, customId: button.customId });
}

/** Imagine → U1 → Vary (Region) → modal, everything finished upstream; returns the child id. */
async function inpaintChild(sim: Simulator, clock: ManualClock) {
  const grid = await finish(sim, clock, await imagine(sim, 'a red fox'));
  const up = await finish(sim, clock, (await press(sim, grid, 'MJ::JOB::upsample::1::')).json.result);
  const action = await press(sim, up, 'MJ::Inpaint::');
  expect(action.json.code).toBe(21);
  const child = String(action.json.result);
  clock.advance(POLL);
  return { grid, up, child };
}

describe('1. a stub until the first poll, then a copy up to 15 s stale', () => {
  it('answers the stub even when the upstream already finished, and the truth at the next poll', async () => {
    const { sim, clock } = await gateway();
    const id = await imagine(sim, 'a cat');
    sim.completeNow(id);
    expect(await fetchTask(sim, id)).toMatchObject({
      status: '',
      progress: '0%',
      buttons: null,
      properties: null,
      startTime: 0,
      finishTime: 0,
      imageUrl: '',
      state: '',
    });
    clock.advance(POLL - 1);
    expect((await fetchTask(sim, id)).status).toBe('');
    clock.advance(1);
    expect(await fetchTask(sim, id)).toMatchObject({ status: 'SUCCESS', progress: '100%' });
    expect(sim.stats().gateway).toMatchObject({ polls: 1, polledIds: 1 });
    // The request log keeps what each fetch answered, so the benchmark can count stub and stale answers.
    const answered = sim
      .stats()
      .requests.filter((r) => r.path.endsWith('/fetch'))
      .map((r) => r.answered);
    expect(answered).toEqual(['', '', 'SUCCESS']);
    // Finished rows are never polled again.
    clock.advance(10 * POLL);
    expect(sim.stats().gateway?.polls).toBe(1);
  });

  it('refreshMs: 0 refreshes on every read: no stub', async () => {
    const { sim } = await gateway({ gateway: { refreshMs: 0 } });
    const id = await imagine(sim, 'a cat');
    expect((await fetchTask(sim, id)).status).toBe('SUBMITTED');
  });
});

describe('2. duplicate rows after a modal', () => {
  it('polls the id twice, lists it twice, and fetch serves the older row one cycle late', async () => {
    const { sim, clock } = await gateway();
    const { child } = await inpaintChild(sim, clock);
    expect((await fetchTask(sim, child)).status).toBe('MODAL');
    const modal = await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    expect(modal.json).toMatchObject({ code: 1, result: child });
    expect(sim.stats().gateway?.rows).toBe(4); // grid, U1, and the child twice (action and modal)
    clock.advance(POLL);
    expect(sim.stats().gateway?.lastPollIds).toEqual([child, child]);

    sim.completeNow(child);
    clock.advance(POLL);
    const listed = (await post(sim, '/mj/task/list-by-condition', { ids: [child] })).json as TaskJson[];
    expect(listed.map((t) => [t.id, t.status])).toEqual([
      [child, 'MODAL'],
      [child, 'SUCCESS'],
    ]);
    expect((await fetchTask(sim, child)).status).toBe('MODAL');
    clock.advance(POLL);
    expect((await fetchTask(sim, child)).status).toBe('SUCCESS');
  });

  it('duplicateRows: false keeps one row', async () => {
    const { sim, clock } = await gateway({ gateway: { duplicateRows: false } });
    const { child } = await inpaintChild(sim, clock);
    await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    await finish(sim, clock, child);
    expect((await post(sim, '/mj/task/list-by-condition', { ids: [child] })).json).toHaveLength(1);
  });
});

describe('3. fields frozen at submit', () => {
  it('keeps new-api action, submit description and the parent prompt; drops parentId, mode, botType, urls', async () => {
    const { sim, clock } = await gateway();
    const { up, child } = await inpaintChild(sim, clock);
    await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    await finish(sim, clock, child);
    const t = await finish(sim, clock, child);
    expect(t).toMatchObject({
      action: 'INPAINT',
      description: 'Waiting for window confirm',
      prompt: up.prompt,
      botType: '',
      status: 'SUCCESS',
    });
    for (const key of ['parentId', 'imageUrls', 'videoUrl', 'videoUrls', 'mode']) expect(t).not.toHaveProperty(key);
    expect(up).toMatchObject({ action: 'UPSCALE', description: '提交成功' });
  });

  it('frozenFields: false shows the upstream action and prompt', async () => {
    const { sim, clock } = await gateway({ gateway: { frozenFields: false } });
    const { child } = await inpaintChild(sim, clock);
    await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    const t = await finish(sim, clock, child);
    expect(t).toMatchObject({ action: 'VARIATION', prompt: 'a hat' });
  });
});

describe('4. image URLs relayed, then dead', () => {
  it('serves the relay until the stored upstream link expires, then 404 while fetch still says SUCCESS', async () => {
    const { sim, clock } = await gateway();
    const t = await finish(sim, clock, await imagine(sim, 'a cat'));
    expect(t.imageUrl).toBe(`${sim.url}/mj/image/${t.id}`);
    const ok = await get(sim, `/mj/image/${t.id}`);
    expect(ok.status).toBe(200);
    expect(decodePng(ok.bytes).width).toBe(512);

    clock.advance(DAY);
    const gone = await get(sim, `/mj/image/${t.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: 'This content is no longer available.' });
    expect(await fetchTask(sim, t.id)).toMatchObject({ status: 'SUCCESS', imageUrl: t.imageUrl });
  });

  it('serverAddress: new-api default localhost:3000; imageRelay: false passes the upstream link', async () => {
    const a = await gateway({ gateway: { serverAddress: 'http://localhost:3000' } });
    const t = await finish(a.sim, a.clock, await imagine(a.sim, 'a cat'));
    expect(t.imageUrl).toBe(`http://localhost:3000/mj/image/${t.id}`);
    const b = await gateway({ gateway: { imageRelay: false } });
    const u = await finish(b.sim, b.clock, await imagine(b.sim, 'a cat'));
    expect(u.imageUrl).toContain(`/__sim/images/${u.id}/grid_`);
  });

  it('a running task relays its preview with a cache-busting rand parameter', async () => {
    const { sim, clock } = await gateway();
    const id = await imagine(sim, 'a cat');
    clock.advance(5_000 + POLL);
    const t = await fetchTask(sim, id);
    expect(t.status).toBe('IN_PROGRESS');
    expect(t.imageUrl).toMatch(new RegExp(`/mj/image/${id}\\?rand=\\d+$`));
  });
});

describe('5. middleware refusals in the OpenAI envelope', () => {
  it('invalid token 401, unknown action and missing customId 400, no channel 503', async () => {
    const { sim, clock } = await gateway({ apiKey: 'sk-good' });
    const auth = { authorization: 'Bearer sk-good' };
    const denied = await post(sim, '/mj/submit/imagine', { prompt: 'x' }, { authorization: 'Bearer sk-bad' });
    expect([denied.status, denied.json.error.message, denied.json.error.type]).toEqual([
      401,
      '无效的令牌',
      'new_api_error',
    ]);

    const animate = await post(
      sim,
      '/mj/submit/action',
      { taskId: '1', customId: 'MJ::JOB::animate_high::1::abc::SOLO' },
      auth
    );
    expect(animate.status).toBe(400);
    expect(animate.json).toEqual({
      error: { message: '无效的请求, unknown_action:MJ::JOB::animate_high::1::abc::SOLO', type: 'new_api_error' },
    });
    const bookmark = await post(sim, '/mj/submit/action', { taskId: '1', customId: 'MJ::BOOKMARK::abc' }, auth);
    expect(bookmark.json.error.message).toContain('unknown_action:MJ::BOOKMARK::abc');
    const noId = await post(sim, '/mj/submit/action', { taskId: '1' }, auth);
    expect([noId.status, noId.json.error.message]).toEqual([400, '无效的请求, custom_id_is_required']);

    sim.faults.add({ kind: 'gateway-no-channel', endpoint: 'submit/imagine' });
    const none = await post(sim, '/mj/submit/imagine', { prompt: 'x' }, auth);
    expect(none.status).toBe(503);
    expect(none.json.error).toEqual({
      message: '当前分组 default 下对于模型 mj_imagine 无可用渠道',
      type: 'new_api_error',
    });
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'x' }, auth)).json.code).toBe(1);
    clock.advance(POLL);
  });

  it('an action on a parent whose row has not caught up is refused as task_status_not_success', async () => {
    const { sim, clock } = await gateway();
    const id = await imagine(sim, 'a cat');
    clock.advance(POLL);
    const grid = await finish(sim, clock, id);
    const up = String((await press(sim, grid, 'MJ::JOB::upsample::1::')).json.result);
    sim.completeNow(up);
    // The upstream says SUCCESS; the gateway's row is still SUBMITTED.
    const early = await post(sim, '/mj/submit/action', { taskId: up, customId: grid.buttons[0].customId });
    expect(early.json).toEqual({ description: 'task_status_not_success ', type: 'upstream_error', code: 4 });
  });
});

describe('6. a wrong upstream key is code 5', () => {
  it('answers unmarshal_response_body_failed and creates nothing; the poller fails quietly', async () => {
    const { sim, clock } = await gateway({ gateway: { upstreamKeyValid: false } });
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'a cat' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: 5, description: 'unmarshal_response_body_failed ', type: 'upstream_error' });
    expect(sim.stats().tasks).toBe(0);
    clock.advance(POLL);
  });

  it('as a fault it heals after `times`', async () => {
    const { sim } = await gateway();
    sim.faults.add({ kind: 'gateway-bad-upstream-key', times: 2 });
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'a' })).json.code).toBe(5);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'a' })).json.code).toBe(5);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'a' })).json.code).toBe(1);
    expect(sim.stats().faultsInjected).toMatchObject({ 'gateway-bad-upstream-key': 2 });
  });
});

describe('7. speed prefix dropped, accountFilter and notifyHook stripped', () => {
  it('runs /mj-relax and accountFilter RELAX in the channel mode (FAST) and sends no webhook', async () => {
    const hook = await webhookReceiver();
    try {
      const { sim, clock } = await gateway();
      const a = await imagine(sim, 'a cat', { notifyHook: hook.url }, '/mj-relax/mj/submit/imagine');
      const b = await imagine(sim, 'a dog', { accountFilter: { modes: ['RELAX'] } });
      clock.advance(60_000);
      expect((await fetchTask(sim, a)).status).toBe('SUCCESS');
      expect((await fetchTask(sim, b)).status).toBe('SUCCESS');
      await sim.webhooksIdle();
      expect(hook.bodies).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('keepSpeedPrefix and forwardNotifyHook model gateways that pass them (webhooks come from the upstream)', async () => {
    const hook = await webhookReceiver();
    try {
      const { sim, clock } = await gateway({ gateway: { keepSpeedPrefix: true, forwardNotifyHook: true } });
      const a = await imagine(sim, 'a cat', { notifyHook: hook.url }, '/mj-relax/mj/submit/imagine');
      clock.advance(60_000);
      expect((await fetchTask(sim, a)).status).toBe('SUBMITTED');
      await sim.webhooksIdle();
      expect(hook.bodies.map((b) => [b.id, b.status])).toEqual([[a, 'SUBMITTED']]);
      expect(hook.bodies[0]).toHaveProperty('buttons', []);
    } finally {
      await hook.close();
    }
  });
});

describe('8. state forwarded and echoed after the first poll', () => {
  it('shows "" in the stub and the submitted state afterwards; echoState: false keeps ""', async () => {
    const { sim, clock } = await gateway();
    const id = await imagine(sim, 'a cat', { state: 'mjt1|job-1|0' });
    expect((await fetchTask(sim, id)).state).toBe('');
    clock.advance(POLL);
    expect((await fetchTask(sim, id)).state).toBe('mjt1|job-1|0');
    expect(sim.stats().submitsByState).toEqual({ 'mjt1|job-1|0': 1 });

    const off = await gateway({ gateway: { echoState: false } });
    const other = await imagine(off.sim, 'a cat', { state: 's' });
    off.clock.advance(POLL);
    expect((await fetchTask(off.sim, other)).state).toBe('');
  });
});
