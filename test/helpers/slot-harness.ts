/**
 * Shared setup of the slot integration tests: a worker on a fresh task queue with the real slot activities (their
 * `Client` built on the worker's NativeConnection, as `src/worker.ts` does), and small helpers around it.
 */
import { randomUUID } from 'node:crypto';
import { eventually, satisfying } from './eventually';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createSlotActivities } from '../../src/activities/slots';
import type { SlotLimits } from '../../src/shared/types';
import {
  getSlotsQuery,
  slotManagerId,
  type SlotManagerInput,
  type SlotsSnapshot,
} from '../../src/workflows/slots/messages';
import {
  fakeHolderWorkflow,
  holderPhaseQuery,
  slotManagerWorkflow,
  type FakeHolderInput,
  type HoldRecord,
} from './slot-test-workflows';

export type HolderHandle = WorkflowHandle<typeof fakeHolderWorkflow>;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export interface SlotHarness {
  taskQueue: string;
  startManager(account: string, limits: SlotLimits, extra?: Partial<SlotManagerInput>): Promise<void>;
  startHolder(
    account: string,
    name: string,
    limits: SlotLimits,
    extra?: Partial<FakeHolderInput>
  ): Promise<HolderHandle>;
  slots(account: string): Promise<SlotsSnapshot>;
  phase(h: HolderHandle): Promise<string>;
  /** Polls the manager until it holds nothing and has granted `granted` slots in all. */
  settled(account: string, granted?: number): Promise<SlotsSnapshot>;
  close(): Promise<void>;
}

export async function startSlotHarness(env: TestWorkflowEnvironment): Promise<SlotHarness> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('./slot-test-workflows') });
  const taskQueue = `slots-${randomUUID()}`;
  const client = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundle,
    activities: createSlotActivities({ client }),
  });
  const running = worker.run();
  const slots = (account: string) => env.client.workflow.getHandle(slotManagerId(account, 'FAST')).query(getSlotsQuery);

  return {
    taskQueue,
    async startManager(account, limits, extra = {}) {
      await env.client.workflow.start(slotManagerWorkflow, {
        taskQueue,
        workflowId: slotManagerId(account, 'FAST'),
        args: [{ account, mode: 'FAST', limits, ...extra }],
      });
    },
    startHolder(account, name, limits, extra = {}) {
      return env.client.workflow.start(fakeHolderWorkflow, {
        taskQueue,
        workflowId: `${account}-${name}`,
        args: [{ account, mode: 'FAST', limits, hold: '1s', ...extra }],
      });
    },
    slots,
    phase: (h) => h.query(holderPhaseQuery),
    settled: (account, granted) =>
      eventually(
        satisfying(
          () => slots(account),
          (s) =>
            s.holders.length === 0 && s.waiting.length === 0 && (granted === undefined || s.totals.granted === granted)
        ),
        `the manager of ${account} to hold nothing`
      ),
    async close() {
      worker.shutdown();
      await running;
    },
  };
}

/** Most holders inside their slot at once, from the holders' own records (a release sorts before a grant at a tie). */
export function peak(records: HoldRecord[]): number {
  const edges = records.flatMap((r) => [
    { at: r.grantedAt, d: 1 },
    { at: r.releasedAt, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

export function newAccount(): string {
  return `acct-${randomUUID().slice(0, 8)}`;
}

/** Results one after another: the time-skipping server miscounts its time lock when several are awaited at once. */
export async function resultsInOrder(handles: HolderHandle[]): Promise<HoldRecord[]> {
  const out: HoldRecord[] = [];
  for (const h of handles) out.push(await h.result());
  return out;
}
