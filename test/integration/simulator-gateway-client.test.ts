/**
 * `MjClient` against the simulator's new-api gateway over real loopback HTTP (client side): a stub is
 * "not yet known", duplicate rows collapse, middleware refusals and code 5 map to typed errors, and the client knows
 * how often the gateway refreshes.
 */
import { MjClient, type MjError, MjUpstreamAuthError } from '../../src/mj';
import type { ManualClock, Simulator, SimulatorOptions } from '../../src/simulator';
import { agent, pngDataUrl, post, simulators } from '../helpers/simulator-support';

const start = simulators();
const clients: MjClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => agent.close());

const POLL = 15_000;

async function setup(opts: SimulatorOptions = {}, apiKey?: string) {
  const { sim, clock } = await start({ flavour: 'gateway', ...opts });
  const mj = new MjClient({ baseUrl: sim.url, flavour: 'gateway', apiKey });
  clients.push(mj);
  return { sim, clock, mj };
}

async function caught(p: Promise<unknown>): Promise<MjError> {
  try {
    await p;
  } catch (e) {
    return e as MjError;
  }
  throw new Error('expected a rejection');
}

async function done(sim: Simulator, clock: ManualClock, mj: MjClient, id: string) {
  sim.completeNow(id);
  clock.advance(POLL);
  return mj.fetchTask(id);
}

describe('MjClient behind a new-api gateway', () => {
  it('reads a stub as "not yet known" and the real task after the poll', async () => {
    const { sim, clock, mj } = await setup();
    const submitted = await mj.submitImagine({ prompt: 'a cat' });
    expect(submitted.kind).toBe('accepted');
    const id = (submitted as { taskId: string }).taskId;
    sim.completeNow(id);
    const stub = await mj.fetchTask(id);
    expect(stub).toMatchObject({ stub: true, status: '', progressPct: 0, buttons: [] });
    clock.advance(POLL);
    expect(await mj.fetchTask(id)).toMatchObject({ stub: false, status: 'SUCCESS', progressPct: 100 });
  });

  it('collapses the two rows a modal leaves into one task, the one that got furthest', async () => {
    const { sim, clock, mj } = await setup();
    const grid = await done(
      sim,
      clock,
      mj,
      ((await mj.submitImagine({ prompt: 'a fox' })) as { taskId: string }).taskId
    );
    const u1 = grid.buttons.find((b) => b.label === 'U1')!;
    const upId = ((await mj.submitAction({ taskId: grid.id, customId: u1.customId })) as { taskId: string }).taskId;
    const up = await done(sim, clock, mj, upId);
    const region = up.buttons.find((b) => b.customId.startsWith('MJ::Inpaint::'))!;
    const parked = await mj.submitAction({ taskId: up.id, customId: region.customId });
    expect(parked.kind).toBe('modal');
    const child = (parked as { taskId: string }).taskId;
    clock.advance(POLL);
    await mj.submitModal({ taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    sim.completeNow(child);
    clock.advance(POLL);

    const raw = await post(sim, '/mj/task/list-by-condition', { ids: [child] });
    expect(raw.json).toHaveLength(2);
    const listed = await mj.listTasksByIds([child]);
    expect(listed.map((t) => [t.id, t.status])).toEqual([[child, 'SUCCESS']]);
    // fetch still serves the older row for one more cycle: the list is the fresher source.
    expect((await mj.fetchTask(child)).status).toBe('MODAL');
  });

  it('maps the middleware envelope: unknown action → validation, bad token → auth, no channel → no-instance', async () => {
    const { sim, mj } = await setup({ apiKey: 'sk-good' }, 'sk-good');
    const unknown = await caught(
      mj.submitAction({ taskId: '1767225600000123', customId: 'MJ::JOB::animate_high::1::abc::SOLO' })
    );
    expect([unknown.code, unknown.retryable, unknown.status]).toEqual(['MJ_VALIDATION', false, 400]);
    expect(unknown.message).toContain('unknown_action');

    const wrong = new MjClient({ baseUrl: sim.url, flavour: 'gateway', apiKey: 'sk-bad' });
    clients.push(wrong);
    const auth = await caught(wrong.submitImagine({ prompt: 'a cat' }));
    expect([auth.code, auth.retryable]).toEqual(['MJ_AUTH', false]);
    expect((await caught(wrong.fetchTask('1767225600000123'))).code).toBe('MJ_AUTH');

    sim.faults.add({ kind: 'gateway-no-channel' });
    const none = await caught(mj.submitImagine({ prompt: 'a cat' }));
    expect([none.code, none.retryable, none.status]).toEqual(['MJ_NO_INSTANCE', true, 503]);
    // Refused by the distributor before any relay: a 503 that created nothing, so resubmitting is safe.
    expect([none.outcomeUnknown, unknown.outcomeUnknown, auth.outcomeUnknown]).toEqual([false, false, false]);
  });

  it('turns code 5 unmarshal_response_body_failed into MJ_UPSTREAM_AUTH with a hint to check the key', async () => {
    const { mj } = await setup({ gateway: { upstreamKeyValid: false } });
    const err = await caught(mj.submitImagine({ prompt: 'a cat' }));
    expect(err).toBeInstanceOf(MjUpstreamAuthError);
    expect([err.code, err.upstreamCode, err.status]).toEqual(['MJ_UPSTREAM_AUTH', 5, 400]);
    expect(err.message).toMatch(/check the upstream key/);
  });

  it('knows which flavours refresh slowly', () => {
    const g = new MjClient({ baseUrl: 'http://127.0.0.1:1', flavour: 'gateway' });
    const t = new MjClient({ baseUrl: 'http://127.0.0.1:1', flavour: 'trueai' });
    const tuned = new MjClient({ baseUrl: 'http://127.0.0.1:1', flavour: 'gateway', refreshIntervalMs: 30_000 });
    clients.push(g, t, tuned);
    expect([g.refreshIntervalMs, t.refreshIntervalMs, tuned.refreshIntervalMs]).toEqual([15_000, 0, 30_000]);
    expect(g.toJSON()).toMatchObject({ refreshIntervalMs: 15_000 });
    expect(() => new MjClient({ baseUrl: 'http://127.0.0.1:1', refreshIntervalMs: -1 })).toThrow(/refreshIntervalMs/);
  });
});
