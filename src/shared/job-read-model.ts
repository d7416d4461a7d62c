/**
 * The job's read model: the fields every typed view of a job carries, defined once. The memo ({@link JobMemo} in
 * `./job-memo`, read without a worker) and the progress query's answer (`JobProgress` in `./types`, from the running
 * workflow) both extend {@link JobReadFields}; the gateway's task JSON, callbacks, the console, the CLI and the
 * client's `status()` read one of the two. A field every reader needs is added here once and appears in both.
 * Workflow-safe: types and pure functions only.
 *
 * Fields both carry in the same shape are here. Four facts each wire carries in its own shape, because the memo is
 * compact JSON and the query answers with the job's own types:
 * - buttons: the memo's `{customId, emoji, label, intent}` (intent as text), the query's `ButtonIntent[]`;
 * - times: the memo's `submitTime`/`startTime`/`finishTime`, the query's `timings` (`JobTimings`);
 * - what it waits for: the memo's intent as text, the query's `IntentSpec` (both with `kind`, `needs`, `since`);
 * - failure: the memo's `failReason`/`failureType`, the query's `failure: {type, message}`.
 *
 * What the upstream task says that readers show verbatim (describe's and shorten's result text, the Chinese twin,
 * `promptEn`, media URLs, its fail reason) lives in one sub-object, {@link JobReported}, built from the task snapshot by
 * `reportedTask` (`./job-memo`) and read through {@link reportedTexts} and `resultText`.
 */
import type { MjMediaUrl, SpeedMode, TaskStatus } from '../mj/types';
import type { JobPhase } from './job-phases';
import type { TaskOwner } from './upstreams/types';

/**
 * The upstream task's own words, as its latest confirmed snapshot gave them; a key is absent while the upstream gives
 * nothing (null or "") for it.
 */
export interface JobReported {
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

/** What the memo and the progress query both carry, in the same shape. */
export interface JobReadFields {
  phase: JobPhase;
  mode: SpeedMode;
  /** Current upstream task, once accepted. */
  taskId?: string;
  /** Last confirmed upstream status. */
  status?: TaskStatus;
  /** Upstream action name (IMAGINE, UPSCALE, VARIATION, …). */
  action?: string;
  /** With several upstreams: the upstream, task and mode of the job; its follow-ups go there. */
  owner?: TaskOwner;
  /** What the upstream task reported (result texts, media URLs), from the latest confirmed snapshot. */
  reported?: JobReported;
}

/** The keys of {@link JobReadFields}, for readers and tests that walk them. */
export const JOB_READ_KEYS = [
  'phase',
  'mode',
  'taskId',
  'status',
  'action',
  'owner',
  'reported',
] as const satisfies readonly (keyof JobReadFields)[];

// Compile-time check: JOB_READ_KEYS names every key of JobReadFields.
type _ReadKeysCheck = Exclude<keyof JobReadFields, (typeof JOB_READ_KEYS)[number]> extends never ? true : never;
const _readKeysCheck: _ReadKeysCheck = true;
void _readKeysCheck;

/**
 * The three prompt texts of a task: the upstream's, each falling back to the one before it (`promptEn` to `prompt`,
 * `finalPrompt` to `promptEn`), and `prompt` to `fallback` (what the job sent) while the upstream has said nothing.
 */
export function reportedTexts(
  r: JobReported | undefined,
  fallback: string
): { prompt: string; promptEn: string; finalPrompt: string } {
  const prompt = r?.prompt ?? fallback;
  const promptEn = r?.promptEn ?? prompt;
  return { prompt, promptEn, finalPrompt: r?.finalPrompt ?? promptEn };
}
