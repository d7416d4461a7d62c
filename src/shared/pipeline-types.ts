/**
 * Inputs, outputs and message payloads of the pipeline and batch workflows. Plain serialisable data, workflow-safe.
 *
 * A pipeline file (JSON, see `examples/cat-pipeline.json`) is validated and normalised on the Node side by
 * `parsePipelineSpec` (`src/pipeline/spec.ts`); the workflow receives the normalised {@link PipelineInput}.
 */
import type { IntentSpec, SpeedMode } from '../mj/types';
import type { Duration } from './duration';
import type { JobLineage } from './job-read-model';
import type { CapturedImage, ImageRef, JobRequest, ModalInput, PollPolicy, SlotLimits } from './types';

/** Workflow type name of the one-task job workflow the pipeline and batch start as children. */
export const JOB_WORKFLOW_TYPE = 'mjJobWorkflow';

/** Label of the single output of an entry step (imagine, blend, describe, shorten, edits, video). */
export const MAIN_BRANCH = 'main';

/** Requests that start a pipeline: everything but an action on a parent task. */
export type EntryRequest = Exclude<JobRequest, { kind: 'action' }>;
export type EntryKind = EntryRequest['kind'];

/** What a modal step needs from a person (the MODAL-input rule's type). */
export type { ModalNeed } from './modal-input-rule';
import type { ModalNeed } from './modal-input-rule';
import type { CostTags } from './upstreams/types';

/** An intent of an action or pick step, normalised at parse time. */
export interface PipelineIntent {
  /** Short, id-safe label: `U2`, `V1`, `zoom-out-2`, `vary-region`, `pan-left`, … Names the branches it makes. */
  label: string;
  intent: IntentSpec;
  /** The task this intent creates always parks in MODAL (vary-region, custom-zoom, describe pick). */
  alwaysModal: boolean;
  /** Fields a person must supply for this intent's modal (vary-region: prompt and mask; custom-zoom: prompt). */
  needs: ModalNeed[];
}

/**
 * Where a step's modal input comes from:
 * - `none`: nothing, unless an intent always needs a modal; then the branch waits for a person (as `ask`);
 * - `ask`: every branch waits for a person (`provideStepInputUpdate`) before its job starts;
 * - `given`: the file supplied it (mask as a stored asset reference); passed to the job as `JobInput.modal`.
 */
export type StepInputPolicy = { kind: 'none' } | { kind: 'ask' } | { kind: 'given'; modal: ModalInput };

/** An entry step: one job, one output (`main`), or one per output of its `promptFrom` step. */
export interface EntryStep {
  id: string;
  kind: 'entry';
  /**
   * The request. With `promptFrom`, an imagine's `prompt` is a suffix appended to the picked prompt
   * (e.g. `--v 7 --ar 1:1`), or empty.
   */
  request: EntryRequest;
  /** Imagine from the n-th numbered prompt (`1️⃣ …`) of a describe or shorten step's result. */
  promptFrom?: { step: string; pick: number | 'ask' };
}

/** Applies every intent to every (selected) output of `from`: fan-out = parent outputs × intents. */
export interface ActionStep {
  id: string;
  kind: 'action';
  from: string;
  /** Parent branch labels to act on; undefined = all. */
  branches?: string[];
  intents: PipelineIntent[];
  input: StepInputPolicy;
  enableRemix?: boolean;
}

/** Waits for a person to choose one of `choices` for every (selected) output of `from`, then applies it. */
export interface PickStep {
  id: string;
  kind: 'pick';
  from: string;
  branches?: string[];
  choices: PipelineIntent[];
  input: StepInputPolicy;
  enableRemix?: boolean;
}

export type PipelineStep = EntryStep | ActionStep | PickStep;

/**
 * What a pipeline or a batch (either engine) gives every child job it starts; a batch item may set its own mode and
 * account. Declared once: `PipelineInput`, `BatchInput` and the paged engine's `BatchSettings` extend it.
 */
export interface ChildJobSettings {
  /** @default 'FAST' */
  mode?: SpeedMode;
  /** @default 'default' */
  account?: string;
  policy?: Partial<PollPolicy>;
  captureImages?: boolean;
  submitPolicy?: 'at-most-once' | 'at-least-once';
  /** Cost attribution of every child job; the pipeline or batch adds its own id (`pipelineId`, `batchId`). */
  costTags?: CostTags;
}

/** What the pipeline workflow receives: validated, normalised, plain data. */
export interface PipelineInput extends ChildJobSettings {
  name: string;
  /** Steps in file order; the workflow runs them as a DAG. */
  steps: PipelineStep[];
  /** Most child jobs running at once. @default DEFAULT_PIPELINE_CONCURRENCY */
  concurrency?: number;
  /** How long a branch waits for a person before it fails with `StepInputExpired`. @default forever */
  inputTimeout?: Duration;
  /** The batch item this pipeline runs (a batch template): every job of it carries it in its lineage and `MjBatch`. */
  lineage?: Pick<JobLineage, 'batchId' | 'batchItemId'>;
}

export type BranchStatus =
  'blocked' | 'waiting-input' | 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type TerminalBranchStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface FailureInfo {
  type: string;
  message: string;
}

