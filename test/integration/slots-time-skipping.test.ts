/**
 * Account slots where waiting is the point, on the time-skipping server: a daily cap that defers to the next UTC day,
 * and the default reclaim interval after a holder crashed.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SLOT_RECLAIM_INTERVAL } from '../../src/shared/defaults';
import { durationToMs } from '../../src/shared/duration';
import { createTimeSkippingEnv } from '../helpers/temporal';
import { eventually, satisfying } from '../helpers/eventually';
import { newAccount, resultsInOrder, startSlotHarness, type SlotHarness } from '../helpers/slot-harness';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
let env: TestWorkflowEnvironment;
let t: SlotHarness;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await startSlotHarness(env);
});

afterAll(async () => {
  await t?.close();
  await env?.teardown();
});

test('a daily cap defers the next grant to the next UTC day', async () => {
  const account = newAccount();
  const limits = { limit: 5, dailyCap: 2 };
  // Start an hour into a UTC day, so the first two grants surely share a day.
  const now = await env.currentTimeMs();
  await env.sleep(DAY_MS - (now % DAY_MS) + 3_600_000);
  const h = [];
  for (const i of [0, 1, 2]) h.push(await t.startHolder(account, `h${i}`, limits, { hold: '10s' }));
  const capped = await eventually(
    satisfying(
      () => t.slots(account),
      (s) => s.waiting.length === 1 && s.grantedToday === 2
    ),
    'the third to wait for the cap'
  );
  expect(capped.blocked).toMatchObject({ by: 'daily-cap' });

  const grants = (await resultsInOrder(h)).map((r) => r.managerGrantedAt).sort((x, y) => x - y);
  const day = Math.floor(grants[0] / DAY_MS);
  expect(Math.floor(grants[1] / DAY_MS)).toBe(day);
  expect(capped.blocked?.until).toBe((day + 1) * DAY_MS);
  expect(grants[2]).toBeGreaterThanOrEqual((day + 1) * DAY_MS);
  expect(grants[2]).toBeLessThan((day + 1) * DAY_MS + 60_000);

  const s = await t.settled(account, 3);
  expect(s).toMatchObject({ grantedToday: 1, totals: { granted: 3, released: 3, reclaimed: 0 } });
});

test('a crashed holder is reclaimed within the default reclaim interval', async () => {
  const account = newAccount();
  const limits = { limit: 1 };
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

  const terminatedAt = await env.currentTimeMs();
  await a.terminate('test: crash while holding');
  const [rb] = await resultsInOrder([b]);

  expect(rb.grantedAt - terminatedAt).toBeLessThanOrEqual(durationToMs(SLOT_RECLAIM_INTERVAL) * 1.2 + 5_000);
  const s = await t.settled(account, 2);
  expect(s.totals).toEqual({ granted: 2, released: 1, reclaimed: 1 });
});
