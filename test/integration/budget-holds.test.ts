/**
 * Budgets are exact under concurrency (cost ledger): a real dev server, two simulators on loopback, the
 * real pool, the real ledger and the real routed submit. A refusing budget with room for exactly K jobs, 3K jobs of
 * that tenant started at once: exactly K reach an upstream (the simulators' own submit counts), the others fail
 * `BudgetExceeded`, spend ends at the limit and nothing stays held. Before holds (a query, then the charge after
 * acceptance) the jobs all saw room at once and the upstreams accepted more than K.
 *
 * A job of a tenant no budget applies to runs beside them and sends the ledger no hold (its history says so).
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { SimulatorOptions } from '../../src/simulator';
import { JOB_FAILURE } from '../../src/shared/failure-types';
import { makeStateKey } from '../../src/shared/state-key';
import type { JobInput, JobResult } from '../../src/shared/types';
import type { BudgetHold, UpstreamView } from '../../src/shared/upstreams/types';
import {
  budgetsQuery,
  COST_LEDGER_WORKFLOW_ID,
  spendQuery,
  type BudgetsConfig,
} from '../../src/workflows/ledger/messages';
import { uniqueId } from '../helpers/job-env';
import { startUpstreamLane, type UpstreamLane } from '../helpers/upstream-lane';

jest.setTimeout(240_000);

const SIM: SimulatorOptions = { durations: { FAST: { queueMs: 300, runMs: 1_500 } }, seed: 13 };
const PRICE = 0.1;
const K = 3;
/** K × PRICE, written out: 3 * 0.1 is 0.30000000000000004 in floating point. */
const LIMIT = 0.3;
const BUDGETS: BudgetsConfig = {
  budgets: [{ scope: 'tenant', id: 'acme', limit: LIMIT, period: 'day', onExceed: 'refuse' }],
};

// Enough concurrency that the pool lets every job submit at once: only the budget may stop them.
const view = (id: string): UpstreamView => ({
  id,
  flavour: 'trueai',
  priority: 0,
  weight: 1,
  features: [],
  modes: { FAST: { concurrency: 20 } },
  prices: { currency: 'USD', default: { FAST: PRICE } },
});

let lane: UpstreamLane;
beforeAll(async () => {
  lane = await startUpstreamLane(
    'budget-holds',
    [
      { view: view('a'), sim: SIM },
      { view: view('b'), sim: SIM },
    ],
    { rule: 'round-robin', modePreference: ['FAST'] },
    { budgets: BUDGETS }
  );
}, 120_000);
afterAll(() => lane?.close());

function startJob(n: number, tenant: string): Promise<WorkflowHandle> {
  const input: JobInput = {
    request: { kind: 'imagine', prompt: `fox ${n}` },
    policy: { initialInterval: '500ms', maxInterval: '1s' },
    captureImages: false,
    modes: ['FAST'],
    costTags: { tenant },
  };
  return lane.env.client.workflow.start('mjJobWorkflow', {
    taskQueue: lane.taskQueue,
    workflowId: uniqueId(`mj-job-hold-${tenant}`),
    args: [input],
  });
}

/** The keys of every `holdBudget` update the ledger accepted (its history). */
async function holdKeys(): Promise<string[]> {
  const history = await lane.env.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const req = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (req?.name !== 'holdBudget') return [];
    const [arg] = (req.args?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload<BudgetHold>(p));
    return arg ? [arg.key] : [];
  });
}

test(`${3 * K} jobs at once against a budget with room for ${K}: exactly ${K} reach an upstream`, async () => {
  const acme = await Promise.all(Array.from({ length: 3 * K }, (_, n) => startJob(n, 'acme')));
  const beta = await startJob(99, 'beta');
  const settled = await Promise.allSettled(acme.map((h) => h.result() as Promise<JobResult>));

  const done = settled.filter((s) => s.status === 'fulfilled');
  const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  for (const err of refused) {
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(JOB_FAILURE.budgetExceeded);
  }
  // Beta's submit may or may not be in yet: count the acme jobs' own submits by their state keys.
  const byState = lane.submitsByState();
  const acmeSubmits = acme.reduce((sum, h) => sum + (byState.get(makeStateKey(h.workflowId, 0)) ?? 0), 0);
  expect({ done: done.length, refused: refused.length, acmeSubmits }).toEqual({
    done: K,
    refused: 2 * K,
    acmeSubmits: K,
  });

  expect((await beta.result()) as JobResult).toMatchObject({ task: { status: 'SUCCESS' } });
  // The simulators' own counts: K acme tasks and beta's, nothing else.
  expect(lane.accepted('a') + lane.accepted('b')).toBe(K + 1);

  const ledger = lane.env.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID);
  const spend = await ledger.query(spendQuery, { tenant: 'acme' });
  expect(spend.byCurrency.USD).toMatchObject({ net: LIMIT, charges: K });
  expect(spend.byCurrency.USD!.net).toBeLessThanOrEqual(LIMIT);
  expect(spend).not.toHaveProperty('held');
  expect(await ledger.query(budgetsQuery, { at: Date.now() })).toMatchObject([
    { name: 'tenant:acme/day', spent: LIMIT, held: 0 },
  ]);

  // Only budgeted jobs asked for a hold (each at most once here); the unbudgeted one only its charge.
  const keys = await holdKeys();
  const acmeKeys = new Set(acme.map((h) => makeStateKey(h.workflowId, 0)));
  expect(keys.length).toBeGreaterThanOrEqual(K);
  for (const key of keys) expect(acmeKeys.has(key)).toBe(true);
  expect(keys).not.toContain(makeStateKey(beta.workflowId, 0));
});
