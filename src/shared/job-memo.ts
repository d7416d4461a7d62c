/**
 * The job's memo: a compact snapshot the job workflow keeps in its memo (key `JOB_MEMO_KEY`), so readers
 * (the gateway's `fetch` and `list-by-condition`, the console, `status` on a closed job) answer from
 * `describe`/visibility without a worker and without replaying history. Workflow-safe: types, constants and pure
 * functions only.
 *
 * The workflow upserts it when something a reader shows changes (phase, status, upstream task id, image, buttons,
 * failure, what it waits for), not on every progress webhook: per-percentage progress is kept beside the workflow
 * by the webhook receiver (see the cost issue), so waking the workflow for it is not needed.
 *
 * What the upstream task says that readers show verbatim (describe's and shorten's result text, the Chinese twin,
 * `promptEn`, media URLs, …) lives in one sub-object, {@link JobReported} (`./job-read-model`, shared with the progress query), built by
 * {@link reportedTask} from the task snapshot: a field a reader needs from upstream is added there once.
 */
import { ACTION_OF_KIND } from './action-names';
import { type JobReadFields, type JobReported, reportedTexts } from './job-read-model';
import type { TaskSnapshot } from './types';

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

/** The upstream task's own words (see {@link JobReported}); the memo's name for it. */
export type JobMemoReported = JobReported;

/** The keys of {@link JobReported}, and where each comes from in a {@link TaskSnapshot}. */
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
] as const satisfies readonly (keyof JobReported & keyof TaskSnapshot)[];

// Compile-time check: REPORTED_KEYS names every key of JobReported.
type _ReportedKeysCheck = Exclude<keyof JobReported, (typeof REPORTED_KEYS)[number]> extends never ? true : never;
const _reportedKeysCheck: _ReportedKeysCheck = true;
void _reportedKeysCheck;

/**
 * What readers show of the upstream task: its non-empty reported fields; undefined when it reports none. A text
 * equal to the one it falls back to (see {@link reportedTexts}) is left out, so the prompt is not kept three times.
 */
export function reportedTask(t: TaskSnapshot): JobReported | undefined {
  const out: Record<string, unknown> = {};
  for (const key of REPORTED_KEYS) {
    const v = t[key];
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = v;
  }
  const r = out as JobReported;
  const promptEn = r.promptEn ?? r.prompt;
  if (r.promptEn !== undefined && r.promptEn === r.prompt) delete r.promptEn;
  if (r.finalPrompt !== undefined && r.finalPrompt === promptEn) delete r.finalPrompt;
  return Object.keys(r).length > 0 ? r : undefined;
}

export { reportedTexts };

/**
 * The result text of a describe or shorten task (its numbered prompts, shorten's "## Shortened prompts" text), as the
 * upstream reported it; undefined for another action or while the upstream has given none.
 */
export function resultText(action: string | undefined, r: JobReported | undefined): string | undefined {
  if (action !== ACTION_OF_KIND.describe && action !== ACTION_OF_KIND.shorten) return undefined;
  return r?.finalPrompt ?? r?.promptEn ?? r?.prompt;
}

/** The memo: the read model's fields ({@link JobReadFields}) and what only the memo keeps. */
export interface JobMemo extends JobReadFields {
  v: typeof JOB_MEMO_VERSION;
  /** The request kind ('imagine', 'action', …) and, for actions, the formatted intent. */
  kind: string;
  intent?: string;
  /** The caller's prompt (imagine, shorten, edits, video) or the modal prompt once given. */
  prompt?: string;
  /** The parent's upstream task, for actions. */
  parentTaskId?: string;
  /** Last confirmed upstream progress ("0%".."100%"). */
  progress?: string;
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
  // `reported` rides along with the memo's other changes and never causes an upsert of its own (see
  // `ReadModel.publish`).
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
