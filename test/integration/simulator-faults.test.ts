/**
 * The simulator's test-facing side over real loopback HTTP: fault injection, webhooks, images and expiry, auth
 * per flavour, stats and the `/__sim` control API.
 */
import {
  agent,
  decodePng,
  fetchTask,
  finishedImagine,
  get,
  http,
  imagine,
  pixel,
  post,
  simulators,
  webhookReceiver,
  type Receiver,
} from '../helpers/simulator-support';

const start = simulators();
afterAll(() => agent.close());

const FULL_RUN = [
  'SUBMITTED 0%',
  ...['0%', '15%', '31%', '46%', '62%', '78%', '93%'].map((p) => `IN_PROGRESS ${p}`),
  'SUCCESS 100%',
];
const DAY = 24 * 3_600_000;

describe('faults', () => {
  it('5xx refuses before anything is created, once, and is counted and logged', async () => {
    const { sim } = await start();
    sim.faults.add({ endpoint: 'submit/imagine', kind: '5xx', status: 503 });
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'cat', state: 'k1' });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ success: false, message: '操作失败' });
    expect(sim.stats().tasks).toBe(0);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'cat', state: 'k1' })).json.code).toBe(1);
    const stats = sim.stats();
    expect(stats.faultsInjected).toEqual({ '5xx': 1 });
    expect(stats.submitsByState).toEqual({ k1: 1 });
    expect(stats.submitsByEndpoint).toEqual({ 'submit/imagine': 2 });
    expect(stats.requests.map((r) => [r.status, r.fault])).toEqual([
      [503, '5xx'],
      [200, undefined],
    ]);
  });

  it('429 carries Retry-After; on the gateway it is code 30', async () => {
    const t = (await start()).sim;
    t.faults.add({ kind: '429', retryAfterSeconds: 7, endpoint: 'task/*' });
    const res = await get(t, '/mj/task/1/fetch');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    const g = (await start({ flavour: 'gateway' })).sim;
    g.faults.add({ kind: '429' });
    const gr = await post(g, '/mj/submit/imagine', { prompt: 'x' });
    expect(gr.status).toBe(429);
    expect(gr.json).toMatchObject({ code: 30, type: 'upstream_error' });
  });

  it('slow outlasts a client timeout; the submit still happened', async () => {
    const { sim } = await start();
    sim.faults.add({ endpoint: 'submit/imagine', kind: 'slow', delayMs: 250 });
    const started = Date.now();
    await expect(
      http(sim, 'POST', '/mj/submit/imagine', { prompt: 'cat', state: 'slow-1' }, {}, { timeoutMs: 50 })
    ).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(240);
    expect(sim.stats().submitsByState).toEqual({ 'slow-1': 1 });
    // Without the fault the same call answers at once.
    expect((await http(sim, 'POST', '/mj/submit/imagine', { prompt: 'cat' }, {}, { timeoutMs: 1_000 })).json.code).toBe(
      1
    );
  });

  it('drop-response stores the task but never answers, so a blind retry submits twice', async () => {
    const { sim } = await start();
    sim.faults.add({ endpoint: 'submit/imagine', kind: 'drop-response', match: { state: 'wf|1' } });
    await expect(post(sim, '/mj/submit/imagine', { prompt: 'cat', state: 'wf|1' })).rejects.toThrow();
    expect(sim.stats().submitsByState).toEqual({ 'wf|1': 1 });
    const [stored] = sim.tasks() as { state: string }[];
    expect(stored.state).toBe('wf|1');
    await post(sim, '/mj/submit/imagine', { prompt: 'cat', state: 'wf|1' });
    expect(sim.stats().submitsByState).toEqual({ 'wf|1': 2 });
    expect(sim.stats().requests[0]).toMatchObject({ status: 0, fault: 'drop-response' });
  });

  it('code3-after-success: an action on a fresh SUCCESS parent gets code 3 (T: HTTP 404) once', async () => {
    const { sim } = await start();
    const grid = await finishedImagine(sim);
    sim.faults.add({ kind: 'code3-after-success', match: { taskId: grid.id } });
    const body = { taskId: grid.id, customId: grid.buttons[0].customId };
    const first = await post(sim, '/mj/submit/action', body);
    expect(first.status).toBe(404);
    expect(first.json).toMatchObject({ code: 3, description: '关联任务不存在或已失效' });
    expect((await post(sim, '/mj/submit/action', body)).json.code).toBe(1);
  });

  it('code3-no-instance and queue-full refuse the submit (N: 23)', async () => {
    const n = (await start({ flavour: 'novicezk' })).sim;
    n.faults.add({ kind: 'code3-no-instance' });
    n.faults.add({ kind: 'queue-full' });
    expect((await post(n, '/mj/submit/imagine', { prompt: 'a' })).json).toMatchObject({
      code: 3,
      description: '无可用的账号实例',
    });
    expect((await post(n, '/mj/submit/imagine', { prompt: 'a' })).json).toMatchObject({ code: 23 });
    expect((await post(n, '/mj/submit/imagine', { prompt: 'a' })).json.code).toBe(1);
    expect(n.stats().tasks).toBe(1);
  });

  it('upstream-timeout and content-policy change the fate of an accepted task', async () => {
    const { sim, clock } = await start();
    sim.faults.add({ kind: 'upstream-timeout', match: { state: 'a' } });
    sim.faults.add({ kind: 'content-policy', match: { state: 'b' } });
    const a = await imagine(sim, 'cat', { state: 'a' });
    const b = await imagine(sim, 'cat', { state: 'b' });
    const c = await imagine(sim, 'cat', { state: 'c' });
    clock.advance(60_000);
    expect(await fetchTask(sim, a)).toMatchObject({ status: 'FAILURE', failReason: '执行超时 5 分钟' });
    expect(await fetchTask(sim, b)).toMatchObject({ status: 'FAILURE', failReason: '可能包含敏感词' });
    expect((await fetchTask(sim, c)).status).toBe('SUCCESS');
    const n = (await start({ flavour: 'novicezk' })).sim;
    n.faults.add({ kind: 'content-policy' });
    expect((await post(n, '/mj/submit/imagine', { prompt: 'cat' })).json.code).toBe(24);
  });

  it('probability is sampled from the seed: same seed, same pattern', async () => {
    const pattern = async (seed: number) => {
      const { sim } = await start({ seed });
      sim.faults.add({ endpoint: 'task/fetch', kind: '5xx', probability: 0.5, times: Infinity });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await get(sim, '/mj/task/1/fetch')).status);
      return out.join(',');
    };
    const a = await pattern(3);
    expect(await pattern(3)).toBe(a);
    expect(a).toContain('500');
    expect(a).toContain('204');
  });

  it('is scriptable over HTTP: POST /__sim/faults validates, GET lists, DELETE clears', async () => {
    const { sim } = await start();
    const bad = await post(sim, '/__sim/faults', { kind: 'meteor' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/kind/);
    const ok = await post(sim, '/__sim/faults', [
      { kind: '5xx', times: 'Infinity' },
      { kind: 'slow', delayMs: 1 },
    ]);
    expect(ok.json.ids).toHaveLength(2);
    expect((await get(sim, '/__sim/faults')).json).toHaveLength(2);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'x' })).status).toBe(500);
    expect((await http(sim, 'DELETE', '/__sim/faults')).status).toBe(200);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'x' })).status).toBe(200);
  });
});

