/**
 * The typed facade a backend service imports to run MidJourney jobs durably.
 *
 * ```ts
 * import { MjJobsClient } from './client';
 *
 * const mj = await MjJobsClient.connect(); // TEMPORAL_* and MJ_* from the environment
 * const job = await mj.imagine('a red fox in the snow --ar 3:2', { jobId: 'order-1234' });
 * const result = await job.result(); // JobResult: task snapshot, captured images
 * const up = await mj.action(job.jobId, 'U2');
 * await mj.close();
 * ```
 *
 * Every method validates its input before anything starts and throws `MjInputError` (`field`, `rule`) when it is bad.
 * Ids: the `jobId` of a handle is the Temporal workflow id (`mj-job-…`, `mj-pipeline-…`, or a pipeline child
 * `mj-pipeline-…/<step>/<branch>`); every method that takes a `jobId` accepts any of them.
 *
 * Idempotency: pass your own `jobId` (e.g. an order number) and a repeated call returns the SAME job, running or
 * finished, instead of starting another: the workflow id reuse policy is REJECT_DUPLICATE and the "already started"
 * answer is turned into a handle with `alreadyStarted: true`. The first call's arguments win; a repeat with different
 * arguments is not detected. To run again, use a new id.
 *
 * Images (blend, describe, edits, video) and masks may be given as an http(s) URL (sent as is), or as bytes, a data
 * URL or a file path: those are stored in the asset store first, and only the reference (key, sha256, size) enters
 * workflow history.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowIdReusePolicy,
  type PayloadCodec,
} from '@temporalio/common';
import { createAssetStore, sniffImageType, parseDataUrl, type AssetStore, type AssetStoreConfig } from './assets';
import { AesGcmCodec } from './codec';
import { loadConfig, type Config } from './config';
import { MjInputError } from './mj/errors';
import { parseIntent, formatIntent, intentEquals } from './mj/buttons';
import type { IntentSpec, SpeedMode } from './mj/types';
import { parsePipelineSpec } from './pipeline/spec';
import { parseBatchSpec, type BatchSpecOptions } from './pipeline/batch';
import { TASK_QUEUE, WORKFLOW_ID_PREFIX } from './shared/constants';
import { MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from './shared/defaults';
import { MODAL_INPUT_REJECTION, PIPELINE_FAILURE } from './shared/failure-types';
import type {
  BatchInput,
  BatchProgress,
  BatchReport,
  PipelineInput,
  PipelineProgress,
  PipelineResult,
  StepInputAck,
} from './shared/pipeline-types';
import { MJ_ACTION, MJ_MODE, MJ_STATUS, MJ_TASK_ID } from './shared/search-attributes';
import type {
  AssetRef,
  BlendDimensions,
  BotType,
  ImageRef,
  JobInput,
  JobProgress,
  JobRequest,
  JobResult,
  ModalInput,
  PollPolicy,
} from './shared/types';
import {
  batchWorkflow,
  getBatchProgressQuery,
  getPipelineProgressQuery,
  getProgressQuery,
  mjJobWorkflow,
  pipelineWorkflow,
  provideModalInputUpdate,
  provideStepInputUpdate,
} from './workflows';

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Thrown when a job id names no workflow (never started, or deleted after retention). */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  readonly code = 'JOB_NOT_FOUND';
  constructor(readonly jobId: string) {
    super(`job not found: ${jobId}`);
  }
}

