/**
 * The proxy task object (contract §5) built from a job's memos, the way real clients decode it (docs/mj-clients.md
 * §4): string id/status/progress, epoch-ms integer times or null, `progress` "0%" at start and "100%" when
 * terminal, `failReason` empty unless failed for good, buttons with string customId/emoji/label, absolute imageUrl,
 * `properties.finalPrompt`/`finalZhPrompt` strings and media lists as `[{url}]`. Pure: no I/O.
 */
import type { MjMediaUrl } from '../../mj/types';
import type { JobProvenance } from '../../shared/job-read-model';
import { isTerminalPhase } from '../../shared/job-phases';
import { progressText } from '../../mj/terms/progress';
import { STATUS_BY_EXECUTION, statusRow } from './status-map';
import { reportedTexts } from '../../shared/job-memo';
import type { JobView } from './gateway-memo';
import type { TaskCost } from './task-cost';
import { taskTimes } from './task-times';

export interface ProxyButton {
  customId: string;
  emoji: string;
  label: string;
  type: number;
  style: number;
}

export interface ProxyTask {
  id: string;
  action: string;
  status: string;
  prompt: string;
  promptEn: string;
  description: string;
  state: string;
  submitTime: number;
  startTime: number | null;
  finishTime: number | null;
  progress: string;
  imageUrl: string | null;
  imageUrls: MjMediaUrl[];
  videoUrl: string | null;
  videoUrls: MjMediaUrl[];
  failReason: string;
  parentId: string | null;
  mode: string;
  /** The seed of the task's image (trueai's own field name), once the job read it; else null. */
  seed: string | null;
  buttons: ProxyButton[];
  /**
   * `cost`: a routed task's upstream, mode, price and refunds; absent for a job with one upstream. `provenance`: what
   * the job's prompt asked for (version, parameters, references; docs/prompt-parameters.md); absent when it says
   * nothing.
   */
  properties: { finalPrompt: string; finalZhPrompt: string; cost?: TaskCost; provenance?: Omit<JobProvenance, 'seed'> };
}

/**
 * The fields of the task JSON the gateway answers on its own, and why; every other field is what the upstream task
 * said. docs/gateway.md shows this table, and the parity test (test/integration/gateway-parity.test.ts)
 * checks every field not named here against the upstream's own JSON of the task.
 */
export const PROXY_TASK_OWN_FIELDS = {
  id: 'our 16-digit task id',
  description: "the upstream's, with the upstream ids of the task and its parent replaced by ours",
  action: "our action name for the endpoint and button (`proxy-actions.ts`), whatever the upstream's flavour calls it",
  status: 'our status of the job (`status-map.ts`): MODAL while it waits for a person, FAILURE for a cancel',
  progress: '"0%" while queued or waiting, the upstream\'s percent while running, "100%" once terminal',
  parentId: 'our id of the parent task',
  state: "the caller's `state` (the upstream's holds the job's state key)",
  submitTime: "the caller's submit, epoch ms on our clock",
  startTime: 'when the job saw the task start (else the submit, once started), epoch ms on our clock',
  finishTime: 'when the job saw the task finish, epoch ms on our clock',
  imageUrl: 'our stored copy (`/mj/image/<id>`), once captured; before that the upstream URL',
  imageUrls: "our stored grid quadrants (`/mj/image/<id>/1..4`), once captured; else the upstream's list",
  mode: 'the mode the job runs in (FAST, RELAX, TURBO), also where the upstream reports none',
  'properties.provenance': "the version, parameters and references of the job's prompt, as our parser reads them",
  seed: 'the seed the job read once after SUCCESS (`image-seed`, where the upstream has it), else null',
} as const satisfies Partial<Record<keyof ProxyTask | `properties.${keyof ProxyTask['properties']}`, string>>;

/** How image URLs are made: our stored copy (absolute, signed) or the upstream's. */
export interface ImageUrls {
  /** URL of our stored copy of image `index` (0 = whole image, 1–4 = quadrants). */
  stored(taskId: string, index: number): string;
}

function execFailReason(execution: string): string {
  return execution === 'CANCELLED' ? 'cancelled' : `job ${execution.toLowerCase().replace(/_/g, ' ')}`;
}

