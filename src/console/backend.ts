/**
 * What the console needs from the service, and nothing more. Pages and routes depend on this interface only, so they
 * can be built and tested against any implementation; `TemporalConsoleBackend` implements it over the project's own
 * parts (`MjJobsClient`, visibility by the `MjTenant` search attribute, the job memo).
 *
 * Every method takes the tenant first and answers another tenant's id exactly like an id that never existed (`null`
 * or `JobNotFoundError`), so a page can never tell the two apart. Bad input throws `MjInputError` naming the field.
 */
import type { JobProvenance } from '../shared/job-read-model';
import type { BatchLiveProgress } from '../shared/batch-run-types';
import type { SpeedMode } from '../mj/types';
import type { JobEvent } from '../shared/job-events';
import type { JobLineage } from '../shared/job-read-model';
import type { BudgetStatus, SpendTotals } from '../workflows/ledger/messages';

export type TenantId = string;

/** The console's own vocabulary for where a job is; every page and filter uses it. */
export const CONSOLE_STATES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type ConsoleState = (typeof CONSOLE_STATES)[number];

export type ConsoleJobKind = 'job' | 'pipeline' | 'batch';

/** What a person must supply before a job can go on. */
export type InputNeed = 'prompt' | 'mask';

/** One of the upstream task's own buttons. */
export interface ConsoleButton {
  customId: string;
  emoji: string;
  label: string;
  /** `formatIntent` of what it does ('U1', 'vary-region', …), or null when the button is unknown to us. */
  intent: string | null;
  /** Input a person gives before the button is pressed (vary-region: prompt and mask; custom-zoom: prompt). */
  needs: InputNeed[];
}

export interface ConsoleJob {
  id: string;
  kind: ConsoleJobKind;
  state: ConsoleState;
  /** The prompt, else the pipeline's or batch's name, else {@link ConsoleJob.label}: what the card shows as its title. */
  title: string;
  /** What kind of job it is, in the intent catalogue's words ('Imagine', 'Upscale 1', 'Vary (Region)'). */
  label: string;
  /** The caller's prompt, else the upstream's (an action's is its parent's), else its root job's. */
  prompt?: string;
  /** A describe's or shorten's result text (its numbered prompts), as the upstream reported it. */
  resultText?: string;
  mode?: string;
  /** Upstream action (IMAGINE, UPSCALE, …) and the intent of an action job ('U1', 'vary-region'). */
  action?: string;
  intent?: string;
  /** Upstream status verbatim (SUBMITTED, IN_PROGRESS, MODAL, SUCCESS, …). */
  status?: string;
  progressPct: number | null;
  taskId?: string;
  parentTaskId?: string;
  /** Epoch ms. */
  submitTime: number;
  startTime?: number;
  finishTime?: number;
  failure?: string;
  /** Indexes of the captured images the console can serve: 0 = whole image or grid, 1–4 = its quadrants. */
  images: number[];
  buttons: ConsoleButton[];
  waitingFor?: { needs: InputNeed[]; intent?: string; since?: number };
  /** Spend for this job, when the service knows it (the cost ledger): what was charged, where, and any refund. */
  cost?: { amount: number; currency: string; upstreamId?: string; mode?: string; refunded?: number };
  /** What the job's prompt asked for: model version, parameters and references (docs/prompt-parameters.md). */
  provenance?: JobProvenance;
  /** Why the cost is not known or is zero (no ledger for unrouted jobs, no price configured), when it is not known. */
  costNote?: string;
  /** Its parent job, pipeline and batch (`memo.lineage`, else the search attributes and the start input). */
  lineage?: JobLineage;
  /** The job whose whole image stands for this one: its own, else its nearest ancestor's with one. */
  thumbJobId?: string;
  /** The job page only: its parent job, found by lineage or (older jobs) by the parent's upstream task id. */
  parent?: JobLink;
  /** The job page only: the jobs started from its buttons (by the `MjParentJob` search attribute). */
  children?: JobLink[];
}

/** Another job as a link shows it. */
export interface JobLink {
  id: string;
  label: string;
  state: ConsoleState;
  prompt?: string;
  thumbJobId?: string;
}

/** A tenant's spend (the cost ledger): all time and today (UTC), per currency, and the budgets that count it. */
export interface TenantSpend {
  total: Record<string, SpendTotals>;
  today: Record<string, SpendTotals>;
  /** False when today's figure may be short (older detail folded into totals). */
  todayComplete: boolean;
  budgets: BudgetStatus[];
}

export interface JobFilter {
  state?: ConsoleState;
  mode?: SpeedMode;
  /** Case-insensitive substring of the prompt, title, id or task id. */
  text?: string;
  /** @default 60 */
  limit?: number;
}

