/**
 * A job among other jobs: what a card or a heading borrows from the job's parent (its root's prompt, its image while
 * it has none of its own) and the lineage a page links through. Pure apart from the parent lookup it is given, so
 * the gallery resolves parents among the jobs it already read before asking the backend for any.
 */
import { WORKFLOW_ID_PREFIX } from '../shared/constants';
import type { JobLineage } from '../shared/job-read-model';
import type { ConsoleJob, JobLink } from './backend';
import { rootWorkflowId } from './tenancy';

/**
 * The job's lineage: what it carries (memo, search attributes, start input), plus the pipeline or batch its id names
 * (their child jobs are `<pipeline or batch id>/…`), so jobs started before lineage was kept link there too.
 */
export function lineageOf(job: Pick<ConsoleJob, 'id' | 'kind' | 'lineage'>): JobLineage | undefined {
  const root = rootWorkflowId(job.id);
  const out: JobLineage = { ...job.lineage };
  if (job.kind === 'job' && root !== job.id) {
    if (root.startsWith(`${WORKFLOW_ID_PREFIX.pipeline}-`)) out.pipelineId ??= root;
    if (root.startsWith(`${WORKFLOW_ID_PREFIX.batch}-`)) {
      out.batchId ??= root;
      out.batchItemId ??= job.id.slice(root.length + 1);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A job as a link to it shows it. */
export function jobLink(job: ConsoleJob): JobLink {
  return {
    id: job.id,
    label: job.label,
    state: job.state,
    ...(job.prompt ? { prompt: job.prompt } : {}),
    ...(job.thumbJobId || job.images.includes(0) ? { thumbJobId: job.thumbJobId ?? job.id } : {}),
  };
}

/** True when the job's parent is looked for: always (a job page links it), else when the job lacks prompt or image. */
function needsParent(job: ConsoleJob, always: boolean): boolean {
  if (job.kind !== 'job' || !lineageParent(job)) return false;
  return always || !job.prompt || !job.images.includes(0);
}

function lineageParent(job: ConsoleJob): string | undefined {
  return job.lineage?.parentJobId ?? job.parentTaskId;
}

/**
 * Each job with what it borrows from its parent: the prompt (an action's is its root's), the thumbnail (its own image,
 * else the nearest ancestor's) and the parent link. Parents are found among `jobs` first (by lineage, else by the
 * parent's upstream task id), else by `lookup`, once per parent. A job with its own prompt and image is linked to its
 * parent only with `linkParents` (a job page; the gallery has no use for it).
 */
export async function withFamily(
  jobs: ConsoleJob[],
  lookup: (job: ConsoleJob) => Promise<ConsoleJob | null>,
  opts: { linkParents?: boolean } = {}
): Promise<ConsoleJob[]> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const byTask = new Map(jobs.filter((j) => j.taskId).map((j) => [j.taskId!, j]));
  const asked = new Map<string, Promise<ConsoleJob | null>>();
  const resolved = new Map<string, ConsoleJob>();

  const resolve = async (job: ConsoleJob, seen: Set<string>): Promise<ConsoleJob> => {
    const done = resolved.get(job.id);
    if (done) return done;
    const own = job.images.includes(0) ? job.id : undefined;
    if (!needsParent(job, opts.linkParents === true && seen.size === 0) || seen.has(job.id)) {
      const out = { ...job, lineage: lineageOf(job), thumbJobId: own };
      resolved.set(job.id, out);
      return out;
    }
    seen.add(job.id);
    const near =
      (job.lineage?.parentJobId ? byId.get(job.lineage.parentJobId) : undefined) ??
      (!job.lineage?.parentJobId && job.parentTaskId ? byTask.get(job.parentTaskId) : undefined);
    let parent: ConsoleJob | null | undefined = near && near.id !== job.id ? await resolve(near, seen) : undefined;
    if (!parent) {
      const key = lineageParent(job)!;
      if (!asked.has(key)) asked.set(key, lookup(job));
      parent = await asked.get(key)!;
    }
    const prompt = job.prompt ?? parent?.prompt;
    const out: ConsoleJob = {
      ...job,
      prompt,
      title: job.prompt ? job.title : (prompt ?? job.title),
      lineage: lineageOf({ ...job, lineage: parent ? { parentJobId: parent.id, ...job.lineage } : job.lineage }),
      thumbJobId: own ?? parent?.thumbJobId ?? (parent?.images.includes(0) ? parent.id : undefined),
      ...(parent ? { parent: jobLink(parent) } : {}),
    };
    resolved.set(job.id, out);
    return out;
  };
  return Promise.all(jobs.map((j) => resolve(j, new Set())));
}
