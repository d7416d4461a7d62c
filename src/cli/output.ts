/**
 * Human renderings of results and statuses, and the start/wait/watch flow every start command shares. Results
 * name our stored copies of their images (`Locate`: the asset store's `locate`), an upstream URL only when no copy
 * was stored, labelled, as it expires.
 */
import type { AssetStore } from '../assets';
import type { JobProvenance } from '../shared/job-read-model';
import type { JobChildRow, JobHandle, JobStatus, MjJobsClient } from '../client';
import { jobImageRefs } from '../client/download';
import { describeImageLinks, imageLink } from '../client/image-links';
import { formatIntent } from '../mj/buttons';
import { reportedTask, resultText } from '../shared/job-memo';
import type { BatchReport, PipelineResult } from '../shared/pipeline-types';
import type { CapturedImage, ImageRef, JobProgress, JobResult } from '../shared/types';
import type { CliContext } from './context';
import { LiveView, rowsFor } from './progress';

/** How often `watch` and `--wait` redraw. @unit milliseconds */
const POLL_MS = 1_000;
/** Most running pipeline branches whose live progress is fetched per redraw. */
const MAX_CHILDREN = 20;

/** Where the asset store keeps a stored asset (a file path or a URL). */
export type Locate = AssetStore['locate'];

/** ` <where>` for a result's images (stored copies first), or '' when it has none. */
function imagesText(locate: Locate, refs: readonly ImageRef[]): string {
  const text = describeImageLinks(refs.map((ref) => imageLink({ locate }, ref)));
  return text ? ` ${text}` : '';
}

function jobImagesText(locate: Locate, images: readonly CapturedImage[], imageUrl: string | null): string {
  return imagesText(
    locate,
    jobImageRefs(images, imageUrl).map((i) => i.ref)
  );
}

export function describeResult(jobId: string, r: JobResult, locate: Locate): string {
  const lines = [`${jobId}: ${r.task.status} (${r.task.action}, task ${r.taskId})`];
  const text = resultText(r.task.action, reportedTask(r.task));
  if (text) lines.push(`  text: ${text}`);
  const image = jobImagesText(locate, r.images, r.task.imageUrl);
  if (image) lines.push(`  image:${image}`);
  if (r.task.videoUrl) lines.push(`  video: ${r.task.videoUrl}`);
  const buttons = [
    ...new Set(r.task.buttons.filter((b) => b.intent.kind !== 'unknown').map((b) => formatIntent(b.intent))),
  ];
  if (buttons.length > 0) lines.push(`  next: npm run cli -- action ${jobId} <${buttons.join('|')}>`);
  return lines.join('\n');
}

/** What the job's prompt asked for (docs/prompt-parameters.md): `model: 7`, the parameters, the references. */
function provenanceLines(p: JobProvenance | undefined): string[] {
  if (!p) return [];
  const params = Object.entries(p.params ?? {})
    .filter(([name]) => name !== 'version' && name !== 'niji')
    .map(([name, v]) => `${name}=${v === true ? 'on' : Array.isArray(v) ? v.join(',') : String(v)}`);
  return [
    `  model: ${p.version ?? "the account's default"}`,
    ...(params.length ? [`  params: ${params.join(' ')}`] : []),
    ...(p.references ?? []).map((r) => `  ${r.role}: ${r.value}`),
  ];
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
  if (s.kind === 'job') body.push(...provenanceLines(s.progress.provenance));
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

export function describePipeline(r: PipelineResult, locate: Locate): string {
  const lines = [`pipeline ${r.name} (${r.pipelineId}): ${r.summary.succeeded}/${r.summary.total} succeeded`];
  for (const o of r.outcomes) {
    const failure = o.failure ? ` (${o.failure.type})` : '';
    const image = o.result ? jobImagesText(locate, o.result.images, o.result.imageUrl) : '';
    lines.push(`  ${o.step}/${o.branch}: ${o.status}${failure}${image}`);
  }
  return lines.join('\n');
}

export function describeBatch(r: BatchReport, locate: Locate): string {
  const s = r.summary;
  return [`batch ${r.batchId}: ${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled`]
    .concat(
      r.items.map(
        (i) => `  ${i.id}: ${i.status}${i.failure ? ` (${i.failure.type})` : ''}${imagesText(locate, i.images)}`
      )
    )
    .join('\n');
}

/** Live progress of running pipeline branches, best effort (a batch shows one line of counts, not its items). */
async function childProgress(jobs: MjJobsClient, s: JobStatus): Promise<Map<string, JobProgress>> {
  const ids =
    s.kind === 'pipeline'
      ? s.progress.steps.flatMap((st) => st.branches.filter((b) => b.status === 'running').map((b) => b.jobId))
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
    view?.render(rowsFor(s, await childProgress(jobs, s)), s.executionStatus !== 'RUNNING');
    if (s.executionStatus !== 'RUNNING') return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Prints the handle, or waits for and prints the result. */
export async function report<R>(
  ctx: CliContext,
  handle: JobHandle<R>,
  wait: boolean | undefined,
  human: (r: R, locate: Locate) => string
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
  const { store } = await ctx.client();
  ctx.print({ ...head, result }, () => human(result, (ref) => store.locate(ref)));
}
