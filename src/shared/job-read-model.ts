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
  /** What produced the images: the prompt's parameters, model version, seed and references. */
  provenance?: JobProvenance;
  /** Where the job sits: its parent job, and the pipeline or batch that started it. */
  lineage?: JobLineage;
}

/** One value of a prompt parameter as the parameter grammar reads it (`--no` lists are arrays). */
export type ProvenanceValue = string | number | boolean | readonly string[];

/** An image the prompt refers to, and in which role (image prompt, style, omni or character reference). */
export interface ProvenanceReference {
  role: 'image-prompt' | 'sref' | 'oref' | 'cref' | 'moodboard' | 'profile';
  /** A URL, a style code or a profile/moodboard code, as written in the prompt. */
  value: string;
}

/**
 * What produced a job's images. Filled from the prompt the job sent (parameters, version, references) and, once the
 * task succeeded, from the upstream (the seed); a key is absent while unknown.
 */
export interface JobProvenance {
  /** The model version the prompt asked for, or the default the rules assume ('7', '6.1', 'niji 7'). */
  version?: string;
  /** The prompt's parameters by canonical long name (`stylize`, `chaos`, `no`, …), as the grammar parsed them. */
  params?: Readonly<Record<string, ProvenanceValue>>;
  /** Image prompts and references, in prompt order. */
  references?: readonly ProvenanceReference[];
  /** The upstream's seed of the task, when the flavour reports it (`image-seed`). */
  seed?: string;
}

/** The job's place among other jobs; the console links both ways through it. */
export interface JobLineage {
  /** Workflow id of the job whose button this job pressed. */
  parentJobId?: string;
  /** Workflow id of the first job of the chain (an imagine, blend, …); absent on that job itself. */
  rootJobId?: string;
  /** Workflow id of the pipeline that started it. */
  pipelineId?: string;
  /** Workflow id of the batch that started it, and the item's id in that batch. */
  batchId?: string;
  batchItemId?: string;
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
  'provenance',
  'lineage',
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
