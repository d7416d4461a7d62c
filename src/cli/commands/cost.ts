import type { Command } from 'commander';
import type { ConfigIssue } from '../../config';
import { parseBudgets } from '../../config/budgets';
import { durationToMs, isDuration } from '../../shared/duration';
import type { BudgetStatus, SpendFilter, SpendReport } from '../../workflows/ledger/messages';
import type { CliContext } from '../context';
import { CliInputError } from '../exit-codes';
import { readInputFile } from '../files';
import { parseMode } from '../flags';

interface CostFlags {
  tenant?: string;
  batch?: string;
  pipeline?: string;
  job?: string;
  upstream?: string;
  mode?: SpendFilter['mode'];
  since?: number;
}

/** `--since`: an ISO date/time (`2026-12-01`, `2026-12-01T08:00Z`), `today` (UTC), or a duration ago (`24h`). */
export function parseSince(v: string, now = Date.now()): number {
  if (v === 'today') return Date.parse(new Date(now).toISOString().slice(0, 10));
  if (isDuration(v)) return now - durationToMs(v);
  const at = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(at))
    throw new CliInputError('--since', 'must be an ISO date or time, "today", or a duration ago like "24h"');
  return at;
}

/**
 * `cost [filters]`: spend from the cost ledger per currency; `cost budgets [set --file F]`: budgets and their spend
 * this period; `cost charges <jobId>`: a job's charges. Thin over `client.cost`.
 */
export function registerCostCommand(program: Command, ctx: CliContext): void {
  const cost = program
    .command('cost')
    .description('spend recorded by the cost ledger, per currency (filters combine with AND)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--batch <batchId>', 'only this batch (workflow id)')
    .option('--pipeline <pipelineId>', 'only this pipeline (workflow id)')
    .option('--job <jobId>', 'only this job (workflow id)')
    .option('--upstream <upstreamId>', 'only this upstream')
    .option('--mode <mode>', 'only this speed mode', parseMode)
    .option('--since <when>', 'ISO date or time, "today" (UTC) or a duration ago ("24h")', (v) => parseSince(v))
    .action(async (f: CostFlags) => {
      const filter: SpendFilter = {
        tenant: f.tenant,
        batchId: f.batch,
        pipelineId: f.pipeline,
        jobId: f.job,
        upstreamId: f.upstream,
        mode: f.mode,
        since: f.since,
      };
      const report = await (
        await ctx.client()
      ).cost.spend(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as SpendFilter);
      ctx.print({ spend: report }, () => formatSpend(report));
    });
  const budgets = cost
    .command('budgets')
    .description('budgets in force and what their current period has spent')
    .action(async () => {
      const rows = await (await ctx.client()).cost.budgets();
      ctx.print({ budgets: rows }, () => formatBudgets(rows));
    });
  budgets
    .command('set')
    .description('replace every budget with those of a JSON file { "budgets": [...] } (needs a running worker)')
    .requiredOption('--file <path>', 'the budgets document (same shape as MJ_BUDGETS)')
    .action(async (f: { file: string }) => {
      const text = await readInputFile(f.file, '--file');
      const issues: ConfigIssue[] = [];
      const doc = parseBudgets(text, '--file', issues);
      if (!doc) throw new CliInputError(issues[0]!.field, issues[0]!.rule);
      const set = await (await ctx.client()).cost.setBudgets(doc.budgets);
      ctx.print({ budgets: set }, () => `${set.length} budget(s) set`);
    });
  cost
    .command('charges')
    .description("a job's charges and refunds")
    .argument('<jobId>', 'the job id or your key')
    .action(async (jobId: string) => {
      const rows = await (await ctx.client()).cost.charges(jobId);
      ctx.print({ charges: rows }, () =>
        rows.length === 0
          ? 'no charges'
          : rows
              .map((c) =>
                [new Date(c.at).toISOString(), c.action, c.mode, c.upstreamId, c.upstreamTaskId, c.price, c.currency]
                  .concat(c.refund ? [`refunded (${c.refund.reason})`] : [])
                  .join('  ')
              )
              .join('\n')
      );
    });
}

function formatSpend(r: SpendReport): string {
  const rows = Object.entries(r.byCurrency).map(
    ([currency, t]) =>
      `${t.net} ${currency} net  (${t.charged} charged, ${t.refunded} refunded; ${t.charges} charges, ${t.refunds} refunds)`
  );
  const note = r.complete
    ? ''
    : '\n(partial: older detail was folded into totals; drop --since/--job or combine fewer filters)';
  return (rows.length === 0 ? 'no spend' : rows.join('\n')) + note;
}

function formatBudgets(rows: BudgetStatus[]): string {
  if (rows.length === 0) return 'no budgets';
  return [
    'BUDGET  WINDOW  SPENT  LIMIT  ON EXCEED',
    // Held only when something is: what submits under way have taken but not been charged yet.
    ...rows.map((b) => {
      const spent = `${b.spent} ${b.currency}${b.held ? ` (+${b.held} held)` : ''}`;
      return [b.name, b.window, spent, b.limit, b.onExceed].join('  ');
    }),
  ].join('\n');
}