describe('webhooks', () => {
  let hook: Receiver;
  beforeEach(async () => {
    hook = await webhookReceiver();
  });
  afterEach(() => hook.close());
  const seen = () => hook.bodies.map((b) => `${b.status} ${b.progress}`);

  it('POSTs the full task JSON once per change: SUBMITTED, each progress step, SUCCESS', async () => {
    const { sim, clock } = await start();
    const id = await imagine(sim, 'cat', { notifyHook: hook.url, state: 'w1' });
    for (let i = 0; i < 20; i++) clock.advance(5_000);
    await sim.webhooksIdle();
    expect(seen()).toEqual(FULL_RUN);
    const last = hook.bodies[hook.bodies.length - 1];
    expect(last).toEqual(await fetchTask(sim, id));
    expect(sim.stats()).toMatchObject({ webhooksSent: 9, webhooksFailed: 0, webhooksDropped: 0 });
  });

  it('uses the global notifyHook when the submit has none', async () => {
    const { sim } = await start({ notifyHook: hook.url });
    sim.completeNow(await imagine(sim, 'cat'));
    await sim.webhooksIdle();
    expect(seen()).toEqual(['SUBMITTED 0%', 'SUCCESS 100%']);
  });

  it('webhook-lose drops deliveries and counts them', async () => {
    const { sim, clock } = await start();
    sim.faults.add({ kind: 'webhook-lose', match: { state: 'lost' }, times: Infinity });
    await imagine(sim, 'cat', { notifyHook: hook.url, state: 'lost' });
    await imagine(sim, 'dog', { notifyHook: hook.url, state: 'kept' });
    clock.advance(60_000);
    await sim.webhooksIdle();
    expect(hook.bodies.every((b) => b.state === 'kept')).toBe(true);
    expect(hook.bodies).toHaveLength(9);
    expect(sim.stats().webhooksDropped).toBe(9);
  });

  it('webhook-duplicate sends the same snapshot twice', async () => {
    const { sim } = await start();
    sim.faults.add({ kind: 'webhook-duplicate' });
    sim.completeNow(await imagine(sim, 'cat', { notifyHook: hook.url }));
    await sim.webhooksIdle();
    expect(seen()).toEqual(['SUBMITTED 0%', 'SUBMITTED 0%', 'SUCCESS 100%']);
    expect(hook.bodies[0]).toEqual(hook.bodies[1]);
  });

  it('webhook-reorder delivers an older snapshot after a newer one', async () => {
    const { sim } = await start();
    sim.faults.add({ kind: 'webhook-reorder' });
    sim.completeNow(await imagine(sim, 'cat', { notifyHook: hook.url }));
    await sim.webhooksIdle();
    expect(seen()).toEqual(['SUBMITTED 0%', 'SUCCESS 100%', 'SUBMITTED 0%']);
  });

  it('a failing receiver is counted, never retried, and never breaks the simulator', async () => {
    const down = await webhookReceiver(500);
    const { sim } = await start({ webhookTimeoutMs: 200 });
    const id = await imagine(sim, 'cat', { notifyHook: down.url });
    sim.completeNow(id);
    const dead = await imagine(sim, 'dog', { notifyHook: 'http://127.0.0.1:9/nothing-listens' });
    sim.completeNow(dead);
    await sim.webhooksIdle();
    expect(down.bodies).toHaveLength(2);
    expect(sim.stats()).toMatchObject({ webhooksSent: 4, webhooksFailed: 4 });
    expect((await fetchTask(sim, dead)).status).toBe('SUCCESS');
    await down.close();
  });
});

