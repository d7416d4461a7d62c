/**
 * Budget holds in the ledger's state class (no server): concurrent submits hold up to the limit and the next is
 * refused; a charge turns its hold into spend (counted once); release and expiry free the room; hold and release are
 * idempotent; holds survive the continue-as-new carry, and a carry written before holds existed still loads.
 */
import type { BudgetHold, Charge } from '../../../src/shared/upstreams/types';
import { LedgerBook } from '../../../src/workflows/ledger/ledger-book';
import type { Budget, LedgerCarry } from '../../../src/workflows/ledger/messages';
import { holdProblem, releaseProblem } from '../../../src/workflows/ledger/record-rules';
import { testHold } from '../../helpers/ledger-charges';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;
/** Room for exactly 3 jobs of 0.05. */
const tenantDay: Budget = { scope: 'tenant', id: 'acme', limit: 0.15, period: 'day', onExceed: 'refuse' };

const hold = (n: number, extra: Partial<BudgetHold> = {}): BudgetHold =>
  testHold(`job-${n}`, n, { upstreamId: 'up-a', at: T0, ...extra });

const chargeOf = (h: BudgetHold, extra: Partial<Charge> = {}): Charge => ({
  ...h,
  upstreamTaskId: `t-${h.key}`,
  ...extra,
});

