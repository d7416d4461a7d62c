/**
 * The worker's {@link LedgerRecorder} over the cost ledger workflow (`mj-cost-ledger`), with a Temporal `Client`
 * that uses the worker's data converter. Charges and refunds are updates-with-start (the ledger is created on first
 * use and the caller learns the record is durable); `authorize` is a query, after making sure once per process that
 * the ledger runs and holds the configured budgets (`MJ_BUDGETS`; unset, the ledger keeps the ones it has).
 *
 * `hold` keeps unbudgeted jobs free: it asks the query first and sends the `holdBudget` update only when the query
 * says a budget applies (`budgeted`) and would pass; a refusal by the query is final (holds only ever add to what
 * it counted). `releaseHold` likewise asks `hold` first, so releasing nothing writes nothing.
 *
 * No retries here (Temporal retries the calling activity); a record refused by the ledger's validator becomes a
 * {@link LedgerRejectedError} with its field and rule.
 */
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { TASK_QUEUE } from '../shared/constants';
import { readRejection } from '../shared/rejection';
import type {
  BudgetHold,
  BudgetVerdict,
  Charge,
  CostTags,
  LedgerRecorder,
  Refund,
  SpendObserver,
} from '../shared/upstreams/types';
import {
  authorizeQuery,
  holdBudgetUpdate,
  holdQuery,
  releaseHoldUpdate,
  COST_LEDGER_WORKFLOW_ID,
  COST_LEDGER_WORKFLOW_TYPE,
  recordChargeUpdate,
  recordRefundUpdate,
  setBudgetsUpdate,
  type BudgetsConfig,
  type CostLedgerInput,
} from '../workflows/ledger/messages';
import { LedgerRejectedError } from './errors';

export interface LedgerRecorderOptions {
  /** A client with the worker's data converter (payload codec). */
  client: Client;
  /** Task queue the ledger runs on when a call starts it. @default TASK_QUEUE */
  taskQueue?: string;
  /** `config.budgets`: given to a new ledger and set once per process on a running one. Unset: left as they are. */
  budgets?: BudgetsConfig;
  /** Counts recorded charges and refunds (the worker's Prometheus metrics). */
  metrics?: SpendObserver;
  /** @default Date.now */
  now?: () => number;
}

/** Turns the ledger validator's refusal into a typed error; anything else is rethrown as it is. */
export function ledgerFailure(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError) {
    const d = readRejection(err.cause as { details?: unknown[] });
    if (d) return new LedgerRejectedError(d.field, d.rule);
  }
  return err;
}

export class CostLedgerRecorder implements LedgerRecorder {
  private ensured?: Promise<void>;
  private readonly taskQueue: string;
  private readonly now: () => number;

  constructor(private readonly opts: LedgerRecorderOptions) {
    this.taskQueue = opts.taskQueue ?? TASK_QUEUE;
    this.now = opts.now ?? Date.now;
  }

  async authorize(tags: CostTags, price: number, currency: string): Promise<BudgetVerdict> {
    return this.ask((h) => h.query(authorizeQuery, { tags, price, currency, at: this.now() }));
  }

  async hold(hold: BudgetHold): Promise<BudgetVerdict> {
    const { tenant, pipelineId, batchId } = hold;
    const tags: CostTags = { tenant, pipelineId, batchId };
    const at = this.now();
    const read = await this.ask((h) =>
      h.query(authorizeQuery, { tags, price: hold.price, currency: hold.currency, at, key: hold.key })
    );
    if (!read.ok || !read.budgeted) return read;
    return this.update(holdBudgetUpdate, { ...hold, at });
  }

  async releaseHold(key: string): Promise<void> {
    const held = await this.ask((h) => h.query(holdQuery, { key, at: this.now() }));
    if (held) await this.update(releaseHoldUpdate, { key });
  }

  /** A query of the ledger, after making sure it runs. */
  private async ask<T>(read: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    await this.ensure();
    const handle = this.opts.client.workflow.getHandle(COST_LEDGER_WORKFLOW_ID);
    try {
      return await read(handle);
    } catch (err) {
      // Terminated by an operator since this process made sure of it: start it again, once.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      this.ensured = undefined;
      await this.ensure();
      return read(handle);
    }
  }

  async charge(charge: Charge): Promise<void> {
    await this.ensure();
    const ack = await this.update(recordChargeUpdate, charge);
    if (ack.status === 'recorded') {
      this.opts.metrics?.observeCharge(charge);
      if (ack.refunded) this.opts.metrics?.observeRefund(charge, ack.refundReason ?? 'gateway-timeout');
    }
  }

  async refund(refund: Refund): Promise<void> {
    await this.ensure();
    const ack = await this.update(recordRefundUpdate, refund);
    if (ack.status === 'refunded' && ack.charge) this.opts.metrics?.observeRefund(ack.charge, refund.reason);
  }

  /** Starts the ledger if needed and gives it the configured budgets; once per process (again after a failure). */
  ensure(): Promise<void> {
    this.ensured ??= this.update(setBudgetsUpdate, { budgets: this.opts.budgets?.budgets }).then(
      () => undefined,
      (err: unknown) => {
        this.ensured = undefined;
        throw err;
      }
    );
    return this.ensured;
  }

  private async update<Ret, Arg>(def: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    const input: CostLedgerInput = this.opts.budgets ? { budgets: this.opts.budgets.budgets } : {};
    const startWorkflowOperation = new WithStartWorkflowOperation(COST_LEDGER_WORKFLOW_TYPE, {
      workflowId: COST_LEDGER_WORKFLOW_ID,
      taskQueue: this.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      return await this.opts.client.workflow.executeUpdateWithStart(def, { args: [arg], startWorkflowOperation });
    } catch (err) {
      throw ledgerFailure(err);
    }
  }
}

/** The worker's ledger recorder: `ledger: createLedgerRecorder({ client, taskQueue, budgets: config.budgets })`. */
export function createLedgerRecorder(opts: LedgerRecorderOptions): CostLedgerRecorder {
  return new CostLedgerRecorder(opts);
}