describe('images', () => {
  it('the grid PNG has four different quadrants; T imageUrls serve each cell', async () => {
    const { sim } = await start();
    const t = await finishedImagine(sim);
    const res = await http(t.imageUrl, 'GET', '');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const png = decodePng(res.bytes);
    expect([png.width, png.height]).toEqual([512, 512]);
    const quadrants = [pixel(png, 128, 128), pixel(png, 384, 128), pixel(png, 128, 384), pixel(png, 384, 384)];
    expect(new Set(quadrants).size).toBe(4);
    const cell = decodePng((await http(t.imageUrls[3].url, 'GET', '')).bytes);
    expect(cell.width).toBe(256);
    expect(pixel(cell, 128, 128)).toBe(quadrants[3]);
  });

  it('a progress preview is a smaller image', async () => {
    const { sim, clock } = await start();
    const id = await imagine(sim, 'cat');
    clock.advance(20_000);
    const t = await fetchTask(sim, id);
    expect(t.status).toBe('IN_PROGRESS');
    expect(decodePng((await http(t.imageUrl, 'GET', '')).bytes).width).toBe(128);
  });

  it('links carry ex ≈ finish + 24 h, answer 404 after it, and a fresh fetch re-issues them', async () => {
    const { sim, clock } = await start();
    const t = await finishedImagine(sim);
    const ex = (url: string) => parseInt(new URL(url).searchParams.get('ex')!, 16);
    expect(ex(t.imageUrl) - Math.floor(t.finishTime / 1000)).toBe(86_400);
    clock.advance(DAY - 1_000);
    expect((await http(t.imageUrl, 'GET', '')).status).toBe(200);
    clock.advance(1_000);
    const expired = await http(t.imageUrl, 'GET', '');
    expect(expired.status).toBe(404);
    expect(expired.text).toBe('This content is no longer available.');
    const again = await fetchTask(sim, t.id);
    expect(ex(again.imageUrl)).toBe(Math.floor(clock.now() / 1000) + 86_400);
    expect((await http(again.imageUrl, 'GET', '')).status).toBe(200);
    // cdn.midjourney.com-style cells never expire.
    expect((await http(t.imageUrls[0].url, 'GET', '')).status).toBe(200);
  });

  it('a tampered link is refused', async () => {
    const { sim } = await start();
    const t = await finishedImagine(sim);
    const forged = t.imageUrl.replace(/ex=[0-9a-f]+/, 'ex=ffffffff');
    expect((await http(forged, 'GET', '')).status).toBe(404);
  });

  it('gateway /mj/image/{id} proxies the picture without auth', async () => {
    const { sim, clock } = await start({ flavour: 'gateway', apiKey: 'sk-abc' });
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'cat' })).status).toBe(401);
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'cat' }, { authorization: 'Bearer sk-abc' });
    sim.completeNow(res.json.result);
    clock.advance(15_000); // the gateway's poller copies the finished task
    const img = await get(sim, `/mj/image/${res.json.result}`);
    expect(img.status).toBe(200);
    expect(decodePng(img.bytes).width).toBe(512);
  });
});

