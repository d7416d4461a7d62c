/**
 * The recorder's cheap path for holds (no server; a fake Temporal client over a real LedgerBook): tags no budget
 * applies to are answered by the query alone (no update, so no ledger history), a refusal by the query sends
 * nothing, and only a budgeted pass sends the `holdBudget` update; a release of nothing sends nothing.
 */
import type { Client } from '@temporalio/client';
import { CostLedgerRecorder } from '../../../src/ledger/ledger-recorder';
import type { BudgetHold } from '../../../src/shared/upstreams/types';
import { LedgerBook } from '../../../src/workflows/ledger/ledger-book';
import type { AuthorizeRequest, Budget } from '../../../src/workflows/ledger/messages';
import { testHold } from '../../helpers/ledger-charges';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const budget: Budget = { scope: 'tenant', id: 'acme', limit: 0.1, period: 'day', onExceed: 'refuse' };

/** Routes queries and updates by name to a LedgerBook, and records the update names sent. */
function fakeClient(book: LedgerBook) {
  const updates: string[] = [];
  const queries: string[] = [];
  const client = {
    workflow: {
      getHandle: () => ({
        query: async (def: { name: string }, arg: unknown) => {
          queries.push(def.name);
          if (def.name === 'authorize') return book.authorize(arg as AuthorizeRequest);
          if (def.name === 'hold') return book.holdOf((arg as { key: string }).key, T0);
          throw new Error(`unexpected query ${def.name}`);
        },
      }),
      executeUpdateWithStart: async (def: { name: string }, opts: { args: unknown[] }) => {
        updates.push(def.name);
        const arg = opts.args[0];
        if (def.name === 'setBudgets') return book.setBudgets((arg as { budgets?: Budget[] }).budgets);
        if (def.name === 'holdBudget') return book.hold(arg as BudgetHold, T0);
        if (def.name === 'releaseHold') return book.releaseHold((arg as { key: string }).key, T0);
        throw new Error(`unexpected update ${def.name}`);
      },
    },
  };
  return { client: client as unknown as Client, updates, queries };
}

const hold = (n: number, tenant: string): BudgetHold => testHold(`job-${n}`, n, { at: T0, tenant });

test('unbudgeted tags cost one query and no update; budgeted ones hold; a query refusal sends nothing', async () => {
  const book = new LedgerBook([budget]);
  const fake = fakeClient(book);
  const recorder = new CostLedgerRecorder({ client: fake.client, now: () => T0 });
  await recorder.ensure();
  fake.updates.length = 0;

  expect(await recorder.hold(hold(1, 'beta'))).toEqual({ ok: true });
  await recorder.releaseHold(hold(1, 'beta').key);
  expect(fake.updates).toEqual([]);

  expect(await recorder.hold(hold(2, 'acme'))).toEqual({ ok: true, budgeted: true });
  expect(await recorder.hold(hold(3, 'acme'))).toEqual({ ok: true, budgeted: true });
  expect(fake.updates).toEqual(['holdBudget', 'holdBudget']);
  expect(await recorder.hold(hold(4, 'acme'))).toMatchObject({ ok: false, held: 0.1 });
  expect(fake.updates).toHaveLength(2);

  await recorder.releaseHold(hold(2, 'acme').key);
  expect(fake.updates).toEqual(['holdBudget', 'holdBudget', 'releaseHold']);
  expect(await recorder.hold(hold(4, 'acme'))).toEqual({ ok: true, budgeted: true });
});