describe('LedgerBook holds', () => {
  test('concurrent holds fill the budget exactly; the next one is refused and holds nothing', () => {
    const book = new LedgerBook([tenantDay]);
    for (const n of [1, 2, 3]) expect(book.hold(hold(n), T0)).toEqual({ ok: true, budgeted: true });
    expect(book.hold(hold(4), T0)).toEqual({
      ok: false,
      budget: 'tenant:acme/day',
      limit: 0.15,
      spent: 0,
      held: 0.15,
      price: 0.05,
      currency: 'USD',
      onExceed: 'refuse',
    });
    expect(book.holdOf(hold(4).key, T0)).toBeNull();
    // The query counts holds too, so a read-only check agrees with the hold.
    expect(book.authorize({ tags: { tenant: 'acme' }, price: 0.05, currency: 'USD', at: T0 })).toMatchObject({
      ok: false,
      held: 0.15,
    });
    // ...except the asker's own hold (a resubmit under the same key).
    expect(
      book.authorize({ tags: { tenant: 'acme' }, price: 0.05, currency: 'USD', at: T0, key: hold(1).key })
    ).toEqual({ ok: true, budgeted: true });
    expect(book.budgetStatus(T0)).toMatchObject([{ name: 'tenant:acme/day', spent: 0, held: 0.15 }]);
    expect(book.spend({ tenant: 'acme' })).toMatchObject({ byCurrency: {}, held: { USD: 0.15 } });
    expect(book.spend({ tenant: 'beta' })).not.toHaveProperty('held');
  });

  test('a charge converts its hold: counted once, as spend', () => {
    const book = new LedgerBook([tenantDay]);
    for (const n of [1, 2, 3]) book.hold(hold(n), T0);
    expect(book.charge(chargeOf(hold(1))).status).toBe('recorded');
    expect(book.budgetStatus(T0)).toMatchObject([{ spent: 0.05, held: 0.1 }]);
    expect(book.hold(hold(4), T0).ok).toBe(false);
    // A late hold of a key already charged (a stray retry) needs none and changes nothing.
    expect(book.hold(hold(1), T0)).toEqual({ ok: true });
    expect(book.budgetStatus(T0)).toMatchObject([{ spent: 0.05, held: 0.1 }]);
    for (const n of [2, 3]) book.charge(chargeOf(hold(n)));
    expect(book.budgetStatus(T0)).toMatchObject([{ spent: 0.15, held: 0 }]);
    expect(book.spend({ tenant: 'acme' }).byCurrency.USD?.net).toBe(0.15);
    expect(book.hold(hold(4), T0)).toMatchObject({ ok: false, spent: 0.15 });
  });

  test('release frees the room; releasing again or an unknown key changes nothing', () => {
    const book = new LedgerBook([tenantDay]);
    for (const n of [1, 2, 3]) book.hold(hold(n), T0);
    expect(book.releaseHold(hold(2).key, T0)).toEqual({ status: 'released' });
    expect(book.releaseHold(hold(2).key, T0)).toEqual({ status: 'absent' });
    expect(book.releaseHold('never-held', T0)).toEqual({ status: 'absent' });
    expect(book.hold(hold(4), T0)).toEqual({ ok: true, budgeted: true });
    expect(book.hold(hold(5), T0).ok).toBe(false);
  });

  test('the same key holds once, whatever the number of asks; another price is checked afresh', () => {
    const book = new LedgerBook([tenantDay]);
    for (let i = 0; i < 5; i++) expect(book.hold(hold(1), T0 + i)).toEqual({ ok: true, budgeted: true });
    expect(book.budgetStatus(T0)).toMatchObject([{ held: 0.05 }]);
    book.hold(hold(2), T0);
    // Job 1 resubmitted elsewhere at 0.1: its old hold is replaced (0.1 + 0.05 fits), not added.
    expect(book.hold(hold(1, { price: 0.1 }), T0)).toEqual({ ok: true, budgeted: true });
    expect(book.budgetStatus(T0)).toMatchObject([{ held: 0.15 }]);
    // At 0.15 it no longer fits next to job 2: refused, and its old hold is gone (it will not be sent at that key).
    expect(book.hold(hold(1, { price: 0.15 }), T0)).toMatchObject({ ok: false, held: 0.05 });
    expect(book.holdOf(hold(1).key, T0)).toBeNull();
  });

  test('holds expire after the TTL of workflow time, and a repeated hold starts its TTL over', () => {
    const book = new LedgerBook([tenantDay], undefined, { holdTtlMs: HOUR });
    for (const n of [1, 2, 3]) book.hold(hold(n), T0);
    expect(book.hold(hold(4), T0 + HOUR - 1).ok).toBe(false);
    book.hold(hold(3), T0 + HOUR / 2); // job 3 resubmits: its hold lives on
    expect(book.hold(hold(4), T0 + HOUR)).toEqual({ ok: true, budgeted: true }); // 1 and 2 expired
    expect(book.holdOf(hold(1).key, T0 + HOUR)).toBeNull();
    expect(book.holdOf(hold(3).key, T0 + HOUR)).toMatchObject({ expiresAt: T0 + HOUR + HOUR / 2 });
    expect(book.stats.expiredHolds).toBe(2);
    // Reads filter by their own clock without changing the state.
    expect(book.budgetStatus(T0 + 2 * HOUR)).toMatchObject([{ held: 0 }]);
    expect(book.budgetStatus(T0 + HOUR)).toMatchObject([{ held: 0.1 }]);
    // The default TTL outlives settleRoutedSubmit's hour of retries.
    const fresh = new LedgerBook([tenantDay]);
    fresh.hold(hold(1), T0);
    expect(fresh.holdOf(hold(1).key, T0)?.expiresAt).toBe(T0 + 2 * HOUR);
  });

  test('no hold for tags no budget applies to, for a price of 0, or in another currency; parking holds nothing', () => {
    const park: Budget = { scope: 'batch', limit: 0.05, period: 'total', onExceed: 'park' };
    const book = new LedgerBook([tenantDay, park]);
    expect(book.hold(hold(1, { tenant: 'beta' }), T0)).toEqual({ ok: true });
    expect(book.hold(hold(2, { price: 0 }), T0)).toEqual({ ok: true });
    expect(book.hold(hold(3, { currency: 'CNY' }), T0)).toEqual({ ok: true });
    expect(book.budgetStatus(T0)).toMatchObject([{ name: 'tenant:acme/day', held: 0 }]);
    // A batch budget without id counts each batch apart, holds included.
    expect(book.hold(hold(4, { tenant: 'beta', batchId: 'b1' }), T0)).toEqual({ ok: true, budgeted: true });
    const parked = book.hold(hold(5, { tenant: 'beta', batchId: 'b1' }), T0);
    expect(parked).toMatchObject({ ok: false, budget: 'batch:b1/total', onExceed: 'park', held: 0.05 });
    expect(book.holdOf(hold(5).key, T0)).toBeNull();
    expect(book.hold(hold(6, { tenant: 'beta', batchId: 'b2' }), T0).ok).toBe(true);
    expect(book.budgetStatus(T0).map((b) => [b.name, b.held])).toEqual([
      ['tenant:acme/day', 0],
      ['batch:b1/total', 0.05],
      ['batch:b2/total', 0.05],
    ]);
    // Job 4 is refused upstream and released: the parked job, asking again, proceeds and holds.
    book.releaseHold(hold(4).key, T0);
    expect(book.hold(hold(5, { tenant: 'beta', batchId: 'b1' }), T0 + 1)).toEqual({ ok: true, budgeted: true });
  });

  test('a day budget counts only holds of its own UTC day', () => {
    const book = new LedgerBook([tenantDay]);
    for (const n of [1, 2, 3]) book.hold(hold(n, { at: Date.UTC(2026, 0, 10, 23, 59) }), T0);
    expect(book.hold(hold(4, { at: Date.UTC(2026, 0, 11, 0, 1) }), T0)).toEqual({ ok: true, budgeted: true });
  });
});

