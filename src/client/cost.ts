/**
 * `client.cost`: spend, budgets and per-job charges from the cost ledger (`mj-cost-ledger`). Reads are queries; a
 * namespace whose ledger never started (no routed job yet) reads as empty. `setBudgets` is an update-with-start and
 * needs a running worker. Input is checked before anything reaches the server (`MjInputError` with field and rule).
 */
import { WorkflowNotFoundError, WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { BudgetExceededError } from '../ledger/errors';
import { ledgerFailure } from '../ledger/ledger-recorder';
import { MjInputError } from '../mj/errors';
import { isSpeedMode, SPEED_MODE_LIST } from '../mj/terms/speed-modes';
import type { BudgetVerdict, CostTags } from '../shared/upstreams/types';
import { budgetListProblems } from '../workflows/ledger/budget-rules';
import {
  authorizeQuery,
  budgetsQuery,
  chargesQuery,
  COST_LEDGER_WORKFLOW_ID,
  COST_LEDGER_WORKFLOW_TYPE,
  DEFAULT_CURRENCY,
  setBudgetsUpdate,
  spendQuery,
  type Budget,
  type BudgetStatus,
  type ChargeRecord,
  type CostLedgerInput,
  type SpendFilter,
  type SpendReport,
} from '../workflows/ledger/messages';
import { resolveJobId } from './job-ids';

const MAX_JOB_IDS = 500;
const FILTER_STRINGS = ['tenant', 'batchId', 'pipelineId', 'jobId', 'upstreamId'] as const;

function checkFilter(f: SpendFilter): void {
  for (const k of FILTER_STRINGS) {
    const v = f[k];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 500)) {
      throw new MjInputError(k, 'must be a string of 1-500 characters', 'cost');
    }
  }
  if (f.mode !== undefined && !isSpeedMode(f.mode)) {
    throw new MjInputError('mode', `must be one of ${SPEED_MODE_LIST}`, 'cost');
  }
  if (f.since !== undefined && (!Number.isFinite(f.since) || f.since < 0)) {
    throw new MjInputError('since', 'must be epoch milliseconds', 'cost');
  }
}

export class MjCostClient {
  /** `taskQueue`: the worker's, where the ledger runs when `setBudgets` starts it. */
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string
  ) {}

  /** Spend per currency matching the filter (fields combine with AND). @example await mj.cost.spend({ tenant: 'acme' }) */
  async spend(filter: SpendFilter = {}): Promise<SpendReport> {
    checkFilter(filter);
    const empty: SpendReport = { filter, byCurrency: {}, source: 'totals', complete: true, generation: 0 };
    return this.read(() => this.handle().query(spendQuery, filter), empty);
  }

  /** Budgets in force with their spend in the current period. `deadlineMs`: see {@link chargesOf}. */
  async budgets(opts: { deadlineMs?: number } = {}): Promise<BudgetStatus[]> {
    const ask = () => this.read(() => this.handle().query(budgetsQuery, { at: Date.now() }), []);
    return opts.deadlineMs === undefined ? ask() : this.client.withDeadline(Date.now() + opts.deadlineMs, ask);
  }

  /** Replaces every budget (an empty list removes them). A worker configured with `MJ_BUDGETS` sets its own at start. */
  async setBudgets(budgets: Budget[]): Promise<Budget[]> {
    const problem = budgetListProblems(budgets)[0];
    if (problem) throw new MjInputError(problem.field, problem.rule, 'setBudgets');
    const input: CostLedgerInput = { budgets };
    try {
      return await this.client.workflow.executeUpdateWithStart(setBudgetsUpdate, {
        args: [{ budgets }],
        startWorkflowOperation: new WithStartWorkflowOperation(COST_LEDGER_WORKFLOW_TYPE, {
          workflowId: COST_LEDGER_WORKFLOW_ID,
          taskQueue: this.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    } catch (err) {
      throw ledgerFailure(err);
    }
  }

  /** The charges of a job (its workflow id or your key), oldest first; with their refunds. */
  async charges(jobId: string): Promise<ChargeRecord[]> {
    if (typeof jobId !== 'string' || jobId.length === 0) throw new MjInputError('jobId', 'is required', 'charges');
    const direct = await this.chargesOf([jobId]);
    if (direct.length > 0) return direct;
    const workflowId = await resolveJobId(this.client, jobId).catch(() => jobId);
    return workflowId === jobId ? direct : this.chargesOf([workflowId]);
  }

  /**
   * The charges of several jobs (workflow ids) in one query, for pages and the gateway's task views. With
   * `deadlineMs`, a ledger that does not answer in time (no worker) rejects instead of holding the page.
   */
  async chargesOf(jobIds: string[], opts: { deadlineMs?: number } = {}): Promise<ChargeRecord[]> {
    if (jobIds.length === 0) return [];
    if (jobIds.length > MAX_JOB_IDS)
      throw new MjInputError('jobIds', `must hold at most ${MAX_JOB_IDS} ids`, 'charges');
    const ask = () => this.read(() => this.handle().query(chargesQuery, { jobIds }), []);
    return opts.deadlineMs === undefined ? ask() : this.client.withDeadline(Date.now() + opts.deadlineMs, ask);
  }

  /**
   * Would a job of these tags at this price pass every budget? The same check the submit makes, so a caller can
   * refuse before starting anything. @returns the ledger's verdict (`{ ok: true }` when no ledger runs yet)
   */
  async wouldPass(tags: CostTags, price: number, currency = DEFAULT_CURRENCY): Promise<BudgetVerdict> {
    if (!Number.isFinite(price) || price < 0) throw new MjInputError('price', 'must be a number >= 0', 'wouldPass');
    return this.read(() => this.handle().query(authorizeQuery, { tags, price, currency, at: Date.now() }), {
      ok: true,
    } as BudgetVerdict);
  }

  /** Like {@link wouldPass} but throws {@link BudgetExceededError} for a budget that refuses (parking ones pass). */
  async checkBudget(tags: CostTags, price: number, currency = DEFAULT_CURRENCY): Promise<void> {
    const verdict = await this.wouldPass(tags, price, currency);
    if (!verdict.ok && verdict.onExceed === 'refuse') throw new BudgetExceededError(verdict);
  }

  private handle() {
    return this.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID);
  }

  private async read<T>(ask: () => Promise<T>, absent: T): Promise<T> {
    try {
      return await ask();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return absent;
      throw err;
    }
  }
}