/** Thrown by `result()` when the job failed, was cancelled, terminated or timed out. `type` is the failure type. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  readonly code = 'JOB_FAILED';
  constructor(
    readonly jobId: string,
    /** `ApplicationFailure.type` (see `JOB_FAILURE`), or `Cancelled`, `Terminated`, `TimedOut`. */
    readonly type: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(`job ${jobId} failed (${type}): ${message}`, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Options

/** Options shared by every start method. */
export interface StartOptions {
  /** Your idempotency key or a full workflow id; prefixed with `mj-job-` (or `mj-pipeline-`…) unless it has it. */
  jobId?: string;
  /** Speed mode. @default config MJ_MODE ('FAST') */
  mode?: SpeedMode;
  /** Account key for slot accounting. @default 'default' */
  account?: string;
  /** Overrides of the per-mode poll policy. */
  policy?: Partial<PollPolicy>;
  /** Copy result images into the asset store. @default true */
  captureImages?: boolean;
  /** @default 'at-most-once' */
  submitPolicy?: JobInput['submitPolicy'];
}

export interface ImagineOptions extends StartOptions {
  /** Reference images (URLs, bytes, data URLs or file paths). */
  images?: ImageInput[];
  botType?: BotType;
}
export interface ActionOptions extends StartOptions {
  enableRemix?: boolean;
  /** Modal input known in advance (custom-zoom prompt, vary-region mask): the job does not park in MODAL. */
  modal?: ModalInputArg;
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

/** What `status()` returns: the workflow's Temporal state plus its own progress query answer. */
export type JobStatus =
  | { kind: 'job'; jobId: string; executionStatus: string; progress: JobProgress }
  | { kind: 'pipeline'; jobId: string; executionStatus: string; progress: PipelineProgress }
  | { kind: 'batch'; jobId: string; executionStatus: string; progress: BatchProgress }
  | { kind: 'other'; jobId: string; executionStatus: string; type: string };

/** A started (or already existing) job. */
export interface JobHandle<R = JobResult> {
  readonly jobId: string;
  /** True when the id was already taken and this handle points at the existing workflow. */
  readonly alreadyStarted: boolean;
  /** Waits for the outcome; throws {@link JobFailedError}. */
  result(): Promise<R>;
}

export interface MjJobsClientOptions {
  client: Client;
  /** Where masks and image inputs are stored before a job starts. */
  store: AssetStore;
  /** @default TASK_QUEUE, or config MJ_TASK_QUEUE */
  taskQueue?: string;
  /** Default speed mode. @default 'FAST' */
  mode?: SpeedMode;
}

export interface ConnectOptions {
  /** @default loadConfig(process.env) */
  config?: Config;
  /** An existing connection; not closed by {@link MjJobsClient.close}. */
  connection?: Connection;
  /** @default config.temporal.namespace ?? 'default' */
  namespace?: string;
  /** @default createAssetStore(config) */
  store?: AssetStore;
  /** Connect on first use instead of now (the CLI validates input before it needs the server). @default false */
  lazy?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Config helpers shared with the worker

/** The asset store backend named by config (secrets revealed here, straight into the store). */
export function assetStoreConfig(config: Config): AssetStoreConfig {
  const a = config.assets;
  return a.kind === 'local'
    ? { kind: 'local', dir: a.dir }
    : {
        kind: 's3',
        endpoint: a.endpoint,
        bucket: a.bucket,
        region: a.region,
        accessKeyId: a.accessKeyId,
        secretAccessKey: a.secretAccessKey.reveal(),
      };
}

/** The payload codecs for config: AES-256-GCM when `MJ_ENCRYPTION_KEY` is set. Worker and clients must agree. */
export function payloadCodecsFor(config: Config): PayloadCodec[] {
  const enc = config.encryption;
  if (!enc) return [];
  const keys = Object.fromEntries(Object.entries(enc.keys).map(([id, s]) => [id, s.reveal()]));
  return [new AesGcmCodec({ keys, currentKeyId: enc.currentKeyId })];
}

/**
 * A Temporal client from envconfig settings, with our payload codec. The webhook receiver and the CLI use it too, so
 * every process encodes signals, updates and inputs the way the worker decodes them.
 */
export async function createTemporalClient(
  config: Config,
  opts: { connection?: Connection; namespace?: string; lazy?: boolean } = {}
): Promise<{ client: Client; connection: Connection }> {
  const connection =
    opts.connection ??
    (opts.lazy
      ? Connection.lazy(config.temporal.connectionOptions)
      : await Connection.connect(config.temporal.connectionOptions));
  const codecs = payloadCodecsFor(config);
  const client = new Client({
    connection,
    namespace: opts.namespace ?? config.temporal.namespace ?? 'default',
    dataConverter: codecs.length > 0 ? { payloadCodecs: codecs } : undefined,
  });
  return { client, connection };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

const ID_RE = /^[\w.:/-]{1,200}$/;

function checkPrompt(prompt: unknown, field = 'prompt'): string {
  if (typeof prompt !== 'string' || prompt.trim().length === 0)
    throw new MjInputError(field, 'must be a non-empty string');
  if (prompt.length > MAX_PROMPT_LENGTH)
    throw new MjInputError(field, `must be at most ${MAX_PROMPT_LENGTH} characters`);
  return prompt.trim();
}

function checkId(id: unknown, field = 'jobId'): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new MjInputError(field, 'must be 1-200 characters of [A-Za-z0-9_.:/-]');
  }
  return id;
}

const MODES: readonly SpeedMode[] = ['FAST', 'RELAX', 'TURBO'];

function checkStartOptions(opts: StartOptions): void {
  if (opts.jobId !== undefined) checkId(opts.jobId);
  if (opts.mode !== undefined && !MODES.includes(opts.mode)) {
    throw new MjInputError('mode', `must be one of ${MODES.join(', ')}`);
  }
  if (opts.account !== undefined && !/^[\w.-]{1,100}$/.test(opts.account)) {
    throw new MjInputError('account', 'must be 1-100 characters of [A-Za-z0-9_.-]');
  }
}

function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s) && URL.canParse(s);
}

