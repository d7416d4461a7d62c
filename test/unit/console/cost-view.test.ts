import type { MjJobsClient } from '../../../src/client';
import type { ConsoleJob } from '../../../src/console/backend';
import { tenantSpend, utcDayStart, withJobCost } from '../../../src/console/cost-view';
import { JOB_MEMO_KEY } from '../../../src/shared/job-memo';
import type { BudgetStatus, SpendFilter } from '../../../src/workflows/ledger/messages';

const job = { id: 'mj-job-1', kind: 'job' } as unknown as ConsoleJob;
const owner = { upstreamId: 'cheap', taskId: 't1', mode: 'RELAX' };

function fakeMj(calls: string[]): MjJobsClient {
  const totals = { charged: 0.3, refunded: 0.1, net: 0.2, charges: 3, refunds: 1 };
  return {
    client: { withDeadline: (_d: number, fn: () => Promise<unknown>) => fn() },
    cost: {
      chargesOf: async (ids: string[]) => {
        calls.push(`charges:${ids.join(',')}`);
        return [{ jobId: ids[0], price: 0.05, currency: 'USD', refund: { reason: 'gateway-timeout', at: 1 } }];
      },
      spend: async (f: SpendFilter) => {
        calls.push(`spend:${f.tenant}:${f.since ?? '-'}`);
        return { byCurrency: { USD: totals }, complete: f.since === undefined };
      },
      budgets: async (): Promise<Partial<BudgetStatus>[]> => [
        { name: 'tenant:acme/day', scope: 'tenant', target: 'acme' },
        { name: 'tenant:beta/day', scope: 'tenant', target: 'beta' },
        { name: 'all:*/month', scope: 'all', target: '*' },
      ],
    },
  } as unknown as MjJobsClient;
}

test('a routed job gets its cost from the ledger; an unrouted one reads nothing', async () => {
  const calls: string[] = [];
  const mj = fakeMj(calls);
  const routed = await withJobCost(mj, { workflowId: 'mj-job-1', memo: { [JOB_MEMO_KEY]: { owner } } }, job);
  expect(routed.cost).toEqual({ amount: 0.05, currency: 'USD', upstreamId: 'cheap', mode: 'RELAX', refunded: 0.05 });
  const plain = await withJobCost(mj, { workflowId: 'mj-job-2', memo: { [JOB_MEMO_KEY]: {} } }, job);
  expect(plain.cost).toBeUndefined();
  expect(calls).toEqual(['charges:mj-job-1']);
});

test("a tenant's spend: all time, today from UTC midnight, and only the budgets that count it", async () => {
  const calls: string[] = [];
  const now = Date.UTC(2026, 11, 1, 18, 30);
  const s = await tenantSpend(fakeMj(calls), 'acme', now);
  expect(utcDayStart(now)).toBe(Date.UTC(2026, 11, 1));
  expect(calls.sort()).toEqual(['spend:acme:-', `spend:acme:${Date.UTC(2026, 11, 1)}`]);
  expect(s.todayComplete).toBe(false);
  expect(s.total.USD?.net).toBe(0.2);
  expect(s.budgets.map((b) => b.name)).toEqual(['tenant:acme/day', 'all:*/month']);
});