/** Something of the tenant's that waits for a person. */
export interface InboxItem {
  /** The workflow to answer: the job itself, or the pipeline for a step. */
  targetId: string;
  step?: string;
  branch?: string;
  kind: 'modal' | 'choice' | 'prompt-pick';
  needs: InputNeed[];
  intent?: string;
  choices?: string[];
  prompts?: string[];
  /** Epoch ms since when it waits (oldest first in the inbox). */
  since: number;
  /** The job whose image the answer is about (the parent of the waiting step), when known. */
  imageJobId?: string;
  /** The prompt to prefill. */
  prompt?: string;
  title: string;
}

export interface BranchView {
  branch: string;
  status: string;
  jobId: string;
  intent?: string;
  taskId?: string;
  failure?: string;
  waiting?: InboxItem;
}

export interface PipelineView {
  id: string;
  name: string;
  state: ConsoleState;
  steps: { step: string; kind: string; branches: BranchView[] }[];
}

export interface BatchView {
  id: string;
  name: string;
  state: ConsoleState;
  counts: { total: number; pending: number; running: number; succeeded: number; failed: number; cancelled: number };
  /** The CLI's progress line (`formatBatchLine`): done / failed / running / waiting, rate and ETA. */
  progressLine?: string;
  items: {
    id: string;
    status: string;
    jobId: string;
    taskId?: string;
    failure?: string;
    /** The upstream's result URL of an item whose images were not stored (it expires). */
    upstreamUrl?: string;
  }[];
  /** A batch of the paged engine: its live summary (items are listed in its manifest, not on the page). */
  paged?: BatchLiveProgress;
}

/** What the batch page's buttons do (`batchControl`). */
export const BATCH_CONTROLS = ['pause', 'resume', 'cancel', 'retry-failed'] as const;
export type BatchControl = (typeof BATCH_CONTROLS)[number];

export interface ModalAnswer {
  prompt?: string;
  /** PNG bytes, white = repaint, black = keep, at the image's own size. */
  mask?: Uint8Array;
}

export interface ImagineRequest {
  prompt: string;
  mode?: SpeedMode;
  /** Reference images as bytes (PNG, JPEG, WebP, GIF) or http(s) URLs. */
  images?: (Uint8Array | string)[];
}

export interface ConsoleBackend {
  /** The tenant a key belongs to, or null. The key is never stored by the console. */
  authenticate(apiKey: string): Promise<TenantId | null>;
  listJobs(tenant: TenantId, filter: JobFilter): Promise<ConsoleJob[]>;
  getJob(tenant: TenantId, id: string): Promise<ConsoleJob | null>;
  /**
   * The job's event feed (`MjJobsClient.events`): yields each time the job changes, ends at its final event. Absent,
   * or for a pipeline or batch, live pages poll {@link getJob} instead.
   */
  jobEvents?(tenant: TenantId, id: string, signal: AbortSignal): AsyncIterable<JobEvent>;
  getPipeline(tenant: TenantId, id: string): Promise<PipelineView | null>;
  getBatch(tenant: TenantId, id: string): Promise<BatchView | null>;
  /** A captured image of the job (index as in {@link ConsoleJob.images}). */
  image(tenant: TenantId, id: string, index: number): Promise<{ bytes: Uint8Array; contentType: string } | null>;
  /** Starts an imagine; resolves to the new job's id. */
  imagine(tenant: TenantId, request: ImagineRequest): Promise<string>;
  /** Presses the parent job's button (by customId), with its input when it needs one; resolves to the new job id. */
  action(tenant: TenantId, jobId: string, customId: string, input?: ModalAnswer): Promise<string>;
  /** Answers what a job or a pipeline step waits for. */
  answer(
    tenant: TenantId,
    target: { targetId: string; step?: string; branch?: string; choice?: string },
    input: ModalAnswer
  ): Promise<void>;
  /** Starts a pipeline from its spec (a parsed pipeline file). */
  pipeline(tenant: TenantId, spec: unknown): Promise<string>;
  /** Starts a batch from prompt-file text (one prompt a line). */
  batch(tenant: TenantId, text: string, opts: { mode?: SpeedMode; concurrency?: number }): Promise<string>;
  /** Pauses, resumes, cancels a paged batch, or retries its failed items; resolves to the batch to show next. */
  batchControl?(tenant: TenantId, id: string, what: BatchControl): Promise<string>;
  /** A paged batch's manifest (JSON Lines), or null when the tenant has no such batch. */
  batchManifest?(tenant: TenantId, id: string): Promise<string | null>;
  inbox(tenant: TenantId): Promise<InboxItem[]>;
  /** The tenant's job whose upstream task is `taskId` (the parent a waiting follow-up is about), or null. */
  jobOfTask(tenant: TenantId, taskId: string): Promise<string | null>;
  /** The job's page in the Temporal Web UI, when one is configured. */
  temporalUiUrl(id: string): string | undefined;
  /** The tenant's spend; absent when the service keeps no ledger. */
  spend?(tenant: TenantId): Promise<TenantSpend>;
}
