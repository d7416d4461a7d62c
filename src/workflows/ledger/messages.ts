/**
 * Messages of the cost ledger (`costLedgerWorkflow`, one per namespace, id {@link COST_LEDGER_WORKFLOW_ID}) and their
 * payload types. Workflow-safe; the ledger recorder (worker), the client and the gateway import this module, never
 * the workflow.
 *
 * Charges and refunds are UPDATES, not signals: the submit activity learns that its charge is durably recorded (or
 * was a duplicate, so metrics count it once) before it completes, a malformed charge is refused by the validator
 * with a typed error instead of entering the state, and update-with-start creates the ledger on first use. Reads
 * (`authorize`, `spend`, `charges`, `budgets`, `hold`) are queries: they write no history.
 *
 * Budgets are exact under concurrency through HOLDS: `holdBudget` checks a price against spend plus the holds of
 * other submits and, when it passes, holds it in the same update (updates run one at a time, so two submits cannot
 * both take the last room). The charge of the same key turns the hold into spend; `releaseHold` gives it back when
 * the submit is known not accepted; a hold nobody resolves expires (`LedgerLimits.holdTtlMs`).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BudgetHold, BudgetVerdict, Charge, CostTags, Refund } from '../../shared/upstreams/types';
import type { SpeedMode } from '../../mj/types';

/** One ledger per namespace: every worker, gateway and CLI finds it by this id. */
export const COST_LEDGER_WORKFLOW_ID = 'mj-cost-ledger';
/** Workflow type name, for starts by name (update-with-start from an activity or the client). */
export const COST_LEDGER_WORKFLOW_TYPE = 'costLedgerWorkflow';

/** `ApplicationFailure.type` of a rejected ledger update (details: `{ field, rule }`). */
export const LEDGER_REJECTION = 'LedgerRequestRejected';