describe('auth per flavour', () => {
  it('novicezk and plus: mj-api-secret, else 401 with an empty body', async () => {
    for (const flavour of ['novicezk', 'plus'] as const) {
      const { sim } = await start({ flavour, apiKey: 'K' });
      const denied = await get(sim, '/mj/task/list');
      expect([denied.status, denied.text]).toEqual([401, '']);
      expect((await get(sim, '/mj/task/list', { 'mj-api-secret': 'K' })).status).toBe(200);
      expect((await get(sim, '/mj/task/list', { authorization: 'K' })).status).toBe(401);
    }
  });

  it('trueai: the raw Authorization value or Mj-Api-Secret; "Bearer K" is refused', async () => {
    const { sim } = await start({ apiKey: 'K' });
    expect((await get(sim, '/mj/task/list', { authorization: 'K' })).status).toBe(200);
    expect((await get(sim, '/mj/task/list', { 'mj-api-secret': 'K' })).status).toBe(200);
    const bearer = await get(sim, '/mj/task/list', { authorization: 'Bearer K' });
    expect([bearer.status, bearer.text]).toEqual([401, 'Authorization header missing.']);
  });

  it('gateway: Bearer or bare key, a channel suffix, or mj-api-secret behind "midjourney-proxy"', async () => {
    const { sim } = await start({ flavour: 'gateway', apiKey: 'sk-abc' });
    const ok = (h: Record<string, string>) => post(sim, '/mj/task/list-by-condition', { ids: [] }, h);
    expect((await ok({ authorization: 'Bearer sk-abc' })).status).toBe(200);
    expect((await ok({ authorization: 'sk-abc' })).status).toBe(200);
    expect((await ok({ authorization: 'Bearer sk-abc-2' })).status).toBe(200);
    expect((await ok({ authorization: 'midjourney-proxy', 'mj-api-secret': 'sk-abc' })).status).toBe(200);
    const denied = await ok({ authorization: 'Bearer sk-wrong' });
    expect(denied.status).toBe(401);
    expect(denied.json.error).toMatchObject({ type: 'new_api_error' });
  });

  it('control endpoints and images need no key, and the key never reaches the request log', async () => {
    const { sim } = await start({ apiKey: 'super-secret' });
    expect((await get(sim, '/__sim/stats')).status).toBe(200);
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'cat' }, { authorization: 'super-secret' });
    sim.completeNow(res.json.result);
    expect((await get(sim, `/mj/task/${res.json.result}/fetch`)).status).toBe(401);
    const img = (sim.task(res.json.result) as { imageUrl: string }).imageUrl;
    expect((await http(img, 'GET', '')).status).toBe(200);
    expect(JSON.stringify(sim.stats())).not.toContain('super-secret');
  });
});

describe('observability and control', () => {
  it('submitsByState counts created tasks per state; reset forgets tasks, counters and faults', async () => {
    const { sim } = await start();
    await imagine(sim, 'a', { state: 'x' });
    await imagine(sim, 'b', { state: 'x' });
    await imagine(sim, 'c');
    sim.faults.add({ kind: '5xx', times: Infinity });
    expect(sim.stats()).toMatchObject({ submitsByState: { x: 2, '': 1 }, tasks: 3, tasksByStatus: { SUBMITTED: 3 } });
    expect((await post(sim, '/__sim/reset', {})).status).toBe(200);
    expect(sim.stats()).toMatchObject({
      submitsByState: {},
      submitsByEndpoint: {},
      tasks: 0,
      requests: [],
      faultsInjected: {},
    });
    expect(sim.faults.list()).toEqual([]);
    expect((await post(sim, '/mj/submit/imagine', { prompt: 'after reset' })).json.code).toBe(1);
  });

  it('the request log abbreviates data URLs', async () => {
    const { sim } = await start();
    const big = `data:image/png;base64,${'A'.repeat(4_000)}`;
    await post(sim, '/mj/submit/blend', { base64Array: [big, big] });
    const summary = sim.stats().requests[0].bodySummary!;
    expect(summary).toContain('<data-url 4022 chars>');
    expect(summary.length).toBeLessThanOrEqual(501);
  });

  it('/__sim/tasks, /__sim/tasks/{id}/complete and /__sim/clock/advance drive a subprocess simulator', async () => {
    const { sim } = await start();
    const id = await imagine(sim, 'cat');
    expect((await get(sim, '/__sim/tasks')).json.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await post(sim, '/__sim/clock/advance', { ms: 5_000 })).json.now).toBe(sim.clock.now());
    expect((await fetchTask(sim, id)).status).toBe('IN_PROGRESS');
    expect((await post(sim, `/__sim/tasks/${id}/complete`, {})).json.status).toBe('SUCCESS');
    expect((await get(sim, '/__sim/stats')).json.tasksByStatus).toEqual({ SUCCESS: 1 });
    const real = (await start({ timeScale: 10 })).sim;
    expect((await post(real, '/__sim/clock/advance', { ms: 1 })).status).toBe(409);
  });

  it('completeNow throws for an unknown task', async () => {
    const { sim } = await start();
    expect(() => sim.completeNow('404')).toThrow(/404/);
  });
});
