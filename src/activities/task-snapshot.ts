/**
 * The task as workflows see it. `properties` is dropped because proxies put the notify hook (with its secret token)
 * and Discord internals there, and history is forever; only its two texts (`finalPrompt`, `finalZhPrompt`) are kept.
 */
import { classifyButton, classifyFailReason } from '../mj';
import type { MjTask } from '../mj/types';
import type { TaskSnapshot } from '../shared/types';
import type { FetchedTask } from '../shared/job-activities';

export type { FetchedTask } from '../shared/job-activities';

/** A snapshot with the gateway facts of {@link FetchedTask}. */
export function toFetchedTask(t: MjTask, refreshMs: number): FetchedTask {
  const out: FetchedTask = toTaskSnapshot(t);
  if (t.stub) out.stub = true;
  if (refreshMs > 0) out.refreshMs = refreshMs;
  return out;
}

export function toTaskSnapshot(t: MjTask): TaskSnapshot {
  return {
    id: t.id,
    action: t.action,
    status: t.status,
    prompt: t.prompt,
    promptEn: t.promptEn,
    description: t.description,
    finalPrompt: t.finalPrompt,
    finalZhPrompt: t.finalZhPrompt,
    progress: t.progress,
    progressPct: t.progressPct,
    imageUrl: t.imageUrl,
    imageUrls: t.imageUrls,
    videoUrl: t.videoUrl,
    videoUrls: t.videoUrls,
    failReason: t.failReason,
    parentId: t.parentId,
    mode: t.mode,
    submitTime: t.submitTime,
    startTime: t.startTime,
    finishTime: t.finishTime,
    buttons: t.buttons.map((b) => ({
      customId: b.customId,
      emoji: b.emoji,
      label: b.label,
      type: b.type,
      style: b.style,
      intent: classifyButton(b),
    })),
    ...(t.status === 'FAILURE' ? { failKind: classifyFailReason(t.failReason) } : {}),
  };
}

const PREFERENCE: Record<string, number> = { SUCCESS: 4, IN_PROGRESS: 3, SUBMITTED: 2, NOT_START: 2, MODAL: 2 };

/**
 * Several tasks can share a state key when a caller chose at-least-once; adopt the one that got furthest, newest
 * first among equals.
 */
export function pickBest(tasks: readonly MjTask[]): MjTask | undefined {
  return [...tasks].sort(
    (a, b) => (PREFERENCE[b.status] ?? 0) - (PREFERENCE[a.status] ?? 0) || (b.submitTime ?? 0) - (a.submitTime ?? 0)
  )[0];
}
