/**
 * The cost ledger seen through the gateway on a real stack (dev server, simulator, job worker, gateway): a tenant
 * whose refusing budget is used up gets code 4 naming the budget and nothing starts; another tenant's submit runs,
 * carries `costTags.tenant` into the job input, and a routed task's view reads its price from the ledger.
 */
import type { Charge } from '../../src/shared/upstreams/types';
import { createLedgerRecorder } from '../../src/ledger/ledger-recorder';
import { taskCosts } from '../../src/gateway/tasks/task-cost';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import type { JobView } from '../../src/gateway/tasks/gateway-memo';
import { testCharge } from '../helpers/ledger-charges';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let acme: string;
let beta: string;

function charge(n: number, workflowId: string, extra: Partial<Charge> = {}): Charge {
  return testCharge(workflowId, n, extra);
}

beforeAll(async () => {
  stack = await startGatewayStack();
  acme = (await stack.gateway.tenants.createKey('acme')).apiKey;
  beta = (await stack.gateway.tenants.createKey('beta')).apiKey;
});
afterAll(async () => stack?.stop());

test('a used-up tenant budget refuses the submit before anything starts; other tenants run', async () => {
  const cost = stack.gateway.app.mj.cost;
  await cost.setBudgets([{ scope: 'tenant', id: 'acme', limit: 0.1, period: 'day', onExceed: 'refuse' }]);
  const recorder = createLedgerRecorder({ client: stack.env.client, taskQueue: stack.config.worker.taskQueue });
  await recorder.charge(charge(1, 'mj-gw-acme-earlier-1'));
  // Not used up yet: 0.05 of 0.1.
  expect(await cost.budgets()).toMatchObject([{ name: 'tenant:acme/day', spent: 0.05 }]);
  await recorder.charge(charge(2, 'mj-gw-acme-earlier-2'));
  await new Promise((r) => setTimeout(r, 1100)); // the gateway's budgets read is fresh for a second

  const refused = await call(stack, 'POST', '/mj/submit/imagine', { key: acme, body: { prompt: 'over budget' } });
  expect(refused.status).toBe(200);
  expect(refused.json).toMatchObject({
    code: 4,
    result: null,
    properties: { field: 'budget', rule: 'budget-exceeded', budget: 'tenant:acme/day', limit: 0.1, spent: 0.1 },
  });
  expect(refused.json.description).toContain('tenant:acme/day');
  expect((await call(stack, 'GET', '/mj/task/list', { key: acme })).json).toEqual([]);

  const ok = await call(stack, 'POST', '/mj/submit/imagine', { key: beta, body: { prompt: 'within budget' } });
  expect(ok.json.code).toBe(1);
  const taskId = ok.json.result as string;
  const done = await waitForStatus(stack, beta, taskId, ['SUCCESS']);
  // One upstream (no routing): no cost in the view, and no ledger read for it.
  expect(done.properties.cost).toBeUndefined();
  const history = await stack.env.client.workflow.getHandle(jobWorkflowId('beta', taskId)).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = JSON.parse(Buffer.from(started!.input!.payloads![0]!.data!).toString('utf8'));
  expect(input.costTags).toEqual({ tenant: 'beta' });

  // A routed task (memo owner) reads its price and refund from the ledger in one query.
  const routedId = jobWorkflowId('acme', '1700000000000042');
  await recorder.charge(charge(3, routedId, { price: 0.08 }));
  await recorder.refund({ key: `${routedId}/submit#3`, reason: 'gateway-timeout', at: Date.now() });
  const view = {
    gateway: { tenant: 'acme', taskId: '1700000000000042' },
    job: { owner: { upstreamId: 'sim-a', taskId: 't3', mode: 'FAST' } },
    execution: 'RUNNING',
  } as unknown as JobView;
  const costs = await taskCosts(cost, [view]);
  expect(costs.get('1700000000000042')).toEqual({
    upstreamId: 'sim-a',
    mode: 'FAST',
    price: 0.08,
    currency: 'USD',
    refunded: 0.08,
  });
});
