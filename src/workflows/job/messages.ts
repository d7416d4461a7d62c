/**
 * Messages of the job workflow (`mjJobWorkflow`): what the webhook receiver signals, what a person's answer looks
 * like, what readers query, and the signal a job sends its observer. Workflow-safe; activities, the client and the
 * webhook receiver import these definitions, never the workflow module itself.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { JOB_CHANGED_SIGNAL, type JobChanged } from '../../shared/job-memo';
import type { JobProgress, ModalAck, ModalInput, TaskChangedHint } from '../../shared/types';

export type { JobChanged, JobMemo, JobNotify } from '../../shared/job-memo';
export type { JobProgress, ModalAck, ModalInput, TaskChangedHint } from '../../shared/types';

/** A webhook saw the task change. A hint only: the workflow confirms with a fetch; repeats and stale hints are harmless. */
export const taskChangedSignal = defineSignal<[TaskChangedHint]>('taskChanged');

/** What {@link upstreamAvailableSignal} says: which upstream may take work again (none: routing changed). */
export interface UpstreamAvailable {
  upstreamId?: string;
}

/**
 * Sent by the upstream pool to the jobs whose submit it told to wait, when an upstream is enabled or the routing
 * config changes: the job asks again at once instead of at the end of its wait. A hint only: the pool's answer to the
 * next reservation decides.
 */
export const upstreamAvailableSignal = defineSignal<[UpstreamAvailable]>('upstreamAvailable');

/**
 * A person's answer to a modal step (prompt, mask). Accepted while the job waits for input (`waiting-input`: nothing
 * was pressed upstream yet) or parks on an unasked MODAL (`waiting-modal`); completes once the upstream took the
 * modal submit. Rejections carry `RejectionDetails` (src/shared/rejection.ts).
 */
export const provideModalInputUpdate = defineUpdate<ModalAck, [ModalInput]>('provideModalInput');

/** Phase, status, progress, preview, buttons, timings and counters; `waitingFor` while a person is asked. */
export const getProgressQuery = defineQuery<JobProgress>('getProgress');

/** Sent by a job to its observer (`JobInput.notify`) at each memo change (see `JOB_CHANGED_SIGNAL` in src/shared/job-memo.ts). */
export const jobChangedSignal = defineSignal<[JobChanged]>(JOB_CHANGED_SIGNAL);
