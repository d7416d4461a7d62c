import type { Charge } from '../../../src/shared/upstreams/types';
import { budgetListProblems, budgetsDocumentProblems } from '../../../src/workflows/ledger/budget-rules';
import { LedgerBook } from '../../../src/workflows/ledger/ledger-book';
import type { Budget } from '../../../src/workflows/ledger/messages';
import { chargeProblem, refundProblem } from '../../../src/workflows/ledger/record-rules';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function charge(n: number, extra: Partial<Charge> = {}): Charge {
  return {
    key: `job-${n}/submit`,
    jobId: `job-${n}`,
    upstreamId: 'up-a',
    upstreamTaskId: `task-${n}`,
    action: 'IMAGINE',
    mode: 'FAST',
    price: 0.05,
    currency: 'USD',
    at: T0,
    tenant: 'acme',
    ...extra,
  };
}

const auth = (book: LedgerBook, price: number, at = T0, tags = { tenant: 'acme' }) =>
  book.authorize({ tags, price, currency: 'USD', at });

describe('LedgerBook charges and refunds', () => {
  test('sums in exact micro-units and counts a repeated key once', () => {
    const book = new LedgerBook();
    for (let i = 0; i < 1000; i++) expect(book.charge(charge(i)).status).toBe('recorded');
    expect(book.charge(charge(7, { price: 9 }))).toEqual({ status: 'duplicate', refunded: false });
    const all = book.spend({});
    expect(all.source).toBe('totals');
    expect(all.byCurrency.USD).toEqual({ charged: 50, refunded: 0, net: 50, charges: 1000, refunds: 0 });
    expect(book.stats.duplicateCharges).toBe(1);
  });

  test('totals per tag and per currency; combined filters come from the detail', () => {
    const book = new LedgerBook();
    book.charge(charge(1, { upstreamId: 'up-a', batchId: 'b1' }));
    book.charge(charge(2, { upstreamId: 'up-b', price: 0.1, batchId: 'b1' }));
    book.charge(charge(3, { upstreamId: 'up-b', price: 2, currency: 'CNY', tenant: 'other', mode: 'RELAX' }));
    expect(book.spend({ upstreamId: 'up-b' }).byCurrency).toEqual({
      USD: { charged: 0.1, refunded: 0, net: 0.1, charges: 1, refunds: 0 },
      CNY: { charged: 2, refunded: 0, net: 2, charges: 1, refunds: 0 },
    });
    expect(book.spend({ batchId: 'b1' }).byCurrency.USD?.charged).toBeCloseTo(0.15, 9);
    expect(book.spend({ mode: 'RELAX' }).byCurrency).toEqual({
      CNY: { charged: 2, refunded: 0, net: 2, charges: 1, refunds: 0 },
    });
    const combined = book.spend({ tenant: 'acme', upstreamId: 'up-b' });
    expect(combined.source).toBe('detail');
    expect(combined.complete).toBe(true);
    expect(combined.byCurrency).toEqual({ USD: { charged: 0.1, refunded: 0, net: 0.1, charges: 1, refunds: 0 } });
    expect(book.spend({ jobId: 'job-3' }).byCurrency.CNY?.charges).toBe(1);
    expect(book.spend({ since: T0 + 1 }).byCurrency).toEqual({});
    expect(book.chargesOf(['job-2', 'job-9']).map((c) => c.upstreamTaskId)).toEqual(['task-2']);
  });

  test('a refund counts once and frees the budget; an early refund waits for its charge', () => {
    const book = new LedgerBook();
    book.charge(charge(1));
    expect(book.refund({ key: 'job-1/submit', reason: 'gateway-timeout', at: T0 + 5 })).toMatchObject({
      status: 'refunded',
      charge: { price: 0.05, upstreamId: 'up-a', tenant: 'acme' },
    });
    expect(book.refund({ key: 'job-1/submit', reason: 'gateway-timeout', at: T0 + 6 }).status).toBe('duplicate');
    expect(book.refund({ key: 'job-2/submit', reason: 'gateway-timeout', at: T0 + 7 }).status).toBe('pending');
    expect(book.refund({ key: 'job-2/submit', reason: 'gateway-timeout', at: T0 + 8 }).status).toBe('duplicate');
    expect(book.charge(charge(2))).toEqual({ status: 'recorded', refunded: true, refundReason: 'gateway-timeout' });
    expect(book.spend({ tenant: 'acme' }).byCurrency.USD).toEqual({
      charged: 0.1,
      refunded: 0.1,
      net: 0,
      charges: 2,
      refunds: 2,
    });
    expect(book.chargesOf(['job-2'])[0]?.refund).toEqual({ reason: 'gateway-timeout', at: T0 + 7 });
  });
});