/** The part of a job's result a pipeline or batch keeps: no buttons, so reports stay small. */
export interface JobSummary {
  taskId: string;
  action: string;
  status: string;
  prompt: string;
  finalPrompt: string | null;
  imageUrl: string | null;
  imageUrls: string[];
  videoUrl: string | null;
  images: CapturedImage[];
  /** The seed of the task's image, when the job read one (`JobResult.provenance.seed`). */
  seed?: string;
}

/** One step × branch of a finished pipeline. */
export interface BranchOutcome {
  step: string;
  branch: string;
  status: TerminalBranchStatus;
  /**
   * Workflow id of the child job: `<pipelineWorkflowId>/<step>/<branch>`, shortened with a hash when wider than 255
   * characters (src/workflows/common/child-ids.ts); set even if it never started.
   */
  jobId: string;
  /** Label of the intent applied (action and pick steps). */
  intent?: string;
  taskId?: string;
  result?: JobSummary;
  /** Why it failed, was skipped (`ParentBranchFailed`) or was cancelled. */
  failure?: FailureInfo;
}

export interface OutcomeSummary {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  /** Child jobs started (each one upstream task at most). */
  jobsStarted: number;
}

export interface PipelineResult {
  name: string;
  pipelineId: string;
  outcomes: BranchOutcome[];
  summary: OutcomeSummary;
}

/** What a waiting branch needs. */
export type WaitingFor =
  | { kind: 'modal'; needs: ModalNeed[]; intent?: string }
  | { kind: 'choice'; choices: string[]; needs: { choice: string; needs: ModalNeed[]; modal: boolean }[] }
  | { kind: 'prompt-pick'; prompts: string[] };

export interface BranchProgress {
  branch: string;
  status: BranchStatus;
  jobId: string;
  intent?: string;
  taskId?: string;
  waitingFor?: WaitingFor;
  failure?: FailureInfo;
}

export interface StepProgress {
  step: string;
  kind: PipelineStep['kind'];
  branches: BranchProgress[];
}

/** Answer of `getPipelineProgressQuery`: the children's status as the pipeline knows it (no child queries). */
export interface PipelineProgress {
  name: string;
  pipelineId: string;
  done: boolean;
  steps: StepProgress[];
  /** `step/branch` of every branch waiting for a person. */
  waiting: string[];
  running: number;
  summary: OutcomeSummary;
}

/** Payload of `provideStepInputUpdate`. */
export interface StepInput {
  step: string;
  /** Required when more than one branch of the step is waiting. */
  branch?: string;
  /** For modal steps (vary-region: prompt + mask; custom-zoom: prompt). */
  modal?: ModalInput;
  /** For pick steps: an intent label of `choices` (e.g. "U2"); for `promptFrom … pick: "ask"`: "1".."4". */
  choice?: string;
}

export interface StepInputAck {
  step: string;
  branch: string;
  /** Workflow id of the child job this input starts. */
  jobId: string;
  /** The chosen intent label or prompt number. */
  choice?: string;
  /** The prompt the child will imagine (promptFrom picks). */
  prompt?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Batch

export interface BatchItem {
  /** Unique within the batch, id-safe; names the child job `<batchWorkflowId>/<id>`. */
  id: string;
  request: JobRequest;
  /** Overrides the batch's mode and account (concurrency is bounded per account × mode). */
  mode?: SpeedMode;
  account?: string;
  /** Line of the prompt file this item came from (for reports). */
  line?: number;
}

export interface BatchInput extends ChildJobSettings {
  name?: string;
  items: BatchItem[];
  /** Most jobs running at once per account × mode. @default DEFAULT_BATCH_CONCURRENCY */
  concurrency?: number;
  /** Account slots every item's job holds, as batch work (`JobInput.slots`, `SlotPriority`). @default none */
  slots?: SlotLimits;
}

export type BatchItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BatchItemReport {
  id: string;
  index: number;
  line?: number;
  status: 'succeeded' | 'failed' | 'cancelled';
  jobId: string;
  taskId?: string;
  prompt?: string;
  /** Captured assets when the job stored them, else the result URLs. */
  images: ImageRef[];
  result?: JobSummary;
  failure?: FailureInfo;
}

export interface BatchReport {
  name?: string;
  batchId: string;
  items: BatchItemReport[];
  summary: { total: number; succeeded: number; failed: number; cancelled: number };
}

export interface BatchProgress {
  batchId: string;
  done: boolean;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Highest number of jobs that ran at once in one account × mode group. */
  maxRunningPerGroup: number;
  groups: { key: string; running: number; limit: number }[];
  items: { id: string; status: BatchItemStatus; jobId: string; taskId?: string; failure?: FailureInfo }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Validation issues (shared by the Node-side parser and the workflow's own structural check)

export type SpecRule =
  | 'schema'
  | 'prompt-empty'
  | 'prompt-too-long'
  | 'prompt-param'
  | 'unknown-intent'
  | 'intent-not-supported'
  | 'intent-not-offered'
  | 'duplicate-intent'
  | 'missing-step'
  | 'cycle'
  | 'duplicate-step-id'
  | 'step-kind'
  | 'blend-image-count'
  | 'mask-not-png'
  | 'mask-not-asset'
  | 'unknown-branch'
  | 'too-many-branches'
  | 'too-many-steps'
  | 'prompt-source'
  | 'input-incomplete'
  | 'too-many-items'
  | 'duplicate-item-id';

/** One problem of a pipeline or batch spec: where (`steps[2].action[1]`, `line 7`) and which rule. */
export interface SpecIssue {
  path: string;
  rule: SpecRule;
  message: string;
}
