/**
 * The cost estimate of a paged batch before it starts, from the configured prices (each upstream's `prices` in
 * `MJ_UPSTREAMS`, priced as the ledger prices them: `priceOf`). Routing picks the upstream only when a job runs, so
 * an item is priced at the dearest configured upstream: the estimate is an upper bound. No configured upstream
 * (a single `MJ_BASE_URL`) prices nothing, and the estimate says so.
 */
import { INTENTS } from '../mj/intents';
import type { SpeedMode } from '../mj/types';
import { ACTION_OF_KIND } from '../shared/action-names';
import type { BatchSettings, BatchTemplate, StoredBatchItem } from '../shared/batch-run-types';
import { DEFAULT_MODE } from '../shared/defaults';
import type { PipelineStep } from '../shared/pipeline-types';
import type { JobRequest } from '../shared/types';
import { priceOf } from '../shared/upstreams/prices';
import type { PriceTable, PricedAction } from '../shared/upstreams/types';
import { nodesFromSteps, planPipeline } from '../workflows/pipeline/plan';
import type { ParsedBatchItem } from '../pipeline/batch-file';

export interface BatchEstimate {
  items: number;
  /** Child jobs the batch starts at most (a template's every step × branch per item). */
  jobs: number;
  total: number;
  currency: string;
  /** False when no upstream has prices configured (every figure is then 0). */
  priced: boolean;
}

const dearest = (tables: readonly PriceTable[], action: PricedAction, mode: SpeedMode): number =>
  tables.reduce((max, t) => Math.max(max, priceOf(t, action, mode)), 0);

function actionOf(request: JobRequest): PricedAction {
  if (request.kind === 'action' && request.intent) return INTENTS[request.intent.kind].pricedAction;
  return ACTION_OF_KIND[request.kind];
}

/** Price of one job of each template step at `mode`, and the jobs each step starts per item. */
export function templateStepPrices(
  template: BatchTemplate,
  tables: readonly PriceTable[],
  mode: SpeedMode
): { prices: Record<string, number>; jobs: Record<string, number> } {
  const plan = planPipeline(nodesFromSteps(template.steps)).plan;
  const prices: Record<string, number> = {};
  const jobs: Record<string, number> = {};
  for (const step of template.steps as PipelineStep[]) {
    const actions: PricedAction[] =
      step.kind === 'entry'
        ? [ACTION_OF_KIND[step.request.kind]]
        : (step.kind === 'action' ? step.intents : step.choices).map((i) => INTENTS[i.intent.kind].pricedAction);
    prices[step.id] = Math.max(0, ...actions.map((a) => dearest(tables, a, mode)));
    jobs[step.id] = plan?.branches[step.id]?.length ?? 1;
  }
  return { prices, jobs };
}

/** Prices every item (`estimate`) and sums the batch. */
export function estimateBatch(
  items: readonly ParsedBatchItem[],
  settings: BatchSettings,
  tables: readonly PriceTable[]
): { items: StoredBatchItem[]; estimate: BatchEstimate; stepPrices?: Record<string, number> } {
  const currency = tables[0]?.currency ?? 'USD';
  const defaultMode = settings.mode ?? DEFAULT_MODE;
  const perMode = new Map<SpeedMode, ReturnType<typeof templateStepPrices>>();
  const templateCost = (mode: SpeedMode) => {
    let t = perMode.get(mode);
    if (!t) perMode.set(mode, (t = templateStepPrices(settings.template!, tables, mode)));
    const cost = Object.keys(t.prices).reduce((sum, s) => sum + t!.prices[s]! * t!.jobs[s]!, 0);
    const jobs = Object.values(t.jobs).reduce((a, b) => a + b, 0);
    return { cost, jobs };
  };
  let total = 0;
  let jobs = 0;
  const priced = items.map((it): StoredBatchItem => {
    const mode = it.mode ?? defaultMode;
    const one = settings.template
      ? templateCost(mode)
      : { cost: dearest(tables, actionOf(it.request ?? { kind: 'imagine', prompt: '' }), mode), jobs: 1 };
    total += one.cost;
    jobs += one.jobs;
    return { ...it, estimate: one.cost };
  });
  return {
    items: priced,
    estimate: { items: items.length, jobs, total, currency, priced: tables.length > 0 },
    ...(settings.template ? { stepPrices: templateStepPrices(settings.template, tables, defaultMode).prices } : {}),
  };
}
