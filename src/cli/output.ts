/** Human renderings of results and statuses, and the start/wait/watch flow every start command shares. */
import type { JobChildRow, JobHandle, JobStatus, MjJobsClient } from '../client';
import { formatIntent } from '../mj/buttons';
import { reportedTask, resultText } from '../shared/job-memo';
import type { BatchReport, PipelineResult } from '../shared/pipeline-types';
import type { JobProgress, JobResult } from '../shared/types';
import type { CliContext } from './context';
import { LiveView, rowsFor } from './progress';

/** How often `watch` and `--wait` redraw. @unit milliseconds */
const POLL_MS = 1_000;
/** Most running children (pipeline branches, batch items) whose live progress is fetched per redraw. */
const MAX_CHILDREN = 20;

export function describeResult(jobId: string, r: JobResult): string {
  const lines = [`${jobId}: ${r.task.status} (${r.task.action}, task ${r.taskId})`];
  const text = resultText(r.task.action, reportedTask(r.task));
  if (text) lines.push(`  text: ${text}`);
  if (r.task.imageUrl) lines.push(`  image: ${r.task.imageUrl}`);
  if (r.task.videoUrl) lines.push(`  video: ${r.task.videoUrl}`);
  if (r.images.length > 0) lines.push(`  stored: ${r.images.length} file(s), e.g. ${r.images[0]!.asset.key}`);
  const buttons = [
    ...new Set(r.task.buttons.filter((b) => b.intent.kind !== 'unknown').map((b) => formatIntent(b.intent))),
  ];
  if (buttons.length > 0) lines.push(`  next: npm run cli -- action ${jobId} <${buttons.join('|')}>`);
  return lines.join('\n');
}

export function describeStatus(s: JobStatus, children?: readonly JobChildRow[]): string {
  const rows = rowsFor(s);
  const head = `${s.jobId} (${s.kind}) ${s.executionStatus}`;
  const body = rows.map((r) => `  ${r.label}: ${r.state}${r.pct === null ? '' : ` ${Math.round(r.pct)}%`}`);
  if (s.kind === 'job' && s.progress.waitingFor) {
    body.push(
      `  waiting for ${s.progress.waitingFor.needs.join(' + ')}: npm run cli -- modal ${s.jobId} --prompt … --mask mask.png`
    );
  }
  if (s.kind === 'job') {
    const text = resultText(s.progress.action, s.progress.reported);
    if (text) body.push(`  text: ${text}`);
  }
  if (s.kind === 'job' && s.progress.failure) body.push(`  failure: ${s.progress.failure.message}`);
  if (s.kind === 'job') body.push(...lineageLines(s.progress, children ?? []));
  if (s.kind === 'pipeline' && s.progress.waiting.length > 0) {
    body.push(
      `  waiting for input: ${s.progress.waiting.join(', ')} (npm run cli -- modal ${s.jobId} --step <step> --branch <branch> …)`
    );
  }
  return [head, ...body].join('\n');
}

/** Where a job sits and what produced it: parent, root, pipeline, batch, seed, then its children. */
function lineageLines(p: JobProgress, children: readonly JobChildRow[]): string[] {
  const l = p.lineage ?? {};
  const lines = [
    l.parentJobId && `  parent: ${l.parentJobId}`,
    l.rootJobId && l.rootJobId !== l.parentJobId && `  root: ${l.rootJobId}`,
    l.pipelineId && `  pipeline: ${l.pipelineId}`,
    l.batchId && `  batch: ${l.batchId}${l.batchItemId ? ` (item ${l.batchItemId})` : ''}`,
    p.provenance?.seed && `  seed: ${p.provenance.seed}`,
  ].filter((x): x is string => typeof x === 'string');
  if (children.length > 0) lines.push('  children:');
  for (const c of children) lines.push(`    ${c.jobId}${c.intent ? ` (${c.intent})` : ''} ${c.executionStatus}`);
  return lines;
}

export function describePipeline(r: PipelineResult): string {
  const lines = [`pipeline ${r.name} (${r.pipelineId}): ${r.summary.succeeded}/${r.summary.total} succeeded`];
  for (const o of r.outcomes) {
    const failure = o.failure ? ` (${o.failure.type})` : '';
    lines.push(`  ${o.step}/${o.branch}: ${o.status}${failure}${o.result?.imageUrl ? ` ${o.result.imageUrl}` : ''}`);
  }
  return lines.join('\n');
}

export function describeBatch(r: BatchReport): string {
  const s = r.summary;
  return [`batch ${r.batchId}: ${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled`]
    .concat(r.items.map((i) => `  ${i.id}: ${i.status}${i.failure ? ` (${i.failure.type})` : ''}`))
    .join('\n');
}

/** Live progress of running children (pipeline branches, batch items), best effort. */
async function childProgress(jobs: MjJobsClient, s: JobStatus): Promise<Map<string, JobProgress>> {
  const ids =
    s.kind === 'pipeline'
      ? s.progress.steps.flatMap((st) => st.branches.filter((b) => b.status === 'running').map((b) => b.jobId))
      : s.kind === 'batch'
        ? s.progress.items.filter((i) => i.status === 'running').map((i) => i.jobId)
        : [];
  const out = new Map<string, JobProgress>();
  await Promise.all(
    ids.slice(0, MAX_CHILDREN).map(async (id) => {
      const p = await jobs.progress(id).catch(() => undefined);
      if (p) out.set(id, p);
    })
  );
  return out;
}

/** Polls and draws until the workflow closes; returns the last status. */
export async function watchUntilDone(ctx: CliContext, jobId: string): Promise<JobStatus> {
  const jobs = await ctx.client();
  const view = ctx.json ? undefined : new LiveView(ctx.io.stderr);
  for (;;) {
    const s = await jobs.status(jobId);
    view?.render(rowsFor(s, await childProgress(jobs, s)));
    if (s.executionStatus !== 'RUNNING') return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Prints the handle, or waits for and prints the result. */
export async function report<R>(
  ctx: CliContext,
  handle: JobHandle<R>,
  wait: boolean | undefined,
  human: (r: R) => string
): Promise<void> {
  const head = { jobId: handle.jobId, alreadyStarted: handle.alreadyStarted };
  const started = `${handle.alreadyStarted ? 'already started' : 'started'}: ${handle.jobId}`;
  if (!wait) {
    ctx.print(head, () =>
      [
        started,
        `  watch:  npm run cli -- watch ${handle.jobId}`,
        `  result: npm run cli -- status ${handle.jobId}`,
      ].join('\n')
    );
    return;
  }
  ctx.info(started);
  if (!ctx.json) await watchUntilDone(ctx, handle.jobId);
  const result = await handle.result();
  ctx.print({ ...head, result }, () => human(result));
}