function isImageRef(v: unknown): v is ImageRef {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && ('url' in v || 'asset' in v);
}

/** A visibility query value, quoted; escaping keeps a filter from widening the query. */
function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---------------------------------------------------------------------------------------------------------------

type WorkflowKind = keyof typeof WORKFLOW_ID_PREFIX;

/** The typed facade over the job, pipeline and batch workflows. */
export class MjJobsClient {
  readonly client: Client;
  readonly store: AssetStore;
  readonly taskQueue: string;
  private readonly defaultMode: SpeedMode;
  private readonly ownedConnection?: Connection;

  /**
   * Wraps an existing Temporal client.
   * @example new MjJobsClient({ client: new Client({ connection }), store: new LocalAssetStore({ dir: './data/assets' }) })
   */
  constructor(opts: MjJobsClientOptions, ownedConnection?: Connection) {
    this.client = opts.client;
    this.store = opts.store;
    this.taskQueue = opts.taskQueue ?? TASK_QUEUE;
    this.defaultMode = opts.mode ?? 'FAST';
    this.ownedConnection = ownedConnection;
  }

  /**
   * Connects with the Temporal settings of `@temporalio/envconfig` and our `MJ_*` settings (codec, asset store).
   * @example const mj = await MjJobsClient.connect();
   */
  static async connect(opts: ConnectOptions = {}): Promise<MjJobsClient> {
    const config = opts.config ?? loadConfig();
    const { client, connection } = await createTemporalClient(config, opts);
    const store = opts.store ?? createAssetStore(assetStoreConfig(config));
    return new MjJobsClient(
      { client, store, taskQueue: config.worker.taskQueue, mode: config.mj.mode },
      opts.connection ? undefined : connection
    );
  }

  /** Closes the connection if {@link connect} opened it. @example await mj.close(); */
  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Starting jobs

  /**
   * Starts an imagine job.
   * @example const job = await mj.imagine('a cat in a hat --v 7', { jobId: 'order-1' }); await job.result();
   */
  async imagine(prompt: string, opts: ImagineOptions = {}): Promise<JobHandle> {
    const p = checkPrompt(prompt);
    checkStartOptions(opts);
    const refs = opts.images ? await this.images(opts.images, 'images') : undefined;
    return this.startJob({ kind: 'imagine', prompt: p, referenceImages: refs, botType: opts.botType }, opts);
  }

