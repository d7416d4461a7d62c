/**
 * `MjBatchesClient` (`mj.batches`): batches of up to MAX_PAGED_BATCH_ITEMS items on the paged engine
 * (`pagedBatchWorkflow`): estimate, start (the tenant's budget applied to the batch as a whole), live progress,
 * pause, resume, cancel, retry of the failed items, and the manifest. The item list is stored once in the asset
 * store; only its key enters the workflow.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AssetStore } from '../assets/asset-store';
import { MjInputError } from '../mj/errors';
import type { SpeedMode } from '../mj/types';
import { parseBatchItems, type BatchFileFormat, type ParsedBatchItem } from '../pipeline/batch-file';
import { parseBatchTemplate } from '../pipeline/batch-template';
import type {
  BatchLiveProgress,
  BatchSettings,
  ManifestLine,
  PagedBatchInput,
  StoredBatchItem,
} from '../shared/batch-run-types';
import { paceFields } from '../shared/batch-tally';
import type { QuietWindow } from '../shared/quiet-hours';
import { DEFAULT_MODE, MAX_CONCURRENCY } from '../shared/defaults';
import type { PriceTable } from '../shared/upstreams/types';
import type { BudgetStatus } from '../workflows/ledger/messages';
import {
  getChunkProgressQuery,
  getPagedBatchProgressQuery,
  PAGED_BATCH_WORKFLOW_TYPE,
  setBatchPausedSignal,
} from '../workflows/batch/messages';
import type { pagedBatchWorkflow } from '../workflows/batch/paged-batch-workflow';
import { startOnce } from '../job-start/start-job-workflow';
import {
  BatchNothingToRetryError,
  BatchNotFoundError,
  BatchOverBudgetError,
  BatchStillRunningError,
} from './batch-errors';
import { estimateBatch, type BatchEstimate } from './batch-estimate';
import type { MjCostClient } from './cost';
import { newWorkflowId } from './job-ids';
import { checkId } from './validation';

export interface PagedBatchOptions {
  /** @default 'lines' */
  format?: BatchFileFormat;
  name?: string;
  mode?: SpeedMode;
  account?: string;
  /** Most items running at once in the whole batch. */
  concurrency?: number;
  /** A pipeline run per item (see src/pipeline/batch-template.ts). */
  template?: unknown;
  /** UTC windows with no new starts: `[{from:'22:00',to:'06:00'}]` or `"22:00-06:00,12:00-13:00"`. */
  quietHours?: QuietWindow[] | string;
  /** Done by: epoch ms, an ISO time, or `HH:MM` (the next such UTC time). */
  deadline?: number | string;
  /** Most the batch may spend; also capped by the tenant's refusing budgets. */
  budget?: number;
  /** Estimate over the budget: `refuse` to start (default), or `stop` when it is reached, listing the rest. */
  onBudget?: 'refuse' | 'stop';
  tenant?: string;
  captureImages?: boolean;
  policy?: BatchSettings['policy'];
  /** The batch's key (workflow id `mj-batch-<key>`); a second start with it is answered `alreadyStarted`. */
  jobId?: string;
  /** Items per chunk child. @default DEFAULT_BATCH_CHUNK_SIZE */
  chunkSize?: number;
  /** The batch workflow continues as new between chunks past this many events. @default CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents?: number;
}

export interface PagedBatchStart {
  batchId: string;
  alreadyStarted: boolean;
  estimate: BatchEstimate;
  /** The budget the batch runs under (`stop`), when one applies. */
  budget?: number;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Quiet hours from a list or `"22:00-06:00,12:00-13:00"`. @throws MjInputError naming `quietHours[i]` */
