/**
 * Typed errors of the ledger's callers (recorder, client, gateway), each with a stable `code` and the structured
 * details of the rule, never a message to parse.
 */
import type { BudgetVerdict } from '../shared/upstreams/types';

/** The ledger refused a record or budgets (its update validator): `field` and `rule` name what is wrong. */
export class LedgerRejectedError extends Error {
  override readonly name = 'LedgerRejectedError';
  readonly code = 'LEDGER_REJECTED';
  constructor(
    readonly field: string,
    readonly rule: string
  ) {
    super(`cost ledger refused ${field}: ${rule}`);
  }
}

type Refusal = Extract<BudgetVerdict, { ok: false }>;

/** A job's price would pass a budget (a pre-check before anything starts, or the submit's own check). */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  readonly code = 'BUDGET_EXCEEDED';
  readonly field = 'costTags';
  readonly rule = 'budget';
  constructor(readonly verdict: Refusal) {
    super(
      `budget ${verdict.budget} would be passed: ${verdict.spent} of ${verdict.limit} ${verdict.currency} spent, ` +
        `this job costs ${verdict.price} (${verdict.onExceed === 'park' ? 'it would wait' : 'refused'})`
    );
  }
}
