/**
 * Workflows for the slot integration tests: the real manager plus fake holders that hold a slot for a while and
 * report when they held it (workflow time). Not a test file itself; bundled by `test/integration/slots.test.ts`.
 */
import { continueAsNew, defineQuery, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { SpeedMode } from '../../src/mj/types';
import type { Duration } from '../../src/shared/duration';
import type { SlotLimits } from '../../src/shared/types';
import { reportSlotBackPressure, withAccountSlot } from '../../src/workflows/slots/account-slot';

export { slotManagerWorkflow } from '../../src/workflows/slots/slot-manager-workflow';

export interface FakeHolderInput {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  /** Time spent inside the slot. */
  hold: Duration;
  /** Continue as new once, this long into the hold, and hold the rest in the next run. */
  continueAsNewAfter?: Duration;
  /** Report back-pressure to the manager right after the grant. */
  reportBackPressureMs?: number;
  /** Internal: set by the continued run. */
  carried?: { grantedAt: number; heldMs: number };
}

export interface HoldRecord {
  workflowId: string;
  /** Holder workflow time when the grant arrived, and when the hold ended. */
  grantedAt: number;
  releasedAt: number;
  /** Manager workflow time of the grant. */
  managerGrantedAt: number;
  runs: number;
}

export const holderPhaseQuery = defineQuery<'waiting' | 'holding' | 'done'>('holderPhase');

function ms(d: Duration): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
}

export async function fakeHolderWorkflow(input: FakeHolderInput): Promise<HoldRecord> {
  let phase: 'waiting' | 'holding' | 'done' = 'waiting';
  setHandler(holderPhaseQuery, () => phase);
  const carried = input.carried;
  const record = await withAccountSlot(
    { account: input.account, mode: input.mode, limits: input.limits, resume: carried !== undefined },
    async (slot) => {
      phase = 'holding';
      const grantedAt = carried?.grantedAt ?? Date.now();
      if (input.reportBackPressureMs !== undefined) await reportSlotBackPressure(input, input.reportBackPressureMs);
      const total = ms(input.hold);
      if (input.continueAsNewAfter && !carried) {
        const first = ms(input.continueAsNewAfter);
        await sleep(first);
        await continueAsNew<typeof fakeHolderWorkflow>({ ...input, carried: { grantedAt, heldMs: first } });
      }
      await sleep(total - (carried?.heldMs ?? 0));
      const releasedAt = Date.now();
      return {
        workflowId: workflowInfo().workflowId,
        grantedAt,
        releasedAt,
        managerGrantedAt: slot.grantedAt,
        runs: carried ? 2 : 1,
      };
    }
  );
  phase = 'done';
  return record;
}
