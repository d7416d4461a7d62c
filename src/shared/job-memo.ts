/**
 * The job's read model: a compact snapshot the job workflow keeps in its memo (key `JOB_MEMO_KEY`), so readers
 * (the gateway's `fetch` and `list-by-condition`, the console, `status` on a closed job) answer from
 * `describe`/visibility without a worker and without replaying history. Workflow-safe: types and constants only.
 *
 * The workflow upserts it when something a reader shows changes (phase, status, upstream task id, image, buttons,
 * failure, what it waits for), not on every progress webhook: per-percentage progress is kept beside the workflow
 * by the webhook receiver (see the cost issue), so waking the workflow for it is not needed.
 */
import type { SpeedMode, TaskStatus } from '../mj/types';
import type { TaskOwner } from '../upstreams/types';
import type { JobPhase } from './types';

export const JOB_MEMO_KEY = 'mjTask';

/** Version of the memo shape; readers ignore memos of a version they do not know. */
export const JOB_MEMO_VERSION = 1;

export interface JobMemoButton {
  customId: string;
  emoji: string;
  label: string;
  /** `formatIntent` of the button's intent ('U1', 'vary-region', …); absent when unknown. */
  intent?: string;
}

export interface JobMemo {
  v: typeof JOB_MEMO_VERSION;
  phase: JobPhase;
  /** The request kind ('imagine', 'action', …) and, for actions, the formatted intent. */
  kind: string;
  intent?: string;
  mode: SpeedMode;
  /** The caller's prompt (imagine, shorten, edits, video) or the modal prompt once given. */
  prompt?: string;
  /** Current upstream task, when accepted; `parentTaskId` for actions. */
  taskId?: string;
  parentTaskId?: string;
  /** Last confirmed upstream status and progress ("0%".."100%"). */
  status?: TaskStatus;
  progress?: string;
  /** Upstream action name (IMAGINE, UPSCALE, VARIATION, …). */
  action?: string;
  imageUrl?: string;
  /** Asset keys of the captured images (index 0 = whole image, 1–4 = quadrants), when captured. */
  assets?: { index: number; key: string; contentType?: string }[];
  buttons?: JobMemoButton[];
  /** Epoch ms: the caller's submit (workflow start), upstream start, finish. */
  submitTime: number;
  startTime?: number;
  finishTime?: number;
  failReason?: string;
  failureType?: string;
  /** Set while the job waits for a person, or (routed) for its upstream or a budget (`needs` empty). */
  waitingFor?:
    | { kind: 'modal'; needs: ('prompt' | 'mask')[]; intent?: string; since: number; expiresAt?: number }
    | {
        kind: 'upstream';
        needs: [];
        upstreamId?: string;
        reason: string;
        since: number;
        until?: number;
        // Absent; declared so readers of a modal wait (`w.intent`, `w.expiresAt`) read both shapes.
        intent?: undefined;
        expiresAt?: undefined;
      };
  /** With several upstreams (issue 13): the upstream, task and mode of the job; its follow-ups go there. */
  owner?: TaskOwner;
}

/**
 * Observers of a job: a job started with `JobInput.notify` signals `JOB_CHANGED_SIGNAL` to that workflow each time
 * its memo changes, with a sequence that only grows, so the observer (the gateway's callback delivery) can drop
 * stale updates and deliver every change durably.
 */
export const JOB_CHANGED_SIGNAL = 'jobChanged';

export interface JobChanged {
  jobId: string;
  /** 1, 2, 3 … per job, across continue-as-new. */
  seq: number;
  memo: JobMemo;
}

export interface JobNotify {
  /** Workflow id of the observer to signal (started before the job, e.g. by the gateway). */
  workflowId: string;
}
