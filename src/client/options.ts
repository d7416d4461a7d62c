/**
 * The option and answer types of `MjJobsClient`. Types only; every default is documented where it applies.
 */
import type { PriceTable } from '../shared/upstreams/types';
import type { Client, Connection } from '@temporalio/client';
import type { ProgressStore } from '../webhook/progress-store';
import type { AssetStore } from '../assets';
import type { Config } from '../config';
import type { SpeedMode } from '../mj/types';
import type { BatchSpecOptions } from '../pipeline/batch';
import type { JobMemo } from '../shared/job-memo';
import type { BatchProgress, PipelineProgress } from '../shared/pipeline-types';
import type { BotType, BlendDimensions, ImageRef, JobInput, JobProgress, JobResult, PollPolicy } from '../shared/types';

/** Options shared by every start method. */
export interface StartOptions {
  /** Your idempotency key or a full workflow id; prefixed with `mj-job-` (or `mj-pipeline-`…) unless it has it. */
  jobId?: string;
  /**
   * Speed mode. Neither this nor `modes`: config MJ_MODE, and when that is unset no mode at all (FAST with one
   * upstream, the pool's `routing.modePreference` with several). @default config MJ_MODE
   */
  mode?: SpeedMode;
  /** Account key for slot accounting. @default 'default' */
  account?: string;
  /** Overrides of the per-mode poll policy. */
  policy?: Partial<PollPolicy>;
  /** Copy result images into the asset store. @default true */
  captureImages?: boolean;
  /** @default 'at-most-once' */
  submitPolicy?: JobInput['submitPolicy'];
  /**
   * With several upstreams: modes in order of preference (routing takes the first one an upstream can run now).
   * @default [mode]
   */
  modes?: SpeedMode[];
  /** Cost attribution for the ledger and budgets (`tenant`, `pipelineId`, `batchId`). */
  costTags?: JobInput['costTags'];
}

export interface ImagineOptions extends StartOptions {
  /** Reference images (URLs, bytes, data URLs or file paths). */
  images?: ImageInput[];
  botType?: BotType;
}

export interface ActionOptions extends StartOptions {
  enableRemix?: boolean;
  /** Modal input known in advance (custom-zoom prompt, vary-region mask): the job does not wait for a person. */
  modal?: ModalInputArg;
  /**
   * What the first argument of `action` names. `'job'`: a job of this service (its workflow id, or the id you chose
   * with `jobId`); an id that names no job throws `JobNotFoundError` and starts nothing. `'external'`: a bare
   * upstream task id (a task created outside this service), sent as is; a task the upstream does not know fails the
   * job within seconds with `ParentTaskNotFound`.
   * @default 'job'
   */
  parentOrigin?: 'job' | 'external';
  /**
   * Start a new, paid job even when this button was already pressed on this parent. Without it, a button that gives
   * the same result each press (U1–U4, the HD upscales, video upscale) pressed a second time returns the first job
   * (`alreadyStarted: true`); a first press that failed does not count. Buttons that draw new images each time
   * (variations, reroll, vary, zoom, pan) always start a new job. See docs/paid-once.md.
   * @default false
   */
  payAgain?: boolean;
}

export interface BlendOptions extends StartOptions {
  dimensions?: BlendDimensions;
  botType?: BotType;
}

export interface DescribeOptions extends StartOptions {
  botType?: BotType;
}

export interface VideoOptions extends StartOptions {
  image?: ImageInput;
  endImage?: ImageInput;
  motion?: 'low' | 'high';
  loop?: boolean;
  batchSize?: 1 | 2 | 4;
}

/** An image: http(s) URL (sent as is), or bytes / data URL / file path (stored first, referenced by key). */
export type ImageInput = string | Uint8Array | ImageRef;

/** Modal input as a caller gives it; the mask is a PNG as bytes, a PNG data URL or a file path. */
export interface ModalInputArg {
  prompt?: string;
  mask?: Uint8Array | string;
}

export interface BatchOptions extends BatchSpecOptions {
  /** Idempotency key or full workflow id (`mj-batch-…`). */
  jobId?: string;
}

