/**
 * The gateway's budget pre-check: a submit of a tenant whose refusing budget is already used up is
 * answered with code 4 and a description naming the budget, before any workflow starts. The gateway does not know
 * which upstream (and so which price) routing will pick, so it refuses only a budget with nothing left; the submit
 * activity checks the exact price again and fails the job `BudgetExceeded` when it would pass the limit.
 *
 * Only `spent` counts here, not `held`: a hold may still be released (its submit refused upstream), so a budget full
 * of holds is not "used up", and the submit's own hold refuses exactly whatever this pre-check lets through.
 *
 * The budgets are read from the ledger with one query, kept a second (a burst of submits asks once), and a ledger
 * that does not answer in time lets the submit through: the submit's own check still holds.
 */
import type { MjCostClient } from '../../client/cost';
import type { BudgetStatus } from '../../workflows/ledger/messages';
import { GatewayError } from '../errors';

export interface BudgetGuardOptions {
  /** How long the budgets read stays fresh. @unit ms @default 1000 */
  cacheMs?: number;
  /** Longest wait for the ledger. @unit ms @default 2000 */
  deadlineMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

/** The refusing budget of `tenant` with nothing left, if any. */
export function exhaustedBudget(rows: BudgetStatus[], tenant: string): BudgetStatus | undefined {
  return rows.find(
    (b) =>
      b.onExceed === 'refuse' &&
      (b.scope === 'all' || (b.scope === 'tenant' && b.target === tenant)) &&
      b.spent >= b.limit
  );
}

export function budgetRefusal(b: BudgetStatus): GatewayError {
  return new GatewayError(
    400,
    4,
    `budget ${b.name} is used up: ${b.spent} of ${b.limit} ${b.currency} spent (${b.window}); nothing was started`,
    {
      field: 'budget',
      rule: 'budget-exceeded',
      properties: { budget: b.name, limit: b.limit, spent: b.spent, currency: b.currency, window: b.window },
    }
  );
}

export class BudgetGuard {
  private cached?: { at: number; rows: Promise<BudgetStatus[]> };

  constructor(
    private readonly cost: Pick<MjCostClient, 'budgets'>,
    private readonly opts: BudgetGuardOptions = {}
  ) {}

  /** @throws GatewayError (code 4, rule `budget-exceeded`) when a refusing budget of the tenant is used up */
  async check(tenant: string): Promise<void> {
    const rows = await this.rows().catch((err: unknown) => {
      this.opts.onError?.(err);
      return [] as BudgetStatus[];
    });
    const hit = exhaustedBudget(rows, tenant);
    if (hit) throw budgetRefusal(hit);
  }

  private rows(): Promise<BudgetStatus[]> {
    const now = (this.opts.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.opts.cacheMs ?? 1000)) return this.cached.rows;
    const rows = this.cost.budgets({ deadlineMs: this.opts.deadlineMs ?? 2000 });
    this.cached = { at: now, rows };
    // A failed read is not kept: the next submit asks again.
    rows.catch(() => {
      if (this.cached?.rows === rows) this.cached = undefined;
    });
    return rows;
  }
}