  /**
   * Presses a button on a finished job's task (or on an upstream task id): `U2`, `V1`, `zoom-out 2`, `pan left`, …
   * @example const up = await mj.action(job.jobId, 'U2'); const { images } = await up.result();
   */
  async action(jobIdOrTaskId: string, intent: string | IntentSpec, opts: ActionOptions = {}): Promise<JobHandle> {
    checkId(jobIdOrTaskId, 'jobIdOrTaskId');
    const spec = typeof intent === 'string' ? parseIntent(intent) : intent;
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string') {
      throw new MjInputError('intent', 'must be an intent string (e.g. "U2") or an IntentSpec');
    }
    checkStartOptions(opts);
    const modal = opts.modal ? await this.modalInput(opts.modal) : undefined;
    const parent = await this.resolveParent(jobIdOrTaskId, spec);
    return this.startJob(
      { kind: 'action', parentTaskId: parent.taskId, intent: spec, enableRemix: opts.enableRemix },
      { ...opts, mode: opts.mode ?? parent.mode },
      modal
    );
  }

  /**
   * Blends 2-5 images.
   * @example await mj.blend(['https://example.com/a.png', './b.png'], { dimensions: 'SQUARE' });
   */
  async blend(images: ImageInput[], opts: BlendOptions = {}): Promise<JobHandle> {
    if (!Array.isArray(images) || images.length < 2 || images.length > 5) {
      throw new MjInputError('images', 'must hold 2 to 5 images');
    }
    if (opts.dimensions !== undefined && !['PORTRAIT', 'SQUARE', 'LANDSCAPE'].includes(opts.dimensions)) {
      throw new MjInputError('dimensions', 'must be one of PORTRAIT, SQUARE, LANDSCAPE');
    }
    checkStartOptions(opts);
    const refs = await this.images(images, 'images');
    return this.startJob({ kind: 'blend', images: refs, dimensions: opts.dimensions, botType: opts.botType }, opts);
  }

  /**
   * Describes an image (four prompts come back in `result.task.finalPrompt`).
   * @example const d = await mj.describe('./photo.jpg'); console.log((await d.result()).task.finalPrompt);
   */
  async describe(image: ImageInput, opts: DescribeOptions = {}): Promise<JobHandle> {
    checkStartOptions(opts);
    const [ref] = await this.images([image], 'image');
    return this.startJob({ kind: 'describe', image: ref!, botType: opts.botType }, opts);
  }

  /**
   * Shortens a prompt.
   * @example const s = await mj.shorten('a very long prompt …');
   */
  async shorten(prompt: string, opts: DescribeOptions = {}): Promise<JobHandle> {
    const p = checkPrompt(prompt);
    checkStartOptions(opts);
    return this.startJob({ kind: 'shorten', prompt: p, botType: opts.botType }, opts);
  }

  /**
   * Edits an image with a prompt.
   * @example await mj.edits('make the sky purple', './photo.png');
   */
  async edits(prompt: string, image: ImageInput, opts: StartOptions = {}): Promise<JobHandle> {
    const p = checkPrompt(prompt);
    checkStartOptions(opts);
    const [ref] = await this.images([image], 'image');
    return this.startJob({ kind: 'edits', prompt: p, image: ref! }, opts);
  }

  /**
   * Generates a video from a prompt and optional start/end frames.
   * @example await mj.video('waves at dusk', { image: 'https://example.com/frame.png', motion: 'low' });
   */
  async video(prompt: string, opts: VideoOptions = {}): Promise<JobHandle> {
    const p = checkPrompt(prompt);
    checkStartOptions(opts);
    if (opts.motion !== undefined && opts.motion !== 'low' && opts.motion !== 'high') {
      throw new MjInputError('motion', 'must be low or high');
    }
    if (opts.batchSize !== undefined && ![1, 2, 4].includes(opts.batchSize)) {
      throw new MjInputError('batchSize', 'must be 1, 2 or 4');
    }
    const image = opts.image === undefined ? undefined : (await this.images([opts.image], 'image'))[0];
    const endImage = opts.endImage === undefined ? undefined : (await this.images([opts.endImage], 'endImage'))[0];
    return this.startJob(
      { kind: 'video', prompt: p, image, endImage, motion: opts.motion, loop: opts.loop, batchSize: opts.batchSize },
      opts
    );
  }

  /**
   * Starts a pipeline from a spec object (the parsed JSON of a pipeline file); validated before it starts.
   * @example const p = await mj.pipeline(JSON.parse(await readFile('cat.json', 'utf8')), { jobId: 'cat-1' });
   */
  async pipeline(spec: unknown, opts: { jobId?: string } = {}): Promise<JobHandle<PipelineResult>> {
    const input: PipelineInput = parsePipelineSpec(spec);
    if (opts.jobId !== undefined) checkId(opts.jobId);
    const id = this.workflowId('pipeline', opts.jobId);
    return this.start<PipelineResult>(id, () =>
      this.client.workflow.start(pipelineWorkflow, {
        workflowId: id,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: MJ_MODE, value: input.mode ?? this.defaultMode }],
      })
    );
  }

  /**
   * Starts a batch (many jobs, bounded concurrency per account × mode) from prompt-file text or a batch spec object.
   * @example await mj.batch('a cat\na dog\n', { mode: 'RELAX', concurrency: 2 });
   * @example await mj.batch({ items: [{ id: 'a', request: { kind: 'imagine', prompt: 'a cat' } }], mode: 'RELAX' });
   */
  async batch(spec: unknown, opts: BatchOptions = {}): Promise<JobHandle<BatchReport>> {
    const { jobId: _jobId, ...specOptions } = opts;
    const input: BatchInput = parseBatchSpec(spec, specOptions);
    if (opts.jobId !== undefined) checkId(opts.jobId);
    const id = this.workflowId('batch', opts.jobId);
    return this.start<BatchReport>(id, () =>
      this.client.workflow.start(batchWorkflow, {
        workflowId: id,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: MJ_MODE, value: input.mode ?? this.defaultMode }],
      })
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Talking to running jobs

  /**
   * Supplies the input a job parked in MODAL waits for (Vary Region mask + prompt, Custom Zoom prompt). The mask is
   * stored in the asset store first; only its reference is sent. With `step`, it answers a pipeline step instead.
   * @example await mj.provideModalInput(job.jobId, { prompt: 'a hat', mask: './mask.png' });
   * @example await mj.provideModalInput(pipelineId, { prompt: 'wider' }, { step: 'zoom', branch: 'U1' });
   */
  async provideModalInput(
    jobId: string,
    input: ModalInputArg,
    opts: { step?: string; branch?: string; choice?: string } = {}
  ): Promise<unknown> {
    checkId(jobId);
    if (typeof input !== 'object' || input === null) throw new MjInputError('input', 'must be an object');
    if (input.prompt !== undefined) checkPrompt(input.prompt, 'prompt');
    if (opts.step === undefined && input.prompt === undefined && input.mask === undefined) {
      throw new MjInputError('input', 'must carry a prompt, a mask or both');
    }
    const modal = await this.modalInput(input);
    const handle = this.client.workflow.getHandle(jobId);
    try {
      return await (opts.step === undefined
        ? handle.executeUpdate(provideModalInputUpdate, { args: [modal] })
        : handle.executeUpdate(provideStepInputUpdate, {
            args: [
              {
                step: opts.step,
                branch: opts.branch,
                choice: opts.choice,
                modal: modal.prompt !== undefined || modal.mask !== undefined ? modal : undefined,
              },
            ],
          }));
    } catch (err) {
      throw await this.updateRejection(jobId, err);
    }
  }

  /**
   * Answers a pipeline pick step (`U2`, `V1`, …) or a prompt pick (`1`-`4`).
   * @example await mj.provideStepInput(pipelineId, { step: 'choose', branch: 'main', choice: 'U2' });
   */
  async provideStepInput(
    pipelineId: string,
    input: { step: string; branch?: string; choice?: string; prompt?: string; mask?: Uint8Array | string }
  ): Promise<StepInputAck> {
    checkId(input.step, 'step');
    const { step, branch, choice, ...modal } = input;
    return (await this.provideModalInput(pipelineId, modal, { step, branch, choice })) as StepInputAck;
  }

  /**
   * The job's (or pipeline's, or batch's) Temporal status and progress query answer.
   * @example const s = await mj.status(job.jobId); if (s.kind === 'job') console.log(s.progress.progressPct);
   */
  async status(jobId: string): Promise<JobStatus> {
    checkId(jobId);
    const handle = this.client.workflow.getHandle(jobId);
    const info = await this.mapNotFound(jobId, () => handle.describe());
    const executionStatus = info.status.name;
    switch (info.type) {
      case 'mjJobWorkflow':
        return { kind: 'job', jobId, executionStatus, progress: await handle.query(getProgressQuery) };
      case 'pipelineWorkflow':
        return { kind: 'pipeline', jobId, executionStatus, progress: await handle.query(getPipelineProgressQuery) };
      case 'batchWorkflow':
        return { kind: 'batch', jobId, executionStatus, progress: await handle.query(getBatchProgressQuery) };
      default:
        return { kind: 'other', jobId, executionStatus, type: info.type };
    }
  }

  /**
   * A job's progress (phase, percentage, preview, what it waits for).
   * @example const p = await mj.progress(job.jobId); console.log(p.phase, p.progressPct);
   */
  async progress(jobId: string): Promise<JobProgress> {
    checkId(jobId);
    return this.mapNotFound(jobId, () => this.client.workflow.getHandle(jobId).query(getProgressQuery));
  }

  /**
   * Waits for a job (or pipeline/batch) and returns its result; throws {@link JobFailedError} or {@link JobNotFoundError}.
   * @example const { images, task } = await mj.result(job.jobId);
   */
  async result<R = JobResult>(jobId: string): Promise<R> {
    checkId(jobId);
    return this.awaitResult<R>(jobId);
  }

  /**
   * Requests cancellation; the job cancels its upstream task where the proxy allows it and ends as cancelled.
   * @example await mj.cancel(job.jobId);
   */
  async cancel(jobId: string): Promise<void> {
    checkId(jobId);
    await this.mapNotFound(jobId, () => this.client.workflow.getHandle(jobId).cancel());
  }

  /**
   * Lists jobs through visibility search attributes (newest first).
   * @example const running = await mj.list({ status: 'IN_PROGRESS', mode: 'RELAX' });
   */
  async list(filter: ListFilter = {}): Promise<JobSummaryRow[]> {
    const limit = filter.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new MjInputError('limit', 'must be an integer 1-1000');
    if (filter.mode !== undefined && !MODES.includes(filter.mode)) {
      throw new MjInputError('mode', `must be one of ${MODES.join(', ')}`);
    }
    const clauses = [`WorkflowType = ${q(filter.type ?? 'mjJobWorkflow')}`];
    if (filter.status) clauses.push(`${MJ_STATUS.name} = ${q(filter.status)}`);
    if (filter.action) clauses.push(`${MJ_ACTION.name} = ${q(filter.action)}`);
    if (filter.mode) clauses.push(`${MJ_MODE.name} = ${q(filter.mode)}`);
    if (filter.taskId) clauses.push(`${MJ_TASK_ID.name} = ${q(filter.taskId)}`);
    if (filter.executionStatus) clauses.push(`ExecutionStatus = ${q(filter.executionStatus)}`);
    const rows: JobSummaryRow[] = [];
    for await (const wf of this.client.workflow.list({
      query: clauses.join(' AND '),
      pageSize: Math.min(limit, 100),
    })) {
      rows.push(summaryRow(wf));
      if (rows.length >= limit) break;
    }
    return rows;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  private workflowId(kind: WorkflowKind, key: string | undefined): string {
    const prefix = `${WORKFLOW_ID_PREFIX[kind]}-`;
    if (key === undefined) return `${prefix}${randomUUID()}`;
    return key.startsWith(prefix) ? key : `${prefix}${key}`;
  }

  private async startJob(request: JobRequest, opts: StartOptions, modal?: ModalInput): Promise<JobHandle> {
    const mode = opts.mode ?? this.defaultMode;
    const input: JobInput = {
      request,
      mode,
      account: opts.account,
      policy: opts.policy,
      captureImages: opts.captureImages,
      submitPolicy: opts.submitPolicy,
      modal,
    };
    const id = this.workflowId('job', opts.jobId);
    return this.start<JobResult>(id, () =>
      this.client.workflow.start(mjJobWorkflow, {
        workflowId: id,
        taskQueue: this.taskQueue,
        args: [input],
        // A finished job with this id stays the answer: same id, same job (see the module doc).
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: MJ_MODE, value: mode }],
      })
    );
  }

  private async start<R>(id: string, starter: () => Promise<WorkflowHandle>): Promise<JobHandle<R>> {
    let alreadyStarted = false;
    try {
      await starter();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      alreadyStarted = true;
    }
    return { jobId: id, alreadyStarted, result: () => this.awaitResult<R>(id) };
  }

  private async awaitResult<R>(jobId: string): Promise<R> {
    try {
      return (await this.client.workflow.getHandle(jobId).result()) as R;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause;
        const type =
          cause instanceof ApplicationFailure
            ? (cause.type ?? 'Error')
            : cause instanceof CancelledFailure
              ? 'Cancelled'
              : cause instanceof TerminatedFailure
                ? 'Terminated'
                : cause instanceof TimeoutFailure
                  ? 'TimedOut'
                  : (cause?.name ?? 'Error');
        throw new JobFailedError(jobId, type, cause?.message ?? err.message, { cause: err });
      }
      throw err;
    }
  }

  private async mapNotFound<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
      throw err;
    }
  }

  /**
   * What a failed input update means to the caller: the workflow's validator refused it (nothing was recorded) →
   * {@link MjInputError} naming the field and the rule; a finished job → MjInputError on `jobId` (the SDK reports a
   * closed workflow as not found); a job that does not exist → {@link JobNotFoundError}; anything else as is.
   */
  private async updateRejection(jobId: string, err: unknown): Promise<unknown> {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const { type, message } = err.cause;
      if (type === MODAL_INPUT_REJECTION.notWaiting) {
        const phase = /\(phase ([\w-]+)\)/.exec(message)?.[1];
        return new MjInputError(
          'jobId',
          `must name a job waiting for modal input (${phase ? `it is ${phase}` : message})`,
          type
        );
      }
      if (type === MODAL_INPUT_REJECTION.invalid || type === PIPELINE_FAILURE.inputRejected) {
        const m = /^((?:modal\.)?(?:prompt|mask))\s+(.+)$/s.exec(message);
        if (m) return new MjInputError(m[1]!, m[2]!, type);
        const field = /\b(mask|prompt|step|branch|choice)\b/.exec(message)?.[1] ?? 'input';
        return new MjInputError(field, `is refused: ${message}`, type);
      }
    }
    if (err instanceof WorkflowNotFoundError) {
      const info = await this.client.workflow
        .getHandle(jobId)
        .describe()
        .catch(() => undefined);
      return info
        ? new MjInputError('jobId', `must name a job waiting for input (it is ${info.status.name})`)
        : new JobNotFoundError(jobId);
    }
    return err;
  }

  /** The upstream task id (and mode) to act on: a job's result task, or the id itself when no job has it. */
  private async resolveParent(id: string, intent: IntentSpec): Promise<{ taskId: string; mode?: SpeedMode }> {
    const handle = this.client.workflow.getHandle(id);
    let info: Awaited<ReturnType<typeof handle.describe>>;
    try {
      info = await handle.describe();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Our job ids carry a prefix; anything else that no workflow has is taken as an upstream task id.
      if (id.startsWith('mj-')) throw new JobNotFoundError(id);
      return { taskId: id };
    }
    if (info.type !== 'mjJobWorkflow') {
      throw new MjInputError('jobIdOrTaskId', `must name a job, not a ${info.type} (use its child job ids)`);
    }
    if (info.status.name === 'COMPLETED') {
      const result = await this.awaitResult<JobResult>(id);
      const buttons = result.task.buttons ?? [];
      // novicezk reports no buttons; elsewhere a missing button is a bad input we can name before starting.
      if (buttons.length > 0 && !buttons.some((b) => intentEquals(b.intent, intent))) {
        const offered = [
          ...new Set(buttons.filter((b) => b.intent.kind !== 'unknown').map((b) => formatIntent(b.intent))),
        ];
        throw new MjInputError('intent', `must be one of the task's buttons: ${offered.join(', ') || 'none'}`);
      }
      return { taskId: result.taskId, mode: result.task.mode ?? undefined };
    }
    const progress = await handle.query(getProgressQuery);
    if (progress.phase === 'succeeded' && progress.taskId) return { taskId: progress.taskId, mode: progress.mode };
    throw new MjInputError('jobIdOrTaskId', `must name a job that succeeded (it is ${progress.phase})`);
  }

  private async modalInput(input: ModalInputArg): Promise<ModalInput> {
    const out: ModalInput = {};
    if (input.prompt !== undefined) out.prompt = checkPrompt(input.prompt, 'prompt');
    if (input.mask !== undefined) out.mask = await this.storeImage(input.mask, 'mask', 'masks', true);
    return out;
  }

  private async images(inputs: ImageInput[], field: string): Promise<ImageRef[]> {
    // Validate all before storing any, so a bad third image stores nothing.
    const prepared = await Promise.all(
      inputs.map((img, i) => this.prepareImage(img, inputs.length > 1 ? `${field}[${i}]` : field))
    );
    return Promise.all(
      prepared.map(async (p) =>
        'ref' in p ? p.ref : { asset: await this.store.put(p.bytes, { contentType: p.type, prefix: 'inputs' }) }
      )
    );
  }

  private async prepareImage(
    img: ImageInput,
    field: string
  ): Promise<{ ref: ImageRef } | { bytes: Uint8Array; type: string }> {
    if (isImageRef(img)) {
      if ('url' in img && !isHttpUrl(img.url)) throw new MjInputError(field, 'url must be an http(s) URL');
      return { ref: img };
    }
    if (typeof img === 'string' && isHttpUrl(img)) return { ref: { url: img } };
    const bytes = await readImageBytes(img, field);
    const type = sniffImageType(bytes);
    if (!type) throw new MjInputError(field, 'must be a PNG, JPEG, WebP or GIF image');
    return { bytes, type };
  }

  private async storeImage(
    img: Uint8Array | string,
    field: string,
    prefix: string,
    pngOnly: boolean
  ): Promise<AssetRef> {
    const bytes = await readImageBytes(img, field);
    const type = sniffImageType(bytes);
    if (pngOnly ? type !== 'image/png' : !type) {
      throw new MjInputError(
        field,
        pngOnly ? 'must be a PNG image (bytes, data:image/png;base64 URL or .png file)' : 'must be an image'
      );
    }
    return this.store.put(bytes, { contentType: type!, prefix });
  }
}

