/**
 * What a routed task cost, for the task view's `properties.cost`: the owner (upstream, mode) from the
 * job memo, the price and refunds from the cost ledger, read for every task of a page in ONE query with a short
 * deadline. A job without an owner (one upstream, no routing) costs no read at all; a ledger that does not answer
 * in time leaves the price out rather than holding the read path.
 */
import type { MjCostClient } from '../../client/cost';
import type { TaskOwner } from '../../shared/upstreams/types';
import type { ChargeRecord } from '../../workflows/ledger/messages';
import type { JobView } from './gateway-memo';
import { jobWorkflowId } from '../../tenancy/task-id';

export interface TaskCost {
  upstreamId: string;
  mode: string;
  /** Sum of the prices charged for the task (absent while the ledger has none or did not answer). */
  price?: number;
  currency?: string;
  /** Sum refunded (a gateway-timeout refund); 0 when none. */
  refunded?: number;
}

/** The owner a routed job's memo records (JobMemo.owner). */
export function ownerOf(view: JobView): TaskOwner | undefined {
  const owner = (view.job as { owner?: TaskOwner } | undefined)?.owner;
  return owner && typeof owner.upstreamId === 'string' ? owner : undefined;
}

/** Folds a job's charges into its cost. */
export function costOf(owner: TaskOwner, charges: ChargeRecord[]): TaskCost {
  const cost: TaskCost = { upstreamId: owner.upstreamId, mode: owner.mode };
  if (charges.length === 0) return cost;
  const micros = (n: number) => Math.round(n * 1e6);
  const price = charges.reduce((s, c) => s + micros(c.price), 0);
  const refunded = charges.filter((c) => c.refund).reduce((s, c) => s + micros(c.price), 0);
  return { ...cost, price: price / 1e6, currency: charges[charges.length - 1]!.currency, refunded: refunded / 1e6 };
}

/** Costs of the routed tasks among `views`, by task id. */
export async function taskCosts(
  cost: Pick<MjCostClient, 'chargesOf'>,
  views: JobView[],
  onError?: (err: unknown) => void,
  deadlineMs = 1500
): Promise<Map<string, TaskCost>> {
  const routed = views.flatMap((v) => {
    const owner = ownerOf(v);
    return owner ? [{ view: v, owner, workflowId: jobWorkflowId(v.gateway.tenant, v.gateway.taskId) }] : [];
  });
  const out = new Map<string, TaskCost>();
  if (routed.length === 0) return out;
  let charges: ChargeRecord[] = [];
  try {
    charges = await cost.chargesOf(
      routed.map((r) => r.workflowId),
      { deadlineMs }
    );
  } catch (err) {
    onError?.(err);
  }
  for (const r of routed) {
    out.set(
      r.view.gateway.taskId,
      costOf(
        r.owner,
        charges.filter((c) => c.jobId === r.workflowId)
      )
    );
  }
  return out;
}
