/**
 * The validation rule of charges, refunds and budget holds sent to the ledger (the update validators): a malformed
 * record is refused with the field and rule, and never enters the totals. Workflow-safe.
 */
import { PRICED_ACTIONS, type BudgetHold, type Charge, type Refund } from '../../shared/upstreams/types';
import { SPEED_MODES } from '../../mj/terms/speed-modes';
import type { BudgetProblem } from './budget-rules';

const MAX_ID = 500;
const REFUND_REASONS: readonly Refund['reason'][] = ['gateway-timeout', 'operator'];

function idProblem(v: unknown, field: string, optional = false): BudgetProblem | null {
  if (v === undefined && optional) return null;
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
    ? null
    : { field, rule: `must be a string of 1-${MAX_ID} characters` };
}

function timeProblem(v: unknown, field: string): BudgetProblem | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : { field, rule: 'must be epoch milliseconds' };
}

/** Why a charge is unusable, or null. */
export function chargeProblem(c: Charge | undefined): BudgetProblem | null {
  if (!c || typeof c !== 'object') return { field: 'charge', rule: 'must be an object' };
  return recordProblem(c, true);
}

/** Why a budget hold is unusable, or null: a charge without its upstream task id (not known before the submit). */
export function holdProblem(h: BudgetHold | undefined): BudgetProblem | null {
  if (!h || typeof h !== 'object') return { field: 'hold', rule: 'must be an object' };
  return recordProblem(h, false);
}

/** Why a hold release is unusable, or null. */
export function releaseProblem(r: { key?: unknown } | undefined): BudgetProblem | null {
  if (!r || typeof r !== 'object') return { field: 'release', rule: 'must be an object' };
  return idProblem(r.key, 'key');
}

function recordProblem(c: BudgetHold & { upstreamTaskId?: string }, withTask: boolean): BudgetProblem | null {
  return (
    idProblem(c.key, 'key') ??
    idProblem(c.jobId, 'jobId') ??
    idProblem(c.upstreamId, 'upstreamId') ??
    (withTask ? idProblem(c.upstreamTaskId, 'upstreamTaskId') : null) ??
    idProblem(c.tenant, 'tenant', true) ??
    idProblem(c.pipelineId, 'pipelineId', true) ??
    idProblem(c.batchId, 'batchId', true) ??
    (PRICED_ACTIONS.includes(c.action) ? null : { field: 'action', rule: 'must be a priced action' }) ??
    (SPEED_MODES.includes(c.mode) ? null : { field: 'mode', rule: `must be one of ${SPEED_MODES.join(', ')}` }) ??
    (typeof c.price === 'number' && Number.isFinite(c.price) && c.price >= 0
      ? null
      : { field: 'price', rule: 'must be a number >= 0' }) ??
    idProblem(c.currency, 'currency') ??
    timeProblem(c.at, 'at')
  );
}

/** Why a refund is unusable, or null. */
export function refundProblem(r: Refund | undefined): BudgetProblem | null {
  if (!r || typeof r !== 'object') return { field: 'refund', rule: 'must be an object' };
  return (
    idProblem(r.key, 'key') ??
    (REFUND_REASONS.includes(r.reason) ? null : { field: 'reason', rule: 'must be gateway-timeout or operator' }) ??
    timeProblem(r.at, 'at')
  );
}