export function parseQuietHours(q: QuietWindow[] | string): QuietWindow[] {
  const list =
    typeof q === 'string'
      ? q
          .split(',')
          .filter((s) => s.trim())
          .map((s) => {
            const [from = '', to = ''] = s.trim().split('-');
            return { from, to };
          })
      : q;
  list.forEach((w, i) => {
    if (!HHMM.test(w.from)) throw new MjInputError(`quietHours[${i}].from`, 'must be HH:MM (UTC)');
    if (!HHMM.test(w.to)) throw new MjInputError(`quietHours[${i}].to`, 'must be HH:MM (UTC)');
  });
  return list.map((w) => ({ from: w.from, to: w.to }));
}

/** A deadline as epoch ms: a number, an ISO time, or `HH:MM` = the next such UTC time after `now`. */
export function parseDeadline(d: number | string, now: number): number {
  if (typeof d === 'number' && Number.isFinite(d)) return d;
  if (typeof d === 'string' && HHMM.test(d)) {
    const [h, m] = d.split(':').map(Number);
    const day = new Date(now);
    const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m);
    return at > now ? at : at + 86_400_000;
  }
  const t = typeof d === 'string' ? Date.parse(d) : NaN;
  if (Number.isNaN(t)) throw new MjInputError('deadline', 'must be HH:MM (UTC), an ISO time or epoch ms');
  return t;
}

/** What a refusing budget of the tenant (or of everyone) has left, the tightest first. */
export function budgetLeft(rows: readonly BudgetStatus[], tenant: string | undefined) {
  const hits = rows
    .filter((b) => b.onExceed === 'refuse' && (b.scope === 'all' || (b.scope === 'tenant' && b.target === tenant)))
    .map((b) => ({ name: b.name, left: Math.max(0, b.limit - b.spent - (b.held ?? 0)) }))
    .sort((a, b) => a.left - b.left);
  return hits[0];
}

/** The id of attempt `n` of a batch: the first attempt's id with `~attempt-<n>`. */
export function attemptId(batchId: string, n: number): string {
  return `${batchId.replace(/~attempt-\d+$/, '')}~attempt-${n}`;
}

export class MjBatchesClient {
  constructor(
    private readonly client: Client,
    private readonly store: AssetStore,
    private readonly taskQueue: string,
    private readonly cost: Pick<MjCostClient, 'budgets'>,
    /** The configured upstreams' price tables (empty: nothing is priced). */
    readonly prices: readonly PriceTable[]
  ) {}

  /** Parses and prices the items; starts nothing. */
  prepare(text: string, opts: PagedBatchOptions = {}, now = Date.now()) {
    const settings = this.settingsOf(opts, now);
    return estimateBatch(parseBatchItems(text, opts.format ?? 'lines'), settings, this.prices);
  }

  /** The cost estimate of a batch from the configured prices. */
  estimate(text: string, opts: PagedBatchOptions = {}): BatchEstimate {
    return this.prepare(text, opts).estimate;
  }

