/** A charge as the submit activity records it, for ledger tests: 0.05 USD, FAST imagine of tenant acme, now. */
import type { BudgetHold, Charge } from '../../src/shared/upstreams/types';

export function testCharge(jobId: string, n: number, extra: Partial<Charge> = {}): Charge {
  return {
    key: `${jobId}/submit#${n}`,
    jobId,
    upstreamId: 'sim-a',
    upstreamTaskId: `t${n}`,
    action: 'IMAGINE',
    mode: 'FAST',
    price: 0.05,
    currency: 'USD',
    at: Date.now(),
    tenant: 'acme',
    ...extra,
  };
}

/** A budget hold for `jobId` (a charge before the upstream task exists: no `upstreamTaskId`). */
export function testHold(jobId: string, n: number, extra: Partial<BudgetHold> = {}): BudgetHold {
  const { upstreamTaskId: _notYet, ...hold } = testCharge(jobId, n);
  return { ...hold, ...extra };
}
