/**
 * The one validation rule of budgets, shared by `MJ_BUDGETS` (src/config/budgets.ts) and the ledger's
 * `setBudgets` validator, so a budget the config accepts is one the ledger accepts. Workflow-safe.
 */
import { BUDGET_ACTIONS, BUDGET_PERIODS, BUDGET_SCOPES, DEFAULT_CURRENCY, type Budget } from './messages';

/** One bad field: its path from the root of the document (`budgets[0].limit`) and the rule it broke. */
export interface BudgetProblem {
  field: string;
  rule: string;
}

const ID_MAX = 200;
const CURRENCY_RE = /^[A-Za-z0-9_-]{1,16}$/;
/** More budgets than this is a configuration mistake, and every authorize checks them all. */
export const MAX_BUDGETS = 200;
const KNOWN_FIELDS = new Set(['scope', 'id', 'limit', 'currency', 'period', 'onExceed']);

function oneOf(list: readonly string[]): string {
  return `must be one of ${list.map((v) => `"${v}"`).join(', ')}`;
}

function budgetProblems(b: unknown, at: string): BudgetProblem[] {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return [{ field: at, rule: 'must be an object' }];
  const o = b as Record<string, unknown>;
  const out: BudgetProblem[] = [];
  const bad = (field: string, rule: string) => out.push({ field: `${at}.${field}`, rule });
  if (!BUDGET_SCOPES.includes(o.scope as never)) bad('scope', oneOf(BUDGET_SCOPES));
  if (o.id !== undefined) {
    if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > ID_MAX) {
      bad('id', `must be a string of 1-${ID_MAX} characters`);
    } else if (o.scope === 'all') bad('id', 'must be absent when scope is "all"');
  }
  if (typeof o.limit !== 'number' || !Number.isFinite(o.limit) || o.limit <= 0) bad('limit', 'must be a number > 0');
  if (o.currency !== undefined && (typeof o.currency !== 'string' || !CURRENCY_RE.test(o.currency))) {
    bad('currency', 'must be a currency code of 1-16 letters or digits');
  }
  if (!BUDGET_PERIODS.includes(o.period as never)) bad('period', oneOf(BUDGET_PERIODS));
  if (!BUDGET_ACTIONS.includes(o.onExceed as never)) bad('onExceed', oneOf(BUDGET_ACTIONS));
  for (const k of Object.keys(o)) if (!KNOWN_FIELDS.has(k)) bad(k, 'unknown field');
  return out;
}

/** The identity of a budget: two budgets with the same one would be ambiguous. */
export function budgetIdentity(b: Budget): string {
  return JSON.stringify([b.scope, b.id ?? '*', b.currency ?? DEFAULT_CURRENCY, b.period]);
}

/** Every problem of a budgets document `{ budgets: [...] }` (empty when valid). */
export function budgetsDocumentProblems(doc: unknown): BudgetProblem[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return [{ field: '', rule: 'must be a JSON object { "budgets": [...] }' }];
  }
  const o = doc as Record<string, unknown>;
  const out = Object.keys(o)
    .filter((k) => k !== 'budgets')
    .map((k) => ({ field: k, rule: 'unknown field' }));
  return [...out, ...budgetListProblems(o.budgets, 'budgets')];
}

/** Every problem of a list of budgets at path `at` (empty when valid). */
export function budgetListProblems(list: unknown, at = 'budgets'): BudgetProblem[] {
  if (!Array.isArray(list)) return [{ field: at, rule: 'must be an array' }];
  if (list.length > MAX_BUDGETS) return [{ field: at, rule: `must hold at most ${MAX_BUDGETS} budgets` }];
  const out = list.flatMap((b, i) => budgetProblems(b, `${at}[${i}]`));
  if (out.length > 0) return out;
  const seen = new Map<string, number>();
  (list as Budget[]).forEach((b, i) => {
    const id = budgetIdentity(b);
    const first = seen.get(id);
    if (first !== undefined)
      out.push({ field: `${at}[${i}]`, rule: `duplicates ${at}[${first}] (same scope, id, currency and period)` });
    else seen.set(id, i);
  });
  return out;
}

/** A plain copy with only known fields, so budgets compare and serialise the same everywhere. */
export function normalBudget(b: Budget): Budget {
  return {
    scope: b.scope,
    ...(b.id !== undefined ? { id: b.id } : {}),
    limit: b.limit,
    ...(b.currency !== undefined ? { currency: b.currency } : {}),
    period: b.period,
    onExceed: b.onExceed,
  };
}