export interface ListFilter {
  /** Upstream status (`MjStatus`): SUBMITTED, IN_PROGRESS, MODAL, SUCCESS, FAILURE, … */
  status?: string;
  /** Upstream action (`MjAction`): IMAGINE, UPSCALE, … */
  action?: string;
  mode?: SpeedMode;
  taskId?: string;
  /** Temporal status: Running, Completed, Failed, Canceled, Terminated, TimedOut. */
  executionStatus?: string;
  /** Workflow type. @default 'mjJobWorkflow' */
  type?: 'mjJobWorkflow' | 'pipelineWorkflow' | 'batchWorkflow';
  /** @default 50 */
  limit?: number;
}

/** A job started by pressing a button of another job (`children()`), newest first. */
export interface JobChildRow extends JobSummaryRow {
  /** The button pressed ('U1', 'zoom-out 2', …), from the child's memo. */
  intent?: string;
}

export interface JobSummaryRow {
  jobId: string;
  runId: string;
  type: string;
  executionStatus: string;
  startTime: string;
  closeTime?: string;
  taskId?: string;
  status?: string;
  action?: string;
  mode?: string;
}

/**
 * What `status()` returns: the workflow's Temporal state and its progress. A running workflow answers its progress
 * query (`source: 'query'`); a closed job is read without a worker, from its memo and its result or failure
 * (`source: 'closed'`; `wakeups` is then 0, as history does not record it).
 */
export type JobStatus =
  | { kind: 'job'; jobId: string; executionStatus: string; progress: JobProgress; source: 'query' | 'closed' }
  | { kind: 'pipeline'; jobId: string; executionStatus: string; progress: PipelineProgress }
  | {
      kind: 'batch';
      jobId: string;
      executionStatus: string;
      progress: BatchProgress;
      /** When the batch started and, once closed, ended (epoch ms, server time): its rate and ETA are measured by them. */
      startedAt: number;
      closedAt?: number;
    }
  | { kind: 'other'; jobId: string; executionStatus: string; type: string };

/** A closed job as `status()` reads it without a worker: its memo (when the job kept one) and its outcome. */
export interface ClosedJob {
  memo?: JobMemo;
  result?: JobResult;
  failure?: { type: string; message: string };
}

/** A started (or already existing) job. */
export interface JobHandle<R = JobResult> {
  readonly jobId: string;
  /** True when the id was already taken and this handle points at the existing workflow. */
  readonly alreadyStarted: boolean;
  /** Waits for the outcome; throws `JobFailedError`. */
  result(): Promise<R>;
}

export interface MjJobsClientOptions {
  client: Client;
  /** Where masks and image inputs are stored before a job starts, and where `download` reads captured images. */
  store: AssetStore;
  /** @default TASK_QUEUE, or config MJ_TASK_QUEUE */
  taskQueue?: string;
  /** Default speed mode. @default 'FAST' */
  mode?: SpeedMode;
  /** Task queue of the gateway's own workflows (`keys`, `deliveries`). @default 'mj-gateway' (MJ_GATEWAY_TASK_QUEUE) */
  gatewayTaskQueue?: string;
  /** Webhook progress kept beside running jobs (`progress`, `status` show it when newer). @default none */
  progressStore?: ProgressStore;
  /** Price tables of the configured upstreams, for batch estimates. @default none (nothing is priced) */
  prices?: PriceTable[];
}

export interface ConnectOptions {
  /** @default loadConfig(process.env) */
  config?: Config;
  /** An existing connection; not closed by `MjJobsClient.close`. */
  connection?: Connection;
  /** @default config.temporal.namespace ?? 'default' */
  namespace?: string;
  /** @default createAssetStore(config) */
  store?: AssetStore;
  /** @default a `DirProgressStore` on config `MJ_PROGRESS_DIR`, none when it is `off` */
  progressStore?: ProgressStore;
  /** Connect on first use instead of now (the CLI validates input before it needs the server). @default false */
  lazy?: boolean;
  /** Task queue of the gateway's own workflows. @default 'mj-gateway' */
  gatewayTaskQueue?: string;
}
