/**
 * Child job outcomes for the run classes' unit tests (BatchRun, PipelineRun): what `runChildJob` hands back.
 */
import type { CapturedImage, JobResult } from '../../../src/shared/types';
import type { ChildOutcome } from '../../../src/workflows/common/child-jobs';

/** A succeeded job's result for task `taskId`; `finalPrompt` carries a describe answer's numbered prompts. */
export function result(
  taskId: string,
  over: { imageUrl?: string | null; urls?: string[]; images?: CapturedImage[]; finalPrompt?: string } = {}
): JobResult {
  const r: JobResult = {
    taskId,
    task: {
      id: taskId,
      action: 'IMAGINE',
      status: 'SUCCESS',
      prompt: 'p',
      finalPrompt: over.finalPrompt ?? 'p --v 7',
      progress: '100%',
      progressPct: 100,
      imageUrl: over.imageUrl === undefined ? `https://cdn.example/${taskId}.png` : over.imageUrl,
      imageUrls: (over.urls ?? []).map((url) => ({ url })),
      videoUrl: null,
      videoUrls: [],
      failReason: null,
      parentId: null,
      mode: 'FAST',
      submitTime: null,
      startTime: null,
      finishTime: null,
      buttons: [],
    },
    images: over.images ?? [],
    timings: { startedAt: 0 },
    submits: 1,
    fetches: 1,
  };
  return r;
}

export const succeeded = (r: JobResult): ChildOutcome => ({ status: 'succeeded', result: r });
export const failed = (type: string, message: string): ChildOutcome => ({
  status: 'failed',
  failure: { type, message },
});
