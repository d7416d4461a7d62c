/**
 * The lines of a batch manifest (JSON Lines, one line per item and image) built from an item's outcome, and the
 * readable name of each stored file: `<batch>/<item>/<step>-<branch>-<n>.<ext>`. Stored files keep their
 * content-addressed keys; the manifest maps each to its readable name (`name`), and `batch results --files`
 * writes them out under those names. Pure; workflow-safe (the activities that list items not started use it too).
 */
import type { ManifestLine, ManifestStatus, StoredBatchItem } from '../../shared/batch-run-types';
import type { FailureInfo, JobSummary, PipelineResult } from '../../shared/pipeline-types';
import { MAIN_BRANCH } from '../../shared/pipeline-types';

export interface LineContext {
  batchId: string;
  attempt: number;
}

/** The readable name of one file of an item. */
export function readableName(batchId: string, itemId: string, step: string, branch: string, n: number, key: string) {
  const dot = key.lastIndexOf('.');
  const ext = dot > key.lastIndexOf('/') ? key.slice(dot + 1) : 'bin';
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(batchId)}/${safe(itemId)}/${safe(step)}-${safe(branch)}-${n}.${ext}`;
}

function base(ctx: LineContext, item: StoredBatchItem) {
  return {
    batchId: ctx.batchId,
    itemId: item.id,
    attempt: ctx.attempt,
    ...(item.retryOf ? { retryOf: item.retryOf } : {}),
  };
}

/** One line per image of a finished job (one line without a file when it stored and returned none). */
function jobLines(
  ctx: LineContext,
  item: StoredBatchItem,
  where: { step: string; branch: string; jobId: string; cost: number },
  result: JobSummary
): ManifestLine[] {
  const head = { ...base(ctx, item), step: where.step, branch: where.branch, jobId: where.jobId };
  const common = {
    status: 'succeeded' as const,
    taskId: result.taskId,
    ...(result.seed !== undefined ? { seed: result.seed } : {}),
    cost: where.cost,
  };
  if (result.images.length > 0) {
    return result.images.map((img, i) => ({
      ...head,
      n: img.index,
      ...common,
      name: readableName(ctx.batchId, item.id, where.step, where.branch, img.index, img.asset.key),
      asset: img.asset.key,
      sha256: img.asset.sha256,
      // Only the first line of a task carries its price, so the manifest's costs add up to the batch's.
      cost: i === 0 ? where.cost : 0,
    }));
  }
  const urls = result.imageUrls.length > 0 ? result.imageUrls : result.imageUrl ? [result.imageUrl] : [];
  if (urls.length === 0) return [{ ...head, n: 0, ...common }];
  return urls.map((url, i) => ({
    ...head,
    n: urls.length === 1 ? 0 : i + 1,
    ...common,
    url,
    cost: i === 0 ? where.cost : 0,
  }));
}

/** The step name of a plain item's job: its request kind (`imagine`, `describe`, …). */
export function plainStep(item: StoredBatchItem): string {
  return item.request?.kind ?? 'imagine';
}

/** Lines of a plain item whose job succeeded. */
export function succeededJobLines(
  ctx: LineContext,
  item: StoredBatchItem,
  jobId: string,
  r: JobSummary
): ManifestLine[] {
  return jobLines(ctx, item, { step: plainStep(item), branch: MAIN_BRANCH, jobId, cost: item.estimate }, r);
}

/** Lines of a templated item: every step × branch of its pipeline, images of the succeeded ones. */
export function pipelineLines(
  ctx: LineContext,
  item: StoredBatchItem,
  result: PipelineResult,
  priceOfStep: (step: string) => number
): ManifestLine[] {
  return result.outcomes.flatMap((o) => {
    const where = { step: o.step, branch: o.branch, jobId: o.jobId, cost: priceOfStep(o.step) };
    if (o.status === 'succeeded' && o.result) return jobLines(ctx, item, where, o.result);
    const status: ManifestStatus =
      o.status === 'cancelled' ? 'cancelled' : o.status === 'skipped' ? 'not-started' : 'failed';
    const cost = o.status === 'failed' && o.taskId ? where.cost : 0;
    return [
      {
        ...base(ctx, item),
        step: o.step,
        branch: o.branch,
        n: 0,
        status,
        jobId: o.jobId,
        ...(o.taskId ? { taskId: o.taskId } : {}),
        cost,
        ...(o.failure ? { failure: o.failure } : {}),
      },
    ];
  });
}

/** The one line of an item that ended without images (failed, cancelled or never started). */
export function endedLine(
  ctx: LineContext,
  item: StoredBatchItem,
  status: Exclude<ManifestStatus, 'succeeded'>,
  failure: FailureInfo,
  jobId?: string
): ManifestLine {
  return {
    ...base(ctx, item),
    step: plainStep(item),
    branch: MAIN_BRANCH,
    n: 0,
    status,
    ...(jobId ? { jobId } : {}),
    cost: 0,
    failure,
  };
}

/** Manifest lines as the stored page's text. */
export function manifestText(lines: readonly ManifestLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}