/** Status, progress and failReason of a view: the memo's phase, or the execution status when the memo lags. */
export function viewStatus(view: JobView): { status: string; progress: string; failReason: string; phase: string } {
  const job = view.job;
  const phase = job?.phase ?? 'submitting';
  const closedStatus = STATUS_BY_EXECUTION[view.execution];
  if (closedStatus && !isTerminalPhase(phase)) {
    // The workflow closed but its memo does not say so (terminated by an operator, timed out, …).
    return {
      status: closedStatus,
      progress: '100%',
      failReason: closedStatus === 'FAILURE' ? execFailReason(view.execution) : '',
      phase,
    };
  }
  const row = statusRow(phase);
  const progress = row.progress ?? progressText(job?.progress) ?? '0%';
  let failReason = '';
  // The upstream's own words when it said why; the job's message names the upstream task, which stays ours.
  if (phase === 'failed') failReason = job?.reported?.failReason || job?.failReason || job?.failureType || 'failed';
  if (phase === 'cancelled') failReason = 'cancelled';
  return { status: row.status, progress, failReason, phase };
}

/**
 * `text` with the upstream task ids the job knows (its task's and its parent's) replaced by ours: proxies name them
 * in `description` ("/up 1796… U1", "/blend 1796… 2"), and callers only ever see our ids.
 */
function withOurIds(text: string, { gateway: gw, job }: JobView): string {
  const ids: [string | undefined, string | undefined][] = [
    [job?.taskId, gw.taskId],
    [job?.parentTaskId, gw.parentId],
  ];
  return ids.reduce((t, [theirs, ours]) => (theirs && ours ? t.split(theirs).join(ours) : t), text);
}

/**
 * A task's three prompt texts as its task JSON shows them: the upstream's words (`job.reported`), and until the
 * upstream has said anything the prompt the job sent (the caller's, or a modal's once given). What a bare
 * `{taskId}` modal falls back to and what an action on the task starts from.
 */
export function viewTexts(view: JobView): ReturnType<typeof reportedTexts> {
  return reportedTexts(view.job?.reported, view.job?.prompt ?? view.gateway.prompt);
}

/**
 * The task JSON of a view. Every field is what the upstream task said (`job.reported`, the memo's status, progress,
 * buttons and failure) except where {@link PROXY_TASK_OWN_FIELDS} says the gateway answers its own.
 */
export function toProxyTask(view: JobView, images: ImageUrls, cost?: TaskCost): ProxyTask {
  const { gateway: gw, job } = view;
  const up = job?.reported ?? {};
  const { status, progress, failReason } = viewStatus(view);
  const stored = new Set((job?.assets ?? []).map((a) => a.index));
  const imageUrl = stored.has(0) ? images.stored(gw.taskId, 0) : (job?.imageUrl ?? null);
  const quadrants = [1, 2, 3, 4].filter((i) => stored.has(i)).map((i) => ({ url: images.stored(gw.taskId, i) }));
  const { prompt, promptEn, finalPrompt } = viewTexts(view);
  const buttons = status === 'SUCCESS' ? (job?.buttons ?? []) : [];
  return {
    id: gw.taskId,
    action: gw.action,
    status,
    prompt,
    promptEn,
    description: up.description ? withOurIds(up.description, view) : `/${gw.endpoint} ${gw.parentId ?? ''}`.trim(),
    state: gw.state ?? '',
    submitTime: gw.submitTime,
    ...taskTimes(status, { submitTime: gw.submitTime, startTime: job?.startTime, finishTime: job?.finishTime }),
    progress,
    imageUrl,
    imageUrls: quadrants.length > 0 ? quadrants : (up.imageUrls ?? []),
    videoUrl: up.videoUrl ?? null,
    videoUrls: up.videoUrls ?? [],
    failReason,
    parentId: gw.parentId ?? null,
    mode: job?.mode ?? 'FAST',
    seed: job?.provenance?.seed ?? null,
    buttons: buttons.map((b) => ({
      customId: String(b.customId),
      emoji: String(b.emoji ?? ''),
      label: String(b.label ?? ''),
      type: 2,
      style: 2,
    })),
    properties: {
      finalPrompt,
      finalZhPrompt: up.finalZhPrompt ?? '',
      ...(cost ? { cost } : {}),
      ...promptProvenance(job?.provenance),
    },
  };
}

/** `properties.provenance`: what the prompt asked for; the seed is the task's own `seed` field, not repeated here. */
function promptProvenance(p: JobProvenance | undefined): { provenance?: Omit<JobProvenance, 'seed'> } {
  if (!p) return {};
  const { seed: _seed, ...asked } = p;
  return Object.keys(asked).length > 0 ? { provenance: asked } : {};
}
