/**
 * The cost ledger on a real dev server: the worker's recorder charges and refunds (update-with-start), the client
 * reads spend, budgets refuse, totals survive a worker restart and continue-as-new, and `cost --json` (the CLI as a
 * subprocess) prints the same figures. Budget holds take their room, survive continue-as-new and turn into spend.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MjJobsClient } from '../../src/client';
import { BudgetExceededError, LedgerRejectedError } from '../../src/ledger/errors';
import { createLedgerRecorder, type CostLedgerRecorder } from '../../src/ledger/ledger-recorder';
import { createMetrics } from '../../src/metrics';
import { LocalAssetStore } from '../../src/assets';
import type { BudgetHold, Charge } from '../../src/shared/upstreams/types';
import {
  COST_LEDGER_WORKFLOW_ID,
  COST_LEDGER_WORKFLOW_TYPE,
  budgetsQuery,
  spendQuery,
  type BudgetsConfig,
  type CostLedgerInput,
} from '../../src/workflows/ledger/messages';
import { runCliJson, type CliRun } from '../helpers/cli-process';
import { testCharge, testHold } from '../helpers/ledger-charges';
import { createDevServerEnv } from '../helpers/temporal';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let mj: MjJobsClient;
const taskQueue = `ledger-${randomUUID()}`;
const budgets = {
  budgets: [{ scope: 'tenant' as const, id: 'acme', limit: 0.12, period: 'day' as const, onExceed: 'refuse' as const }],
};

async function startWorker(workerBudgets: BudgetsConfig = budgets): Promise<{
  recorder: CostLedgerRecorder;
  metrics: ReturnType<typeof createMetrics>;
  stop(): Promise<void>;
}> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle });
  const running = worker.run();
  const metrics = createMetrics();
  const client = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const recorder = createLedgerRecorder({ client, taskQueue, budgets: workerBudgets, metrics });
  return {
    recorder,
    metrics,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

function charge(n: number, extra: Partial<Charge> = {}): Charge {
  return testCharge(`mj-job-c${n}`, 1, { upstreamId: n % 2 === 0 ? 'cheap' : 'fast', ...extra });
}

function cli(args: string[]): Promise<CliRun> {
  return runCliJson(args, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    MJ_TASK_QUEUE: taskQueue,
  });
}

beforeAll(async () => {
  env = await createDevServerEnv();
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows/ledger/cost-ledger-workflow'),
  });
  mj = new MjJobsClient({
    client: env.client,
    store: new LocalAssetStore({ dir: path.join(ROOT, 'data', 'test-assets') }),
    taskQueue,
  });
  // A small continue-as-new threshold, so this run also proves the carry on a real server.
  const input: CostLedgerInput = { continueAsNewAfterEvents: 40 };
  await env.client.workflow.start(COST_LEDGER_WORKFLOW_TYPE, {
    workflowId: COST_LEDGER_WORKFLOW_ID,
    taskQueue,
    args: [input],
  });
});

afterAll(async () => {
  await env?.teardown();
});

test('charges, a duplicate, a refund and a refused budget; totals survive a worker restart and continue-as-new', async () => {
  const w1 = await startWorker();
  await w1.recorder.charge(charge(1));
  await w1.recorder.charge(charge(1)); // a retried submit activity: counted once
  await w1.recorder.charge(charge(2));
  expect(await w1.recorder.authorize({ tenant: 'acme' }, 0.05, 'USD')).toMatchObject({
    ok: false,
    budget: 'tenant:acme/day',
    limit: 0.12,
    spent: 0.1,
    onExceed: 'refuse',
  });
  expect(await w1.recorder.authorize({ tenant: 'beta' }, 0.05, 'USD')).toEqual({ ok: true });
  await expect(mj.cost.checkBudget({ tenant: 'acme' }, 0.05)).rejects.toBeInstanceOf(BudgetExceededError);
  await w1.recorder.refund({ key: charge(1).key, reason: 'gateway-timeout', at: Date.now() });
  expect(await w1.recorder.authorize({ tenant: 'acme' }, 0.05, 'USD')).toEqual({ ok: true, budgeted: true });
  await expect(w1.recorder.charge(charge(3, { price: -1 }))).rejects.toMatchObject({
    constructor: LedgerRejectedError,
    field: 'price',
  });
  const text = await w1.metrics.registry.metrics();
  expect(text).toMatch(/mj_cost_charges_total\{upstream="fast",mode="FAST",tenant="acme"\} 1/);
  expect(text).toMatch(/mj_cost_refunds_total\{upstream="fast",tenant="acme",reason="gateway-timeout"\} 1/);
  await w1.stop();

  const w2 = await startWorker();
  for (let i = 10; i < 30; i++) await w2.recorder.charge(charge(i, { tenant: 'beta', batchId: 'nightly' }));
  const all = await mj.cost.spend();
  expect(all.byCurrency.USD).toEqual({ charged: 1.1, refunded: 0.05, net: 1.05, charges: 22, refunds: 1 });
  expect((await mj.cost.spend({ tenant: 'acme' })).byCurrency.USD?.net).toBe(0.05);
  expect((await mj.cost.spend({ batchId: 'nightly', upstreamId: 'cheap' })).byCurrency.USD?.charges).toBe(10);
  const charges = await mj.cost.charges('mj-job-c1');
  expect(charges).toHaveLength(1);
  expect(charges[0]?.refund?.reason).toBe('gateway-timeout');
  const report = await env.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID).query(spendQuery, {});
  expect(report.generation).toBeGreaterThan(0);
  expect((await mj.cost.budgets()).map((b) => [b.name, b.spent])).toEqual([['tenant:acme/day', 0.05]]);

  const out = await cli(['cost', '--tenant', 'beta']);
  expect(out.code).toBe(0);
  expect(out.json.spend.byCurrency.USD).toEqual({ charged: 1, refunded: 0, net: 1, charges: 20, refunds: 0 });
  const listed = await cli(['cost', 'budgets']);
  expect(listed.json.budgets[0]).toMatchObject({ name: 'tenant:acme/day', spent: 0.05, limit: 0.12 });

  const dir = mkdtempSync(path.join(tmpdir(), 'budgets-'));
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ budgets: [{ scope: 'tenant', limit: -1, period: 'day', onExceed: 'refuse' }] }));
  const refused = await cli(['cost', 'budgets', 'set', '--file', bad]);
  expect(refused.code).toBe(2);
  expect(refused.json.error).toMatchObject({ field: '--file.budgets[0].limit', rule: 'must be a number > 0' });
  const good = path.join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ budgets: [{ scope: 'all', limit: 5, period: 'month', onExceed: 'park' }] }));
  expect((await cli(['cost', 'budgets', 'set', '--file', good])).code).toBe(0);
  expect((await mj.cost.budgets()).map((b) => [b.name, b.spent])).toEqual([['all:*/month', 1.05]]);
  await w2.stop();
});