async function readImageBytes(img: Uint8Array | string, field: string): Promise<Uint8Array> {
  if (img instanceof Uint8Array) {
    if (img.byteLength > MAX_IMAGE_BYTES) throw new MjInputError(field, `must be at most ${MAX_IMAGE_BYTES} bytes`);
    return img;
  }
  if (typeof img !== 'string' || img.length === 0) {
    throw new MjInputError(field, 'must be an http(s) URL, a data URL, a file path or bytes');
  }
  if (img.startsWith('data:')) {
    try {
      return parseDataUrl(img, { maxBytes: MAX_IMAGE_BYTES }).bytes;
    } catch (err) {
      throw new MjInputError(field, `must be a valid image data URL (${(err as Error).message})`);
    }
  }
  const info = await stat(img).catch(() => null);
  if (!info?.isFile()) throw new MjInputError(field, 'must be an http(s) URL, a data URL, or an existing file');
  if (info.size > MAX_IMAGE_BYTES) throw new MjInputError(field, `must be at most ${MAX_IMAGE_BYTES} bytes`);
  return new Uint8Array(await readFile(img));
}

function summaryRow(wf: WorkflowExecutionInfo): JobSummaryRow {
  const sa = wf.typedSearchAttributes;
  return {
    jobId: wf.workflowId,
    runId: wf.runId,
    type: wf.type,
    executionStatus: wf.status.name,
    startTime: wf.startTime.toISOString(),
    closeTime: wf.closeTime?.toISOString(),
    taskId: sa.get(MJ_TASK_ID),
    status: sa.get(MJ_STATUS),
    action: sa.get(MJ_ACTION),
    mode: sa.get(MJ_MODE),
  };
}
