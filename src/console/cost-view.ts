/**
 * The console's reads of the cost ledger: a routed job's cost (job page) and a tenant's spend (spend page). Each is
 * bounded by a short deadline so a ledger without a worker never holds a page; a job with no owner (one upstream,
 * no routing) reads nothing.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { MjJobsClient } from '../client';
import { costOf, type TaskCost } from '../gateway/tasks/task-cost';
import { JOB_MEMO_KEY } from '../shared/job-memo';
import type { TaskOwner } from '../shared/upstreams/types';
import type { ConsoleJob, TenantId, TenantSpend } from './backend';

/** Longest wait for the ledger on a page. @unit ms */
export const LEDGER_READ_DEADLINE_MS = 1500;

export function consoleCost(c: TaskCost): ConsoleJob['cost'] {
  if (c.price === undefined || c.currency === undefined) return undefined;
  return { amount: c.price, currency: c.currency, upstreamId: c.upstreamId, mode: c.mode, refunded: c.refunded };
}

/** Where prices are set, as the notes below name it (the upstreams file and the ledger's docs). */
export const PRICES_WHERE = 'each upstream’s "prices" in MJ_UPSTREAMS or MJ_UPSTREAMS_FILE (see docs/ledger.md)';

/** Why a job without an owner has no cost: the ledger charges routed jobs only. */
export const UNROUTED_COST_NOTE =
  'Not recorded: the cost ledger charges only jobs routed over configured upstreams, at their prices. ' +
  `Configure the upstreams and set ${PRICES_WHERE}.`;

/** Why a charged job costs 0: its upstream has no price for its action and mode (an unpriced task is charged 0). */
export function unpricedNote(upstreamId: string, action: string, mode: string): string {
  return (
    `No price is configured on upstream "${upstreamId}" for ${action} in ${mode} mode, so it was charged 0. ` +
    `Set prices.byAction.${action}.${mode} or prices.default.${mode} in ${PRICES_WHERE}.`
  );
}

/**
 * The job's cost when its memo names an owner and the ledger answers in time, with a note saying why whenever the
 * figure is unknown or zero.
 */
export async function withJobCost(
  mj: MjJobsClient,
  info: Pick<WorkflowExecutionInfo, 'memo' | 'workflowId'>,
  job: ConsoleJob
): Promise<ConsoleJob> {
  const owner = (info.memo?.[JOB_MEMO_KEY] as { owner?: TaskOwner } | undefined)?.owner;
  if (!owner || typeof owner.upstreamId !== 'string') {
    return job.kind === 'job' && job.taskId ? { ...job, costNote: UNROUTED_COST_NOTE } : job;
  }
  const charges = await mj.cost.chargesOf([info.workflowId], { deadlineMs: LEDGER_READ_DEADLINE_MS }).catch(() => []);
  const cost = consoleCost(costOf(owner, charges));
  if (!cost)
    return { ...job, costNote: 'Not recorded yet: the ledger holds no charge for this job (or did not answer).' };
  const last = charges[charges.length - 1]!;
  return cost.amount === 0
    ? { ...job, cost, costNote: unpricedNote(owner.upstreamId, last.action, last.mode) }
    : { ...job, cost };
}

/** Start of the UTC day of `now`. */
export function utcDayStart(now: number): number {
  return Date.parse(new Date(now).toISOString().slice(0, 10));
}

/** A tenant's spend, all time and today, with the budgets that count it. */
export async function tenantSpend(mj: MjJobsClient, tenant: TenantId, now = Date.now()): Promise<TenantSpend> {
  return mj.client.withDeadline(now + LEDGER_READ_DEADLINE_MS * 2, async () => {
    const [total, today, budgets] = await Promise.all([
      mj.cost.spend({ tenant }),
      mj.cost.spend({ tenant, since: utcDayStart(now) }),
      mj.cost.budgets(),
    ]);
    return {
      total: total.byCurrency,
      today: today.byCurrency,
      todayComplete: today.complete,
      budgets: budgets.filter((b) => b.scope === 'all' || (b.scope === 'tenant' && b.target === tenant)),
    };
  });
}
