/**
 * The proxy task object (contract §5) built from a job's memos, the way real clients decode it (docs/mj-clients.md
 * §4): string id/status/progress, epoch-ms integer times or null, `progress` "0%" at start and "100%" when
 * terminal, `failReason` empty unless failed for good, buttons with string customId/emoji/label, absolute imageUrl,
 * `properties.finalPrompt`/`finalZhPrompt` strings and `videoUrls` as `[{url}]`. Pure: no I/O.
 */
import { STATUS_BY_EXECUTION, statusRow, TERMINAL_PHASES } from './status-map';
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
  imageUrls: { url: string }[];
  videoUrl: string | null;
  videoUrls: { url: string }[];
  failReason: string;
  parentId: string | null;
  mode: string;
  buttons: ProxyButton[];
  /** `cost`: a routed task's upstream, mode, price and refunds (issue 13); absent for a job with one upstream. */
  properties: { finalPrompt: string; finalZhPrompt: string; cost?: TaskCost };
}

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
  if (closedStatus && !TERMINAL_PHASES.has(phase)) {
    // The workflow closed but its memo does not say so (terminated by an operator, timed out, …).
    return {
      status: closedStatus,
      progress: '100%',
      failReason: closedStatus === 'FAILURE' ? execFailReason(view.execution) : '',
      phase,
    };
  }
  const row = statusRow(phase);
  const progress = row.progress ?? (job?.progress && /^\d{1,3}%$/.test(job.progress) ? job.progress : '0%');
  let failReason = '';
  if (phase === 'failed') failReason = job?.failReason || job?.failureType || 'failed';
  if (phase === 'cancelled') failReason = 'cancelled';
  return { status: row.status, progress, failReason, phase };
}

export function toProxyTask(view: JobView, images: ImageUrls, cost?: TaskCost): ProxyTask {
  const { gateway: gw, job } = view;
  const { status, progress, failReason } = viewStatus(view);
  const stored = new Set((job?.assets ?? []).map((a) => a.index));
  const imageUrl = stored.has(0) ? images.stored(gw.taskId, 0) : (job?.imageUrl ?? null);
  const isVideo = gw.action === 'VIDEO';
  const quadrants = [1, 2, 3, 4].filter((i) => stored.has(i)).map((i) => ({ url: images.stored(gw.taskId, i) }));
  const prompt = job?.prompt ?? gw.prompt;
  // Describe and shorten put their result text in finalPrompt (a memo field once the job keeps it).
  const finalPrompt = (job as { finalPrompt?: string } | undefined)?.finalPrompt ?? prompt;
  const buttons = status === 'SUCCESS' ? (job?.buttons ?? []) : [];
  return {
    id: gw.taskId,
    action: gw.action,
    status,
    prompt: gw.prompt,
    promptEn: prompt,
    description: `/${gw.endpoint} ${gw.parentId ?? ''}`.trim(),
    state: gw.state ?? '',
    submitTime: gw.submitTime,
    ...taskTimes(status, { submitTime: gw.submitTime, startTime: job?.startTime, finishTime: job?.finishTime }),
    progress,
    imageUrl: isVideo ? null : imageUrl,
    imageUrls: quadrants,
    videoUrl: isVideo ? imageUrl : null,
    videoUrls: isVideo && imageUrl ? [{ url: imageUrl }] : [],
    failReason,
    parentId: gw.parentId ?? null,
    mode: job?.mode ?? 'FAST',
    buttons: buttons.map((b) => ({
      customId: String(b.customId),
      emoji: String(b.emoji ?? ''),
      label: String(b.label ?? ''),
      type: 2,
      style: 2,
    })),
    properties: { finalPrompt, finalZhPrompt: '', ...(cost ? { cost } : {}) },
  };
}
