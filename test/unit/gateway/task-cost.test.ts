import { BudgetGuard, exhaustedBudget } from '../../../src/gateway/guards/budget-guard';
import { GatewayError } from '../../../src/gateway/errors';
import type { JobView } from '../../../src/gateway/tasks/gateway-memo';
import { costOf, taskCosts } from '../../../src/gateway/tasks/task-cost';
import { toProxyTask } from '../../../src/gateway/tasks/task-view';
import type { BudgetStatus, ChargeRecord } from '../../../src/workflows/ledger/messages';

const images = { stored: (id: string, i: number) => `http://gw/mj/image/${id}/${i}` };
const owner = { upstreamId: 'cheap', taskId: 't1', mode: 'RELAX' as const };

function view(taskId: string, withOwner: boolean): JobView {
  return {
    gateway: { v: 1, tenant: 'acme', taskId, action: 'IMAGINE', submitTime: 1, prompt: 'p', endpoint: 'imagine' },
    job: { v: 1, phase: 'running', kind: 'imagine', mode: 'RELAX', submitTime: 1, ...(withOwner ? { owner } : {}) },
    execution: 'RUNNING',
  } as JobView;
}

function chargeOf(jobId: string, price: number, refunded = false): ChargeRecord {
  return {
    key: `${jobId}#${price}`,
    jobId,
    upstreamId: 'cheap',
    upstreamTaskId: 't1',
    action: 'IMAGINE',
    mode: 'RELAX',
    price,
    currency: 'USD',
    at: 1,
    ...(refunded ? { refund: { reason: 'gateway-timeout' as const, at: 2 } } : {}),
  };
}

function budget(extra: Partial<BudgetStatus>): BudgetStatus {
  return {
    scope: 'tenant',
    limit: 1,
    period: 'day',
    onExceed: 'refuse',
    name: 'tenant:acme/day',
    target: 'acme',
    currency: 'USD',
    spent: 1,
    window: '2026-12-01',
    ...extra,
  };
}

describe('task cost in the proxy task view', () => {
  test('sums charges and refunds exactly; properties.cost only for a routed task', () => {
    expect(costOf(owner, [chargeOf('j', 0.1), chargeOf('j', 0.2, true)])).toEqual({
      upstreamId: 'cheap',
      mode: 'RELAX',
      price: 0.3,
      currency: 'USD',
      refunded: 0.2,
    });
    expect(costOf(owner, [])).toEqual({ upstreamId: 'cheap', mode: 'RELAX' });
    const cost = costOf(owner, [chargeOf('j', 0.1)]);
    expect(toProxyTask(view('1', true), images, cost).properties).toEqual({
      finalPrompt: 'p',
      finalZhPrompt: '',
      cost,
    });
    expect(toProxyTask(view('1', false), images).properties).toEqual({ finalPrompt: 'p', finalZhPrompt: '' });
  });

  test('one ledger read for the routed tasks of a page, none when no task is routed; a failed read keeps the owner', async () => {
    const asked: string[][] = [];
    const cost = {
      chargesOf: async (ids: string[]) => {
        asked.push(ids);
        return [chargeOf('mj-gw-acme-2', 0.05)];
      },
    };
    const out = await taskCosts(cost, [view('1', false), view('2', true)]);
    expect(asked).toEqual([['mj-gw-acme-2']]);
    expect(out.get('2')).toMatchObject({ price: 0.05, upstreamId: 'cheap' });
    expect(out.has('1')).toBe(false);
    await taskCosts(cost, [view('1', false)]);
    expect(asked).toHaveLength(1);
    const errors: unknown[] = [];
    const failing = { chargesOf: () => Promise.reject(new Error('no worker')) };
    const degraded = await taskCosts(failing, [view('2', true)], (e) => errors.push(e));
    expect(degraded.get('2')).toEqual({ upstreamId: 'cheap', mode: 'RELAX' });
    expect(errors).toHaveLength(1);
  });
});

describe('gateway budget pre-check', () => {
  test('refuses only a used-up refusing budget of the tenant or of all', () => {
    expect(exhaustedBudget([budget({})], 'acme')?.name).toBe('tenant:acme/day');
    expect(exhaustedBudget([budget({ spent: 0.99 })], 'acme')).toBeUndefined();
    expect(exhaustedBudget([budget({ onExceed: 'park' })], 'acme')).toBeUndefined();
    expect(exhaustedBudget([budget({})], 'beta')).toBeUndefined();
    expect(exhaustedBudget([budget({ scope: 'all', target: '*', name: 'all:*/day' })], 'beta')?.name).toBe('all:*/day');
  });

  test('answers code 4 naming the budget, reads once per cache window, and lets submits through when unread', async () => {
    let reads = 0;
    let now = 0;
    const guard = new BudgetGuard(
      {
        budgets: async () => {
          reads++;
          return [budget({})];
        },
      },
      { now: () => now }
    );
    const err = await guard.check('acme').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({
      code: 4,
      extra: { rule: 'budget-exceeded', properties: { budget: 'tenant:acme/day' } },
    });
    await expect(guard.check('beta')).resolves.toBeUndefined();
    expect(reads).toBe(1);
    now = 1001;
    await expect(guard.check('beta')).resolves.toBeUndefined();
    expect(reads).toBe(2);
    const errors: unknown[] = [];
    const down = new BudgetGuard(
      { budgets: () => Promise.reject(new Error('deadline')) },
      { onError: (e) => errors.push(e) }
    );
    await expect(down.check('acme')).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