/** Budget scopes (one list): which cost tag a budget counts. `all` counts every charge. */
export const BUDGET_SCOPES = ['tenant', 'batch', 'pipeline', 'all'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** Budget periods (one list), in UTC: the current day, the current month, or the ledger's whole life. */
export const BUDGET_PERIODS = ['day', 'month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** What happens to a job whose price would pass the budget (one list). */
export const BUDGET_ACTIONS = ['refuse', 'park'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

/** Currency of a budget or price that names none. */
export const DEFAULT_CURRENCY = 'USD';

/** One budget. */
export interface Budget {
  scope: BudgetScope;
  /** The tenant, batch or pipeline id. Absent with scope tenant/batch/pipeline: applies to each one separately. */
  id?: string;
  /** Most that may be spent in the period, net of refunds. Unit: `currency`. */
  limit: number;
  /** Only charges in this currency count. @default 'USD' */
  currency?: string;
  period: BudgetPeriod;
  onExceed: BudgetAction;
}

export interface BudgetsConfig {
  budgets: Budget[];
}

/** Totals of a set of charges in one currency. Amounts in the currency's units (rounded to 1e-6). */
export interface SpendTotals {
  /** Sum of the prices charged. */
  charged: number;
  /** Sum of the prices refunded. */
  refunded: number;
  /** `charged - refunded`: what budgets count. */
  net: number;
  charges: number;
  refunds: number;
}

/** Filter of {@link spendQuery}; fields combine with AND. */
export interface SpendFilter {
  tenant?: string;
  batchId?: string;
  pipelineId?: string;
  jobId?: string;
  upstreamId?: string;
  mode?: SpeedMode;
  /** Only charges accepted at or after this time (epoch ms). */
  since?: number;
}

export interface SpendReport {
  filter: SpendFilter;
  /** Per currency. Empty when nothing matched. */
  byCurrency: Record<string, SpendTotals>;
  /**
   * `totals`: from the running totals (no filter or one tag, no `since`): exact over the ledger's life.
   * `detail`: from the per-charge detail the ledger keeps (recent charges only; see `complete`).
   */
  source: 'totals' | 'detail';
  /** False when detail older than the filter's start was folded into totals, so the figure may be short. */
  complete: boolean;
  /** Continue-as-new count of the ledger. */
  generation: number;
  /**
   * Per currency, what submits matching the filter hold now (not in `byCurrency`: not spent yet). Absent when
   * nothing is held. Holds know tenant, pipeline, batch, job, upstream and mode, not `since`.
   */
  held?: Record<string, number>;
}

/** A charge as the ledger keeps it: with its refund once one arrived. */
export interface ChargeRecord extends Charge {
  refund?: { reason: Refund['reason']; at: number };
}

/** A budget with what its period has spent so far (for one id when the budget has none: every id seen). */
export interface BudgetStatus extends Budget {
  /** `scope:id/period`, as refusals name it. */
  name: string;
  /** The tenant, batch or pipeline the figure is for (`*` for scope `all`). */
  target: string;
  currency: string;
  spent: number;
  /**
   * Held now by submits under way (checked and sent or being sent, not charged yet); a new job must fit in
   * `limit - spent - held`. Transient: each hold becomes spend, is released, or expires. Absent from a ledger that
   * predates holds.
   */
  held?: number;
  /** The period the figure is for: `YYYY-MM-DD`, `YYYY-MM` or `total`. */
  window: string;
}

/** A hold as the ledger keeps it (see {@link holdBudgetUpdate}). */
export interface HoldRecord extends BudgetHold {
  /** Workflow time after which the hold no longer counts and is dropped. Epoch ms. */
  expiresAt: number;
}

export interface ReleaseAck {
  /** `absent`: no hold with this key (never taken, charged, released before or expired); nothing changed. */
  status: 'released' | 'absent';
}

export interface ChargeAck {
  /** `duplicate`: a charge with this key was recorded before; nothing changed. */
  status: 'recorded' | 'duplicate';
  /** A refund that arrived before the charge was applied to it now. */
  refunded: boolean;
  /** That refund's reason. */
  refundReason?: Refund['reason'];
}

export interface RefundAck {
  /** `pending`: no charge with this key yet; applied when it arrives (kept about two days). */
  status: 'refunded' | 'duplicate' | 'pending';
  /** The refunded charge (absent while pending), for metrics. */
  charge?: Pick<Charge, 'price' | 'currency' | 'upstreamId' | 'mode' | 'tenant'>;
}

/** Argument of {@link setBudgetsUpdate}: `budgets` replaces them all; absent, they stay (ensure-started only). */
export interface SetBudgetsRequest {
  budgets?: Budget[];
}

/** Argument of {@link authorizeQuery}. `at` is the caller's clock: a query sees the time of the last task only. */
export interface AuthorizeRequest {
  tags: CostTags;
  price: number;
  currency: string;
  at: number;
  /** The submit's charge key: its own hold (a resubmit under the same key) does not count against it. */
  key?: string;
}

/** What survives a continue-as-new (see `LedgerBook.toCarry`). */
export interface LedgerCarry {
  budgets: Budget[];
  charges: ChargeRecord[];
  pendingRefunds: Refund[];
  /** Running totals: `JSON.stringify([dim, id, currency])` → totals in micro-units. */
  days: Record<string, Record<string, MicroTotals>>;
  months: Record<string, Record<string, MicroTotals>>;
  total: Record<string, MicroTotals>;
  /** Latest `at` of a charge folded out of the detail; spend from detail before it is incomplete. */
  foldedThrough?: number;
  /** Active holds. Absent in a carry written before holds existed (and when there are none). */
  holds?: HoldRecord[];
  stats: LedgerStats;
  generation: number;
}

/** Totals in integer micro-units (1e-6 of the currency), so sums never drift. */
export interface MicroTotals {
  charged: number;
  refunded: number;
  charges: number;
  refunds: number;
}

export interface LedgerStats {
  charges: number;
  duplicateCharges: number;
  refunds: number;
  duplicateRefunds: number;
  /** Refunds whose charge never arrived within the pending window. */
  droppedRefunds: number;
  /** Holds dropped by expiry (neither charged nor released in time: a lost worker, a job that gave up). */
  expiredHolds?: number;
}

export interface CostLedgerInput {
  /** Budgets of a fresh ledger (a running ledger keeps its own until `setBudgets`). */
  budgets?: Budget[];
  /** @default LEDGER_CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents?: number;
  /** Internal: state carried across continue-as-new. */
  carry?: LedgerCarry;
}

/** Records an accepted upstream task; idempotent by `key`. */
export const recordChargeUpdate = defineUpdate<ChargeAck, [Charge]>('recordCharge');
/** Records a refund of a charge (by its key); idempotent; early refunds wait for their charge. */
export const recordRefundUpdate = defineUpdate<RefundAck, [Refund]>('recordRefund');
/** Replaces the budgets (operators, the worker's `MJ_BUDGETS`); answers the budgets now in force. */
export const setBudgetsUpdate = defineUpdate<Budget[], [SetBudgetsRequest]>('setBudgets');

/**
 * Checks a price against spend plus holds and, when it passes a budget that applies, holds it (idempotent by key:
 * the same key answers ok again and holds once). A refusal holds nothing. The submit calls it only when
 * {@link authorizeQuery} said `budgeted`, so unbudgeted jobs write nothing here.
 */
export const holdBudgetUpdate = defineUpdate<BudgetVerdict, [BudgetHold]>('holdBudget');
/** Gives back the hold of a submit known not accepted; idempotent. */
export const releaseHoldUpdate = defineUpdate<ReleaseAck, [{ key: string }]>('releaseHold');

/** Would this price pass a budget of these tags (spend plus holds of other keys)? `budgeted`: a hold is needed. */
export const authorizeQuery = defineQuery<BudgetVerdict, [AuthorizeRequest]>('authorize');
export const spendQuery = defineQuery<SpendReport, [SpendFilter]>('spend');
/** The charges of these jobs (at most 500 ids) the ledger still keeps in detail, oldest first. */
export const chargesQuery = defineQuery<ChargeRecord[], [{ jobIds: string[] }]>('charges');
/** Budgets with their spend in the current period (`at`: the caller's clock). */
export const budgetsQuery = defineQuery<BudgetStatus[], [{ at: number }]>('budgets');
/** The active hold of this key, or null (so a release of nothing writes no history). `at`: the caller's clock. */
export const holdQuery = defineQuery<HoldRecord | null, [{ key: string; at: number }]>('hold');