describe('LedgerBook budgets', () => {
  const tenantDay: Budget = { scope: 'tenant', id: 'acme', limit: 0.1, period: 'day', onExceed: 'refuse' };

  test('refuses the price that would pass a day budget, names it, and allows again the next UTC day', () => {
    const book = new LedgerBook([tenantDay]);
    expect(auth(book, 0.05)).toEqual({ ok: true, budgeted: true });
    book.charge(charge(1));
    book.charge(charge(2));
    expect(auth(book, 0.05)).toEqual({
      ok: false,
      budget: 'tenant:acme/day',
      limit: 0.1,
      spent: 0.1,
      price: 0.05,
      currency: 'USD',
      onExceed: 'refuse',
    });
    expect(auth(book, 0)).toEqual({ ok: true });
    expect(auth(book, 0.05, T0, { tenant: 'other' } as { tenant: string })).toEqual({ ok: true });
    expect(book.authorize({ tags: { tenant: 'acme' }, price: 5, currency: 'CNY', at: T0 })).toEqual({ ok: true });
    const midnight = Date.UTC(2026, 0, 11, 0, 0, 0);
    expect(auth(book, 0.05, midnight - 1).ok).toBe(false);
    expect(auth(book, 0.05, midnight)).toEqual({ ok: true, budgeted: true });
    book.refund({ key: 'job-1/submit', reason: 'operator', at: midnight + 5 });
    expect(auth(book, 0.05, midnight - 1)).toEqual({ ok: true, budgeted: true });
  });

  test('month and total periods, id-less budgets per id, refuse named before park', () => {
    const budgets: Budget[] = [
      { scope: 'tenant', limit: 1, period: 'month', onExceed: 'park' },
      { scope: 'all', limit: 1.05, period: 'total', onExceed: 'refuse' },
    ];
    const book = new LedgerBook(budgets);
    for (let i = 0; i < 20; i++) book.charge(charge(i, { at: T0 - 5 * DAY + i }));
    expect(auth(book, 0.05, T0)).toMatchObject({ ok: false, budget: 'tenant:acme/month', onExceed: 'park' });
    expect(auth(book, 0.05, Date.UTC(2026, 1, 1))).toEqual({ ok: true, budgeted: true });
    expect(auth(book, 0.1, Date.UTC(2026, 1, 1))).toMatchObject({ ok: false, budget: 'all:*/total' });
    book.charge(charge(99, { tenant: 'beta' }));
    expect(auth(book, 0.01, T0)).toMatchObject({ budget: 'all:*/total', onExceed: 'refuse' });
    const status = book.budgetStatus(T0);
    expect(status.map((s) => [s.name, s.spent, s.window])).toEqual([
      ['tenant:acme/month', 1, '2026-01'],
      ['tenant:beta/month', 0.05, '2026-01'],
      ['all:*/total', 1.05, 'total'],
    ]);
  });
});

describe('LedgerBook continue-as-new carry', () => {
  test('keeps totals and budgets, folds old detail, drops stale pending refunds and old day buckets', () => {
    const book = new LedgerBook([{ scope: 'tenant', limit: 100, period: 'day', onExceed: 'refuse' }], undefined, {
      maxDetail: 3,
    });
    for (let i = 0; i < 5; i++) book.charge(charge(i, { at: T0 - 40 * DAY + i }));
    for (let i = 5; i < 10; i++) book.charge(charge(i, { at: T0 + i }));
    book.refund({ key: 'never', reason: 'gateway-timeout', at: T0 - 3 * DAY });
    book.refund({ key: 'soon', reason: 'gateway-timeout', at: T0 });
    const carry = JSON.parse(JSON.stringify(book.toCarry(T0 + DAY)));
    expect(carry.charges.map((c: Charge) => c.jobId)).toEqual(['job-7', 'job-8', 'job-9']);
    expect(carry.pendingRefunds.map((r: { key: string }) => r.key)).toEqual(['soon']);
    expect(Object.keys(carry.days)).toEqual(['2026-01-10']);

    const next = new LedgerBook([], carry, { maxDetail: 3 });
    expect(next.generation).toBe(1);
    expect(next.budgets).toHaveLength(1);
    expect(next.stats).toMatchObject({ charges: 10, droppedRefunds: 1 });
    expect(next.spend({ tenant: 'acme' }).byCurrency.USD).toMatchObject({ charged: 0.5, charges: 10 });
    expect(next.spend({ tenant: 'acme', since: T0 })).toMatchObject({ complete: false, source: 'detail' });
    expect(next.spend({ tenant: 'acme', since: T0 + 7 })).toMatchObject({ complete: true });
    expect(next.charge(charge(9)).status).toBe('duplicate');
    expect(auth(next, 0.05, T0 + DAY)).toEqual({ ok: true, budgeted: true });
    expect(next.charge({ ...charge(11), key: 'soon' })).toMatchObject({ status: 'recorded', refunded: true });
  });
});

describe('budget and record rules', () => {
  test('name the field and the rule of each bad budget', () => {
    expect(budgetListProblems([{ scope: 'tenant', limit: 0, period: 'week', onExceed: 'refuse', extra: 1 }])).toEqual([
      { field: 'budgets[0].limit', rule: 'must be a number > 0' },
      { field: 'budgets[0].period', rule: 'must be one of "day", "month", "total"' },
      { field: 'budgets[0].extra', rule: 'unknown field' },
    ]);
    expect(budgetsDocumentProblems({ budget: [] })).toEqual([
      { field: 'budget', rule: 'unknown field' },
      { field: 'budgets', rule: 'must be an array' },
    ]);
    const ok: Budget = { scope: 'all', limit: 1, period: 'day', onExceed: 'park' };
    expect(budgetListProblems([ok])).toEqual([]);
    expect(budgetListProblems([ok, { ...ok, limit: 2 }])).toEqual([
      { field: 'budgets[1]', rule: 'duplicates budgets[0] (same scope, id, currency and period)' },
    ]);
    expect(budgetListProblems([{ ...ok, id: 'x' }])[0]?.field).toBe('budgets[0].id');
  });

  test('refuse malformed charges and refunds by field', () => {
    expect(chargeProblem(charge(1))).toBeNull();
    expect(chargeProblem(charge(1, { price: -1 }))?.field).toBe('price');
    expect(chargeProblem(charge(1, { key: '' }))?.field).toBe('key');
    expect(chargeProblem({ ...charge(1), mode: 'SLOW' as never })?.field).toBe('mode');
    expect(refundProblem({ key: 'k', reason: 'why' as never, at: T0 })?.field).toBe('reason');
    expect(refundProblem({ key: 'k', reason: 'operator', at: T0 })).toBeNull();
  });
});