  private settingsOf(opts: PagedBatchOptions, now: number): BatchSettings {
    if (opts.concurrency !== undefined && !(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) {
      throw new MjInputError('concurrency', `must be an integer from 1 to ${MAX_CONCURRENCY}`);
    }
    if (opts.concurrency !== undefined && opts.concurrency > MAX_CONCURRENCY) {
      throw new MjInputError('concurrency', `must be an integer from 1 to ${MAX_CONCURRENCY}`);
    }
    if (opts.budget !== undefined && !(opts.budget >= 0)) throw new MjInputError('budget', 'must be a number >= 0');
    return {
      ...(opts.name ? { name: opts.name } : {}),
      mode: opts.mode ?? DEFAULT_MODE,
      ...(opts.account ? { account: opts.account } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.captureImages !== undefined ? { captureImages: opts.captureImages } : {}),
      ...(opts.tenant ? { costTags: { tenant: opts.tenant } } : {}),
      ...(opts.template !== undefined ? { template: parseBatchTemplate(opts.template) } : {}),
      ...(opts.quietHours !== undefined ? { quietHours: parseQuietHours(opts.quietHours) } : {}),
      ...(opts.deadline !== undefined ? { deadline: parseDeadline(opts.deadline, now) } : {}),
    };
  }

  /**
   * Starts a batch. The estimate is checked against the tenant's refusing budgets first: over it, `onBudget:
   * 'refuse'` (the default) starts nothing and throws {@link BatchOverBudgetError}; `'stop'` runs until the budget.
   * @example await mj.batches.start(readFileSync('prompts.csv', 'utf8'), { format: 'csv', concurrency: 8 })
   */
  async start(text: string, opts: PagedBatchOptions = {}): Promise<PagedBatchStart> {
    if (opts.jobId !== undefined) checkId(opts.jobId);
    const settings = this.settingsOf(opts, Date.now());
    const prepared = estimateBatch(parseBatchItems(text, opts.format ?? 'lines'), settings, this.prices);
    return this.launch(newWorkflowId('batch', opts.jobId), prepared, settings, opts);
  }

  private async launch(
    batchId: string,
    prepared: ReturnType<typeof estimateBatch>,
    settings: BatchSettings,
    opts: Pick<PagedBatchOptions, 'budget' | 'onBudget' | 'tenant' | 'chunkSize' | 'continueAsNewAfterEvents'>,
    retry?: { attempt: number; retryOf: string }
  ): Promise<PagedBatchStart> {
    const { estimate } = prepared;
    let budget = opts.budget;
    if (estimate.priced) {
      const hit = budgetLeft(await this.cost.budgets(), opts.tenant ?? settings.costTags?.tenant);
      if (hit && estimate.total > hit.left) {
        if ((opts.onBudget ?? 'refuse') === 'refuse') throw new BatchOverBudgetError(estimate, hit.name, hit.left);
        budget = Math.min(budget ?? Infinity, hit.left);
      }
    }
    const stored = await this.storeItems(prepared.items);
    const input: PagedBatchInput = {
      settings: {
        ...settings,
        ...(prepared.stepPrices ? { stepPrices: prepared.stepPrices } : {}),
        ...(budget !== undefined ? { budget } : {}),
        currency: estimate.currency,
      },
      inputKey: stored,
      total: prepared.items.length,
      ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
      ...(opts.continueAsNewAfterEvents !== undefined
        ? { continueAsNewAfterEvents: opts.continueAsNewAfterEvents }
        : {}),
      ...(retry ?? {}),
    };
    const { alreadyStarted } = await startOnce<typeof pagedBatchWorkflow>(PAGED_BATCH_WORKFLOW_TYPE, [input], {
      client: this.client,
      taskQueue: this.taskQueue,
      workflowId: batchId,
      modeAttribute: settings.mode ?? DEFAULT_MODE,
      ...(opts.tenant ? { tenant: opts.tenant } : {}),
    });
    return { batchId, alreadyStarted, estimate, ...(budget !== undefined ? { budget } : {}) };
  }

  private async storeItems(items: readonly StoredBatchItem[]): Promise<string> {
    const text = items.map((i) => JSON.stringify(i)).join('\n') + '\n';
    const ref = await this.store.put(Buffer.from(text, 'utf8'), {
      contentType: 'text/plain',
      extension: 'jsonl',
      prefix: 'batches/inputs',
    });
    return ref.key;
  }

  /**
   * The batch's live summary: counts, rate, ETA, deadline; the running chunk's items included (their counts, and the
   * pace measured again over them with `paceFields`, the workflow's own computation).
   */
  async progress(batchId: string): Promise<BatchLiveProgress> {
    const handle = this.client.workflow.getHandle(batchId);
    const desc = await handle.describe().catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? new BatchNotFoundError(batchId) : err;
    });
    if (desc.type !== PAGED_BATCH_WORKFLOW_TYPE) throw new BatchNotFoundError(batchId);
    if (desc.status.name === 'COMPLETED') {
      const r = (await handle.result()) as BatchLiveProgress;
      // A result recorded before summaries carried their clock: the workflow's own times stand in.
      const endedAt = r.endedAt ?? desc.closeTime?.getTime();
      return {
        ...r,
        startedAt: r.startedAt ?? desc.startTime.getTime(),
        ...(endedAt !== undefined ? { endedAt } : {}),
      };
    }
    const p = await handle.query(getPagedBatchProgressQuery);
    if (!p.currentChunk || desc.status.name !== 'RUNNING') return p;
    try {
      const c = await this.client.workflow.getHandle(p.currentChunk).query(getChunkProgressQuery);
      const u = c.unwritten;
      const done = p.done + u.succeeded + u.failed + u.cancelled + u.notStarted;
      const merged = {
        ...p,
        done,
        succeeded: p.succeeded + u.succeeded,
        failed: p.failed + u.failed,
        cancelled: p.cancelled + u.cancelled,
        notStarted: p.notStarted + u.notStarted,
        running: c.running,
        waiting: p.total - done - c.running,
      };
      const { ratePerMinute: _r, eta: _e, deadline: _d, ...rest } = merged;
      return { ...rest, ...paceFields(merged, Date.now(), p.settings) };
    } catch (err) {
      // The chunk ended between the two reads, or has not run its first task yet: the batch's figures stand.
      if (err instanceof WorkflowNotFoundError || err instanceof QueryNotRegisteredError) return p;
      throw err;
    }
  }

  /** Running items finish; nothing new starts until {@link resume}. */
  async pause(batchId: string): Promise<void> {
    await this.client.workflow.getHandle(batchId).signal(setBatchPausedSignal, true);
  }

  async resume(batchId: string): Promise<void> {
    await this.client.workflow.getHandle(batchId).signal(setBatchPausedSignal, false);
  }

  /** Cancels running items; every item not started is listed in the manifest as not started. */
  async cancel(batchId: string): Promise<void> {
    await this.client.workflow.getHandle(batchId).cancel();
  }

  /** Every manifest line written so far, in page order. */
  async manifest(batchId: string): Promise<ManifestLine[]> {
    const p = await this.progress(batchId);
    const lines: ManifestLine[] = [];
    for (const page of p.pages) {
      const text = Buffer.from(await this.store.get(page)).toString('utf8');
      for (const l of text.split('\n')) if (l.trim()) lines.push(JSON.parse(l) as ManifestLine);
    }
    return lines;
  }

  /**
   * Starts the next attempt of an ended batch with only its failed items (`<batchId>~attempt-<n>`); each new item
   * names the job it repeats (`retryOf`). Calling it twice starts it once.
   * @throws BatchStillRunningError, BatchNothingToRetryError
   */
  async retryFailed(batchId: string, opts: Pick<PagedBatchOptions, 'onBudget' | 'budget'> = {}) {
    const p = await this.progress(batchId);
    if (p.state === 'running' || p.state === 'paused') throw new BatchStillRunningError(batchId);
    const failed = new Map<string, string>();
    for (const l of await this.manifest(batchId)) if (l.status === 'failed') failed.set(l.itemId, l.jobId ?? '');
    if (failed.size === 0) throw new BatchNothingToRetryError(batchId);
    const all = Buffer.from(await this.store.get(p.inputKey))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as StoredBatchItem);
    const items = all
      .filter((i) => failed.has(i.id))
      .map((i): ParsedBatchItem => ({ ...i, retryOf: failed.get(i.id) || undefined }));
    const { budget: _b, stepPrices: _s, currency: _c, ...settings } = p.settings;
    const prepared = estimateBatch(items, settings, this.prices);
    const attempt = p.attempt + 1;
    const tenant = settings.costTags?.tenant;
    return this.launch(
      attemptId(batchId, attempt),
      prepared,
      settings,
      { ...opts, ...(tenant ? { tenant } : {}) },
      {
        attempt,
        retryOf: batchId,
      }
    );
  }
}
