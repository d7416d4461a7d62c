/**
 * The job's read model: a compact snapshot the job workflow keeps in its memo (key `JOB_MEMO_KEY`), so readers
 * (the gateway's `fetch` and `list-by-condition`, the console, `status` on a closed job) answer from
 * `describe`/visibility without a worker and without replaying history. Workflow-safe: types, constants and pure
 * functions only.
 *
 * The workflow upserts it when something a reader shows changes (phase, status, upstream task id, image, buttons,
 * failure, what it waits for), not on every progress webhook: per-percentage progress is kept beside the workflow
 * by the webhook receiver (see the cost issue), so waking the workflow for it is not needed.
 *
 * What the upstream task says that readers show verbatim (describe's and shorten's result text, the Chinese twin,
 * `promptEn`, media URLs, …) lives in one sub-object, {@link JobMemoReported}, built by {@link reportedTask} from the
 * task snapshot: a field a reader needs from upstream is added there once.
 */
import type { MjMediaUrl, SpeedMode, TaskStatus } from '../mj/types';
import type { TaskOwner } from './upstreams/types';
import type { JobPhase, TaskSnapshot } from './types';

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

/**
 * The upstream task's own words, as its latest confirmed snapshot gave them; a key is absent while the upstream gives
 * nothing (null or "") for it.
 */
export interface JobMemoReported {
  /** The upstream's prompt (an action's is its parent's). */
  prompt?: string;
  /** The upstream's prompt after translation and rewriting. */
  promptEn?: string;
  /** The upstream's description of the task. */
  description?: string;
  /** properties.finalPrompt: describe's four numbered prompts, shorten's "## Shortened prompts" text, else the prompt. */
  finalPrompt?: string;
  /** properties.finalZhPrompt: the Chinese twin of `finalPrompt` (plus, new-api). */
  finalZhPrompt?: string;
  /** Why the upstream task failed, in its words (the job's own `failReason` adds context such as the task id). */
  failReason?: string;
  /** Result images beyond `imageUrl` (trueai: one per grid image) and result videos, as the upstream links them. */
  imageUrls?: MjMediaUrl[];
  videoUrl?: string;
  videoUrls?: MjMediaUrl[];
}

/** The keys of {@link JobMemoReported}, and where each comes from in a {@link TaskSnapshot}. */
const REPORTED_KEYS = [
  'prompt',
  'promptEn',
  'description',
  'finalPrompt',
  'finalZhPrompt',
  'failReason',
  'imageUrls',
  'videoUrl',
  'videoUrls',
] as const satisfies readonly (keyof JobMemoReported & keyof TaskSnapshot)[];

// Compile-time check: REPORTED_KEYS names every key of JobMemoReported.
type _ReportedKeysCheck = Exclude<keyof JobMemoReported, (typeof REPORTED_KEYS)[number]> extends never ? true : never;
const _reportedKeysCheck: _ReportedKeysCheck = true;
void _reportedKeysCheck;

/**
 * What readers show of the upstream task: its non-empty reported fields; undefined when it reports none. A text
 * equal to the one it falls back to (see {@link reportedTexts}) is left out, so the prompt is not kept three times.
 */
export function reportedTask(t: TaskSnapshot): JobMemoReported | undefined {
  const out: Record<string, unknown> = {};
  for (const key of REPORTED_KEYS) {
    const v = t[key];
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = v;
  }
  const r = out as JobMemoReported;
  const promptEn = r.promptEn ?? r.prompt;
  if (r.promptEn !== undefined && r.promptEn === r.prompt) delete r.promptEn;
  if (r.finalPrompt !== undefined && r.finalPrompt === promptEn) delete r.finalPrompt;
  return Object.keys(r).length > 0 ? r : undefined;
}

/**
 * The three prompt texts of a task: the upstream's, each falling back to the one before it (`promptEn` to `prompt`,
 * `finalPrompt` to `promptEn`), and `prompt` to `fallback` (what the job sent) while the upstream has said nothing.
 */
export function reportedTexts(
  r: JobMemoReported | undefined,
  fallback: string
): { prompt: string; promptEn: string; finalPrompt: string } {
  const prompt = r?.prompt ?? fallback;
  const promptEn = r?.promptEn ?? prompt;
  return { prompt, promptEn, finalPrompt: r?.finalPrompt ?? promptEn };
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
  /** With several upstreams: the upstream, task and mode of the job; its follow-ups go there. */
  owner?: TaskOwner;
  /**
   * What the upstream task reported (result texts, media URLs), from the latest confirmed snapshot. It rides along
   * with the memo's other changes and never causes an upsert of its own (see `JobRun.publish`).
   */
  reported?: JobMemoReported;
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

/** The observer named in `JobInput.notify`; declared with the job input. */
export type { JobNotify } from './types';
