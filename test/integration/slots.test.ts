/**
 * Account slots on the real dev server, in real time with short durations: the real manager, the real activities
 * and fake holder workflows that record (in workflow time) when they held their slot.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configureSlotsUpdate, SLOT_FAILURE, slotManagerId } from '../../src/workflows/slots/messages';
import { createDevServerEnv } from '../helpers/temporal';
import { eventually, satisfying } from '../helpers/eventually';
import { newAccount, peak, startSlotHarness, type SlotHarness } from '../helpers/slot-harness';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let t: SlotHarness;

beforeAll(async () => {
  env = await createDevServerEnv();
  t = await startSlotHarness(env);
});

afterAll(async () => {
  await t?.close();
  await env?.teardown();
});

test('limit 3 holds under a load of 10 holders; all finish and no slot is leaked', async () => {
  const account = newAccount();
  const limits = { limit: 3 };
  const holds = ['2s', '1s', '3s', '2s', '1s', '3s', '1s', '2s', '1s', '2s'] as const;
  const handles = await Promise.all(holds.map((hold, i) => t.startHolder(account, `h${i}`, limits, { hold })));
  const records = await Promise.all(handles.map((h) => h.result()));

  expect(records).toHaveLength(10);
  expect(peak(records)).toBe(3);
  const s = await t.settled(account, 10);
  expect(s.totals).toEqual({ granted: 10, released: 10, reclaimed: 0 });
  expect(s.limits).toEqual({ limit: 3 });
});

test('a holder terminated while holding gets its slot reclaimed by the periodic check', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
  await t.startManager(account, limits, { reclaimInterval: '2s' });
  const a = await t.startHolder(account, 'a', limits, { hold: '1h' });
  await eventually(
    satisfying(
      () => t.phase(a),
      (p) => p === 'holding'
    ),
    'a to hold'
  );
  const b = await t.startHolder(account, 'b', limits);
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 1
    ),
    'b to wait'
  );

  const terminatedAt = Date.now();
  await a.terminate('test: crash while holding');
  const rb = await b.result();

  // The reclaim count proves the periodic check freed it (a holder that never released would keep it forever).
  expect(rb.grantedAt).toBeGreaterThanOrEqual(terminatedAt);
  const s = await t.settled(account, 2);
  expect(s.totals).toEqual({ granted: 2, released: 1, reclaimed: 1 });
});

test('a grant to a holder that closed while waiting frees the slot at once', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
  await t.startManager(account, limits, { reclaimInterval: '1d' });
  const a = await t.startHolder(account, 'a', limits, { hold: '3s' });
  await eventually(
    satisfying(
      () => t.phase(a),
      (p) => p === 'holding'
    ),
    'a to hold'
  );
  const gone = await t.startHolder(account, 'gone', limits, { hold: '1h' });
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 1
    ),
    'gone to wait'
  );
  const b = await t.startHolder(account, 'b', limits);
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 2
    ),
    'b to wait'
  );
  await gone.terminate('test: crash while waiting');

  const [ra, rb] = await Promise.all([a.result(), b.result()]);
  // No reclaim check ran (1d interval), so b holding at all shows the undeliverable grant freed the slot.
  expect(rb.grantedAt).toBeGreaterThanOrEqual(ra.releasedAt);
  const s = await t.settled(account, 3);
  expect(s.totals).toEqual({ granted: 3, released: 2, reclaimed: 1 });
});

test('cancelling a holder releases its slot; cancelling a waiting holder withdraws its request', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
  await t.startManager(account, limits, { reclaimInterval: '1d' });
  const a = await t.startHolder(account, 'a', limits, { hold: '1h' });
  await eventually(
    satisfying(
      () => t.phase(a),
      (p) => p === 'holding'
    ),
    'a to hold'
  );
  const c = await t.startHolder(account, 'c', limits);
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 1
    ),
    'c to wait'
  );
  const b = await t.startHolder(account, 'b', limits);
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 2
    ),
    'b to wait'
  );

  await c.cancel();
  const errC = await c.result().catch((e: unknown) => e);
  expect((errC as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const afterC = await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 1
    ),
    'c withdrawn'
  );
  expect(afterC.waiting[0].workflowId).toBe(`${account}-b`);

  const cancelledAt = Date.now();
  await a.cancel();
  const errA = await a.result().catch((e: unknown) => e);
  expect(errA).toBeInstanceOf(WorkflowFailedError);
  expect((errA as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

  const rb = await b.result();
  expect(rb.grantedAt).toBeGreaterThanOrEqual(cancelledAt);
  const s = await t.settled(account, 2);
  expect(s.totals).toEqual({ granted: 2, released: 2, reclaimed: 0 });
});

test('minimum spacing keeps grants apart', async () => {
  const account = newAccount();
  const limits = { limit: 5, minSpacing: '2s' as const };
  const h = await Promise.all([0, 1, 2, 3].map((i) => t.startHolder(account, `h${i}`, limits)));
  // Manager time: the holders' own clocks add delivery latency.
  const grants = (await Promise.all(h.map((x) => x.result()))).map((r) => r.managerGrantedAt).sort((x, y) => x - y);
  for (let i = 1; i < grants.length; i++) expect(grants[i] - grants[i - 1]).toBeGreaterThanOrEqual(2_000);
  await t.settled(account, 4);
});

test('the manager continues as new with its queue and holders', async () => {
  const account = newAccount();
  const limits = { limit: 2 };
  await t.startManager(account, limits, { continueAsNewAfterEvents: 40 });
  const holds = ['3s', '4s', '2s', '3s', '2s', '3s', '2s', '3s'] as const;
  const handles = await Promise.all(holds.map((hold, i) => t.startHolder(account, `h${i}`, limits, { hold })));
  const mid = await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.generation >= 1 && s.holders.length === 2 && s.waiting.length > 0
    ),
    'a continued manager with holders and a queue'
  );
  expect(mid.totals.granted).toBeGreaterThanOrEqual(2);

  const records = await Promise.all(handles.map((x) => x.result()));
  expect(peak(records)).toBe(2);
  const s = await t.settled(account, 8);
  expect(s.generation).toBeGreaterThanOrEqual(2);
  expect(s.totals).toEqual({ granted: 8, released: 8, reclaimed: 0 });
});

test('a holder that continues as new keeps its slot and gets it back at once', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
  const a = await t.startHolder(account, 'a', limits, { hold: '6s', continueAsNewAfter: '2s' });
  await eventually(
    satisfying(
      () => t.phase(a),
      (p) => p === 'holding'
    ),
    'a to hold'
  );
  const b = await t.startHolder(account, 'b', limits);
  const [ra, rb] = await Promise.all([a.result(), b.result()]);

  expect(ra.runs).toBe(2);
  expect(rb.grantedAt).toBeGreaterThanOrEqual(ra.releasedAt);
  const s = await t.settled(account, 2);
  expect(s.totals).toEqual({ granted: 2, released: 2, reclaimed: 0 });
});

test('configureSlotsUpdate changes and pins the limits at runtime; bad limits are rejected', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
  const h = await Promise.all([0, 1, 2].map((i) => t.startHolder(account, `h${i}`, limits, { hold: '1h' })));
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.holders.length === 1 && s.waiting.length === 2
    ),
    'one holder'
  );
  const manager = env.client.workflow.getHandle(slotManagerId(account, 'FAST'));

  const bad = await manager.executeUpdate(configureSlotsUpdate, { args: [{ limit: 0 }] }).catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((bad as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(SLOT_FAILURE.invalidLimits);

  const limitsNow = await manager.executeUpdate(configureSlotsUpdate, { args: [{ limit: 3, dailyCap: 100 }] });
  expect(limitsNow).toEqual({ limit: 3, dailyCap: 100 });
  await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.holders.length === 3
    ),
    'three holders'
  );
  // Pinned: a request made with other limits does not undo the operator's change.
  const late = await t.startHolder(account, 'late', { limit: 1 });
  const s = await eventually(
    satisfying(
      () => t.slots(account),
      (x) => x.waiting.length === 1
    ),
    'the late holder to wait'
  );
  expect(s).toMatchObject({ pinned: true, limits: { limit: 3, dailyCap: 100 }, grantedToday: 3 });

  await Promise.all(h.map((x) => x.cancel()));
  // The late holder gets a freed slot and finishes.
  await late.result();
  const end = await t.settled(account, 4);
  expect(end.totals).toEqual({ granted: 4, released: 4, reclaimed: 0 });
});

test('back-pressure reported by a holder pauses new grants for the whole account', async () => {
  const account = newAccount();
  const limits = { limit: 5 };
  const a = await t.startHolder(account, 'a', limits, { reportBackPressureMs: 4_000 });
  const ra = await a.result();
  const b = await t.startHolder(account, 'b', limits);
  const s = await eventually(
    satisfying(
      () => t.slots(account),
      (x) => x.waiting.length === 1
    ),
    'b to wait'
  );
  expect(s.blocked?.by).toBe('cool-down');
  const rb = await b.result();
  expect(rb.managerGrantedAt - ra.managerGrantedAt).toBeGreaterThanOrEqual(4_000);
  await t.settled(account, 2);
});

test('invalid limits end the holder as ValidationRejected without starting a manager', async () => {
  const account = newAccount();
  const h = await t.startHolder(account, 'bad', { limit: 0 });
  const err = await h.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('ValidationRejected');
  await expect(t.slots(account)).rejects.toThrow();
});