describe('LedgerBook holds across continue-as-new', () => {
  test('active holds are carried, expired ones are dropped; a book without holds writes no holds field', () => {
    const book = new LedgerBook([tenantDay], undefined, { holdTtlMs: HOUR });
    book.hold(hold(1), T0);
    book.hold(hold(2), T0 + HOUR / 2);
    const carry = book.toCarry(T0 + HOUR);
    expect(carry.holds?.map((h) => h.key)).toEqual([hold(2).key]);
    expect(carry.stats.expiredHolds).toBe(1);
    const next = new LedgerBook([], JSON.parse(JSON.stringify(carry)) as LedgerCarry, { holdTtlMs: HOUR });
    expect(next.budgetStatus(T0 + HOUR)).toMatchObject([{ held: 0.05 }]);
    expect(next.hold(hold(3), T0 + HOUR).ok).toBe(true);
    expect(next.hold(hold(4), T0 + HOUR).ok).toBe(true);
    expect(next.hold(hold(5), T0 + HOUR).ok).toBe(false);
    expect(next.charge(chargeOf(hold(2))).status).toBe('recorded');
    expect(next.budgetStatus(T0 + HOUR)).toMatchObject([{ spent: 0.05, held: 0.1 }]);

    const plain = new LedgerBook([tenantDay]).toCarry(T0);
    expect(plain).not.toHaveProperty('holds');
    expect(plain.stats).not.toHaveProperty('expiredHolds');
  });

  test('a carry written before holds existed loads, and holds work on it', () => {
    const old = {
      budgets: [tenantDay],
      charges: [],
      pendingRefunds: [],
      days: { '2026-01-10': { '["tenant","acme","USD"]': { charged: 100_000, refunded: 0, charges: 2, refunds: 0 } } },
      months: {},
      total: {},
      stats: { charges: 2, duplicateCharges: 0, refunds: 0, duplicateRefunds: 0, droppedRefunds: 0 },
      generation: 3,
    } as LedgerCarry;
    const book = new LedgerBook([], old);
    expect(book.budgetStatus(T0)).toMatchObject([{ spent: 0.1, held: 0 }]);
    expect(book.hold(hold(1), T0)).toEqual({ ok: true, budgeted: true });
    expect(book.hold(hold(2), T0)).toMatchObject({ ok: false, spent: 0.1, held: 0.05 });
  });
});

describe('hold and release validation', () => {
  test('names the field and rule of a malformed hold or release', () => {
    expect(holdProblem(hold(1))).toBeNull();
    expect(holdProblem(undefined)).toEqual({ field: 'hold', rule: 'must be an object' });
    expect(holdProblem({ ...hold(1), key: '' })).toMatchObject({ field: 'key' });
    expect(holdProblem({ ...hold(1), price: -1 })).toEqual({ field: 'price', rule: 'must be a number >= 0' });
    expect(holdProblem({ ...hold(1), mode: 'WARP' as never })).toMatchObject({ field: 'mode' });
    expect(holdProblem({ ...hold(1), at: 0 })).toEqual({ field: 'at', rule: 'must be epoch milliseconds' });
    expect(releaseProblem({ key: 'k' })).toBeNull();
    expect(releaseProblem({ key: 5 })).toMatchObject({ field: 'key' });
    expect(releaseProblem(undefined)).toEqual({ field: 'release', rule: 'must be an object' });
  });
});
