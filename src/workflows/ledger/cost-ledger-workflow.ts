/**
 * `costLedgerWorkflow`: the durable cost ledger (one per namespace, id `mj-cost-ledger`, on the worker's task queue).
 * Every accepted upstream task is charged here by the submit activity, refunds come from the poll, and budgets are
 * checked here before a submit. The rules live in {@link LedgerBook}; this function only wires the
 * messages and continues as new with the totals when history grows.
 *
 * History: about 5 events per charge, refund, hold or release (update accepted/completed and its workflow task);
 * reads are queries. Holds are taken only for tags a budget applies to, so unbudgeted jobs add nothing here.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { LEDGER_CONTINUE_AS_NEW_EVENTS } from '../../shared/defaults';
import { rejection } from '../../shared/rejection';
import { historyIsLong } from '../common/history';
import { budgetListProblems, type BudgetProblem } from './budget-rules';
import { LedgerBook } from './ledger-book';
import {
  authorizeQuery,
  budgetsQuery,
  chargesQuery,
  holdBudgetUpdate,
  holdQuery,
  LEDGER_REJECTION,
  recordChargeUpdate,
  recordRefundUpdate,
  releaseHoldUpdate,
  setBudgetsUpdate,
  spendQuery,
  type CostLedgerInput,
} from './messages';
import { chargeProblem, holdProblem, refundProblem, releaseProblem } from './record-rules';

function reject(p: BudgetProblem | null | undefined): void {
  if (p) throw rejection(LEDGER_REJECTION, `${p.field}: ${p.rule}`, { field: p.field, rule: p.rule });
}

export async function costLedgerWorkflow(input: CostLedgerInput = {}): Promise<void> {
  const book = new LedgerBook(input.budgets, input.carry);

  setHandler(recordChargeUpdate, (c) => book.charge(c), { validator: (c) => reject(chargeProblem(c)) });
  setHandler(recordRefundUpdate, (r) => book.refund(r), { validator: (r) => reject(refundProblem(r)) });
  // Holds: synchronous handlers, so a check and its hold happen in one step, never interleaved with another submit's.
  // Date.now() is workflow time here: expiry replays the same.
  setHandler(holdBudgetUpdate, (h) => book.hold(h, Date.now()), { validator: (h) => reject(holdProblem(h)) });
  setHandler(releaseHoldUpdate, (r) => book.releaseHold(r.key, Date.now()), {
    validator: (r) => reject(releaseProblem(r)),
  });
  setHandler(setBudgetsUpdate, (req) => book.setBudgets(req.budgets), {
    validator: (req) => {
      if (req?.budgets !== undefined) reject(budgetListProblems(req.budgets)[0]);
    },
  });
  setHandler(authorizeQuery, (req) => book.authorize(req));
  setHandler(spendQuery, (filter) => book.spend(filter ?? {}));
  setHandler(chargesQuery, (req) => book.chargesOf(Array.isArray(req?.jobIds) ? req.jobIds.slice(0, 500) : []));
  setHandler(budgetsQuery, ({ at }) => book.budgetStatus(at));
  setHandler(holdQuery, ({ key, at }) => book.holdOf(key, at));

  const limit = input.continueAsNewAfterEvents ?? LEDGER_CONTINUE_AS_NEW_EVENTS;
  await condition(() => historyIsLong(limit));
  await condition(allHandlersFinished);
  await continueAsNew<typeof costLedgerWorkflow>({
    continueAsNewAfterEvents: input.continueAsNewAfterEvents,
    carry: book.toCarry(Date.now()),
  });
}