test('holds take their room, survive continue-as-new, and a charge or a release frees what they held', async () => {
  const gamma: BudgetsConfig = {
    budgets: [{ scope: 'tenant', id: 'gamma', limit: 0.1, period: 'day', onExceed: 'refuse' }],
  };
  const w = await startWorker(gamma);
  const hold = (n: number): BudgetHold => testHold(`mj-job-c${100 + n}`, 1, { upstreamId: 'fast', tenant: 'gamma' });
  const ledger = env.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID);
  const gammaRow = async () =>
    (await ledger.query(budgetsQuery, { at: Date.now() })).find((b) => b.name === 'tenant:gamma/day');
  expect(await w.recorder.hold(hold(1))).toEqual({ ok: true, budgeted: true });
  expect(await w.recorder.hold(hold(2))).toEqual({ ok: true, budgeted: true });
  expect(await w.recorder.hold(hold(1))).toEqual({ ok: true, budgeted: true }); // the same key: held once
  expect(await w.recorder.hold(hold(3))).toMatchObject({ ok: false, spent: 0, held: 0.1 });
  expect(await gammaRow()).toMatchObject({ spent: 0, held: 0.1 });

  // Enough charges of another tenant to pass the 40-event threshold: the holds ride the carry.
  const before = (await ledger.query(spendQuery, {})).generation;
  for (let i = 200; i < 212; i++) await w.recorder.charge(charge(i, { tenant: 'delta' }));
  expect((await ledger.query(spendQuery, {})).generation).toBeGreaterThan(before);
  expect(await gammaRow()).toMatchObject({ spent: 0, held: 0.1 });
  expect(await w.recorder.hold(hold(3))).toMatchObject({ ok: false, held: 0.1 });

  await w.recorder.charge(charge(101, { tenant: 'gamma' }));
  expect(await gammaRow()).toMatchObject({ spent: 0.05, held: 0.05 });
  await w.recorder.releaseHold(hold(2).key);
  await w.recorder.releaseHold(hold(2).key); // idempotent
  expect(await gammaRow()).toMatchObject({ spent: 0.05, held: 0 });
  expect(await w.recorder.hold(hold(3))).toEqual({ ok: true, budgeted: true });
  await w.stop();
});
