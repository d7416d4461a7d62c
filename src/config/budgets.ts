/**
 * Budgets configuration: `MJ_BUDGETS_FILE` (path of a JSON file) or `MJ_BUDGETS` (the JSON inline),
 * `{ "budgets": [{ "scope", "id"?, "limit", "currency"?, "period", "onExceed" }] }`. Each bad field is one
 * {@link ConfigIssue} naming its path, e.g. `MJ_BUDGETS.budgets[0].limit: must be a number > 0`. Validation is the
 * ledger's own rule (`budget-rules.ts`), so what the config accepts the ledger's `setBudgets` accepts too.
 */
import { readFileSync } from 'node:fs';
import type { ConfigIssue } from './values';
import { budgetsDocumentProblems, normalBudget } from '../workflows/ledger/budget-rules';
import type { BudgetsConfig } from '../workflows/ledger/messages';

export type { BudgetsConfig };

export interface BudgetsEnv {
  MJ_BUDGETS?: string;
  MJ_BUDGETS_FILE?: string;
}

/** Budgets of a JSON text; `source` names it in issues (`MJ_BUDGETS`, `MJ_BUDGETS_FILE`, `--file`). */
export function parseBudgets(text: string, source: string, issues: ConfigIssue[]): BudgetsConfig | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    issues.push({ field: source, rule: 'must be JSON: { "budgets": [...] }' });
    return undefined;
  }
  const problems = budgetsDocumentProblems(doc);
  for (const p of problems) issues.push({ field: p.field ? `${source}.${p.field}` : source, rule: p.rule });
  if (problems.length > 0) return undefined;
  return { budgets: (doc as BudgetsConfig).budgets.map(normalBudget) };
}

/**
 * Reads the budgets from the environment (or config file values). Undefined when neither variable is set: the
 * ledger then keeps whatever budgets an operator gave it (`cost budgets set`).
 */
export function loadBudgets(env: BudgetsEnv, issues: ConfigIssue[]): BudgetsConfig | undefined {
  const inline = env.MJ_BUDGETS;
  const file = env.MJ_BUDGETS_FILE;
  if (inline !== undefined && file !== undefined) {
    issues.push({ field: 'MJ_BUDGETS_FILE', rule: 'set only one of MJ_BUDGETS and MJ_BUDGETS_FILE' });
    return undefined;
  }
  if (inline !== undefined) return parseBudgets(inline, 'MJ_BUDGETS', issues);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'must be a readable file';
    issues.push({ field: 'MJ_BUDGETS_FILE', rule: why });
    return undefined;
  }
  return parseBudgets(text, 'MJ_BUDGETS_FILE', issues);
}
