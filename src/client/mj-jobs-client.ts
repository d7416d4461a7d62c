/**
 * `MjJobsClient`: the typed facade over the job, pipeline and batch workflows, made of small parts (ids, starts,
 * presses, parent resolution, image inputs, status, rejections, schedules, downloads), each in its own module of
 * `src/client/`.
 */
import { type Client, type Connection } from '@temporalio/client';
import { createAssetStore, type AssetStore } from '../assets';
import { loadConfig } from '../config';
import { MjInputError } from '../mj/errors';
import { botLine } from '../mj/params';
import type { IntentSpec } from '../mj/types';
import { parseBatchSpec } from '../pipeline/batch';
import { parsePipelineSpec } from '../pipeline/spec';
import { DEFAULT_GATEWAY_TASK_QUEUE } from '../config/gateway';
import { TenantDirectory } from '../tenancy/tenant-directory';
import { TASK_QUEUE } from '../shared/constants';
import type { BatchReport, PipelineResult, StepInputAck } from '../shared/pipeline-types';
import type { JobProgress, JobResult, ModalInput } from '../shared/types';
// Workflows are started by type name (typed by `import type`): the client loads message definitions, never workflow code.
import type { batchWorkflow } from '../workflows/batch/batch-workflow';
import { getProgressQuery, provideModalInputUpdate } from '../workflows/job/messages';
import { provideStepInputUpdate } from '../workflows/pipeline/messages';
import type { pipelineWorkflow } from '../workflows/pipeline/pipeline-workflow';
import { downloadImages, imagesOf } from './download';
import { imageLink, type ImageLink } from './image-links';
import { jobError } from './errors';
import { ImageInputs } from './image-input';
import { resolveJob, resolveJobId } from './job-ids';
import { readStatus } from './job-status';
import { listJobs } from './list';
import type {
  ActionOptions,
  BatchOptions,
  BlendOptions,
  ConnectOptions,
  DescribeOptions,
  ImageInput,
  ImagineOptions,
  JobChildRow,
  JobHandle,
  JobStatus,
  JobSummaryRow,
  ListFilter,
  MjJobsClientOptions,
  ModalInputArg,
  StartOptions,
  VideoOptions,
} from './options';
import { assetStoreConfig, createTemporalClient } from '../config/process-wiring';
import { updateRejection } from './rejections';
import { MjSchedulesClient } from './schedules';
import { MjBatchesClient } from './batches';
import { MjDeliveriesClient } from './deliveries';
import { MjKeysClient } from './keys';
import { MjCostClient } from './cost';
import { MjUpstreamsClient } from './upstreams';
import { checkGenerationPrompt, checkId, checkPrompt, checkStartOptions } from './validation';
import { withStoredProgress } from '../webhook/progress-overlay';
import { DirProgressStore, type ProgressStore } from '../webhook/progress-store';
import type { JobEvent } from '../shared/job-events';
import { jobEvents } from './job-events';
import { JobFeedHub, type JobEventsOptions } from './job-feed-hub';
import { JobPresses } from './job-presses';
import { JobStarter } from './job-starter';

const BLEND_DIMENSIONS = ['PORTRAIT', 'SQUARE', 'LANDSCAPE'] as const;

/** The typed facade over the job, pipeline and batch workflows. */
export class MjJobsClient {
  readonly client: Client;
  readonly store: AssetStore;
  readonly taskQueue: string;
  /** Webhook progress of running jobs, laid over their progress query when newer. */
  readonly progressStore?: ProgressStore;
  /** Temporal Schedules that start batches. */
  readonly schedules: MjSchedulesClient;
  /** Batches of up to 100,000 items: estimate, start, progress, pause, resume, cancel, retry-failed, manifest. */
  readonly batches: MjBatchesClient;
  /** Spend, budgets and per-job charges from the cost ledger. */
  readonly cost: MjCostClient;
  /** Health of the routed upstreams, and taking one out or putting it back. */
  readonly upstreams: MjUpstreamsClient;
  /** The gateway's API keys per tenant (create, list, revoke). */
  readonly keys: MjKeysClient;
  /** The callback delivery log of gateway tasks, and replays. */
  readonly deliveries: MjDeliveriesClient;
  /** The jobs' event feeds read in this process (one history long poll per job, shared by every reader). */
  readonly feed: JobFeedHub;
  private readonly inputs: ImageInputs;
  private readonly starts: JobStarter;
  private readonly presses: JobPresses;
  private readonly ownedConnection?: Connection;

  /**
   * Wraps an existing Temporal client.
   * @example new MjJobsClient({ client: new Client({ connection }), store: new LocalAssetStore({ dir: './data/assets' }) })
   */
  constructor(opts: MjJobsClientOptions, ownedConnection?: Connection) {
    this.client = opts.client;
    this.store = opts.store;
    this.progressStore = opts.progressStore;
    this.taskQueue = opts.taskQueue ?? TASK_QUEUE;
    this.inputs = new ImageInputs(opts.store);
    this.starts = new JobStarter(opts.client, this.taskQueue, opts.mode);
    this.presses = new JobPresses(opts.client, this.inputs, this.starts);
    this.schedules = new MjSchedulesClient(opts.client, this.taskQueue);
    this.cost = new MjCostClient(opts.client, this.taskQueue);
    this.upstreams = new MjUpstreamsClient(opts.client);
    this.batches = new MjBatchesClient(opts.client, opts.store, this.taskQueue, this.cost, opts.prices ?? []);
    const gatewayTaskQueue = opts.gatewayTaskQueue ?? DEFAULT_GATEWAY_TASK_QUEUE;
    this.keys = new MjKeysClient(opts.client, gatewayTaskQueue);
    this.deliveries = new MjDeliveriesClient(
      opts.client,
      new TenantDirectory(opts.client, { taskQueue: gatewayTaskQueue, cacheMs: 0 })
    );
    this.feed = new JobFeedHub(opts.client, { progressStore: opts.progressStore });
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
    const dir = config.progress.dir;
    const progressStore = opts.progressStore ?? (dir === undefined ? undefined : new DirProgressStore(dir));
    return new MjJobsClient(
      {
        client,
        store,
        taskQueue: config.worker.taskQueue,
        mode: config.mj.mode,
        gatewayTaskQueue: opts.gatewayTaskQueue,
        progressStore,
        prices: config.upstreams?.upstreams.map((u) => u.prices) ?? [],
      },
      opts.connection ? undefined : connection
    );
  }

  /** Closes the connection if {@link connect} opened it. @example await mj.close(); */
  async close(): Promise<void> {
    await this.feed.close();
    await this.ownedConnection?.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Starting jobs

  /**
   * Starts an imagine job.
   * @example const job = await mj.imagine('a cat in a hat --v 7', { jobId: 'order-1' }); await job.result();
   */
  async imagine(prompt: string, opts: ImagineOptions = {}): Promise<JobHandle> {
    const p = checkGenerationPrompt(prompt, { line: botLine(opts.botType) });
    checkStartOptions(opts);
    const refs = opts.images ? await this.inputs.images(opts.images, 'images') : undefined;
    return this.starts.job({ kind: 'imagine', prompt: p, referenceImages: refs, botType: opts.botType }, opts);
  }

  /**
   * Presses a button on a finished job's task: `U2`, `V1`, `zoom-out 2`, `pan left`, `vary-region`, … `jobId` is a
   * job id or the key you chose; an id that names no job throws `JobNotFoundError` and starts nothing. To act on a
   * task created outside this service, pass its upstream task id with `parentOrigin: 'external'`.
   * @example const up = await mj.action(job.jobId, 'U2'); const { images } = await up.result();
   * @example await mj.action('1712345678901234', 'U1', { parentOrigin: 'external' });
   */
  action(jobId: string, intent: string | IntentSpec, opts: ActionOptions = {}): Promise<JobHandle> {
    return this.presses.press(jobId, intent, opts);
  }

  /**
   * Blends 2-5 images.
   * @example await mj.blend(['https://example.com/a.png', './b.png'], { dimensions: 'SQUARE' });
   */
  async blend(images: ImageInput[], opts: BlendOptions = {}): Promise<JobHandle> {
    if (!Array.isArray(images) || images.length < 2 || images.length > 5) {
      throw new MjInputError('images', 'must hold 2 to 5 images');
    }
    if (opts.dimensions !== undefined && !BLEND_DIMENSIONS.includes(opts.dimensions)) {
      throw new MjInputError('dimensions', `must be one of ${BLEND_DIMENSIONS.join(', ')}`);
    }
    checkStartOptions(opts);
    const refs = await this.inputs.images(images, 'images');
    return this.starts.job({ kind: 'blend', images: refs, dimensions: opts.dimensions, botType: opts.botType }, opts);
  }

  /**
   * Describes an image (four prompts come back in `result.task.finalPrompt`).
   * @example const d = await mj.describe('./photo.jpg'); console.log((await d.result()).task.finalPrompt);
   */
  async describe(image: ImageInput, opts: DescribeOptions = {}): Promise<JobHandle> {
    checkStartOptions(opts);
    const ref = await this.inputs.image(image, 'image');
    return this.starts.job({ kind: 'describe', image: ref, botType: opts.botType }, opts);
  }

  /**
   * Shortens a prompt.
   * @example const s = await mj.shorten('a very long prompt …');
   */
  async shorten(prompt: string, opts: DescribeOptions = {}): Promise<JobHandle> {
    const p = checkPrompt(prompt);
    checkStartOptions(opts);
    return this.starts.job({ kind: 'shorten', prompt: p, botType: opts.botType }, opts);
  }

  /**
   * Edits an image with a prompt.
   * @example await mj.edits('make the sky purple', './photo.png');
   */
  async edits(prompt: string, image: ImageInput, opts: StartOptions = {}): Promise<JobHandle> {
    const p = checkGenerationPrompt(prompt);
    checkStartOptions(opts);
    const ref = await this.inputs.image(image, 'image');
    return this.starts.job({ kind: 'edits', prompt: p, image: ref }, opts);
  }

  /**
   * Generates a video from a prompt and optional start/end frames.
   * @example await mj.video('waves at dusk', { image: 'https://example.com/frame.png', motion: 'low' });
   */
  async video(prompt: string, opts: VideoOptions = {}): Promise<JobHandle> {
    const p = checkGenerationPrompt(prompt, { video: true });
    checkStartOptions(opts);
    if (opts.motion !== undefined && opts.motion !== 'low' && opts.motion !== 'high') {
      throw new MjInputError('motion', 'must be low or high');
    }
    if (opts.batchSize !== undefined && ![1, 2, 4].includes(opts.batchSize)) {
      throw new MjInputError('batchSize', 'must be 1, 2 or 4');
    }
    const image = opts.image === undefined ? undefined : await this.inputs.image(opts.image, 'image');
    const endImage = opts.endImage === undefined ? undefined : await this.inputs.image(opts.endImage, 'endImage');
    return this.starts.job(
      { kind: 'video', prompt: p, image, endImage, motion: opts.motion, loop: opts.loop, batchSize: opts.batchSize },
      opts
    );
  }

  /**
   * Starts a pipeline from a spec object (the parsed JSON of a pipeline file); validated before it starts.
   * @example const p = await mj.pipeline(JSON.parse(await readFile('cat.json', 'utf8')), { jobId: 'cat-1' });
   */
  async pipeline(spec: unknown, opts: { jobId?: string } = {}): Promise<JobHandle<PipelineResult>> {
    const input = parsePipelineSpec(spec);
    if (opts.jobId !== undefined) checkId(opts.jobId);
    return this.starts.keyed<typeof pipelineWorkflow>('pipeline', opts.jobId, input.mode, [input]);
  }

  /**
   * Starts a batch (many jobs, bounded concurrency per account × mode) from prompt-file text or a batch spec object.
   * @example await mj.batch('a cat\na dog\n', { mode: 'RELAX', concurrency: 2 });
   * @example await mj.batch({ items: [{ id: 'a', request: { kind: 'imagine', prompt: 'a cat' } }], mode: 'RELAX' });
   */
  async batch(spec: unknown, opts: BatchOptions = {}): Promise<JobHandle<BatchReport>> {
    const { jobId, ...specOptions } = opts;
    const input = parseBatchSpec(spec, specOptions);
    if (jobId !== undefined) checkId(jobId);
    return this.starts.keyed<typeof batchWorkflow>('batch', jobId, input.mode, [input]);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Talking to running jobs

  /**
   * Supplies the input a job waits for (Vary Region mask + prompt, Custom Zoom prompt). The mask is stored in the
   * asset store first; only its reference is sent. With `step`, it answers a pipeline step instead.
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
    if (input.prompt !== undefined) checkGenerationPrompt(input.prompt);
    if (opts.step === undefined && input.prompt === undefined && input.mask === undefined) {
      throw new MjInputError('input', 'must carry a prompt, a mask or both');
    }
    const id = await resolveJobId(this.client, jobId);
    const modal = await this.inputs.modalInput(input);
    const handle = this.client.workflow.getHandle(id);
    try {
      return await (opts.step === undefined
        ? handle.executeUpdate(provideModalInputUpdate, { args: [modal] })
        : handle.executeUpdate(provideStepInputUpdate, { args: [stepInput(opts, modal)] }));
    } catch (err) {
      throw await updateRejection(this.client, id, err);
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
   * The job's (or pipeline's, or batch's) Temporal status and progress; a closed job is read without a worker.
   * @example const s = await mj.status(job.jobId); if (s.kind === 'job') console.log(s.progress.progressPct);
   */
  async status(jobId: string): Promise<JobStatus> {
    checkId(jobId);
    const s = await readStatus(this.client, jobId);
    return s.kind === 'job' && s.source === 'query'
      ? { ...s, progress: await withStoredProgress(s.progress, this.progressStore) }
      : s;
  }

  /**
   * A running job's progress (phase, percentage, preview, what it waits for).
   * @example const p = await mj.progress(job.jobId); console.log(p.phase, p.progressPct);
   */
  async progress(jobId: string): Promise<JobProgress> {
    checkId(jobId);
    const id = await resolveJobId(this.client, jobId);
    const p = await this.client.workflow
      .getHandle(id)
      .query(getProgressQuery)
      .catch((err: unknown) => Promise.reject(jobError(id, err)));
    return withStoredProgress(p, this.progressStore);
  }

  /**
   * The job's events after `after`, each once and in order, until its final event (docs/client.md, events).
   * @example for await (const e of mj.events(job.jobId)) console.log(e.seq, e.types, e.memo.phase);
   */
  events(jobId: string, opts: JobEventsOptions = {}): AsyncIterable<JobEvent> {
    return jobEvents(this, jobId, opts);
  }

  /**
   * Waits for a job (or pipeline/batch) and returns its result; throws `JobFailedError` or `JobNotFoundError`.
   * @example const { images, task } = await mj.result(job.jobId);
   */
  async result<R = JobResult>(jobId: string): Promise<R> {
    checkId(jobId);
    return this.starts.result<R>(await resolveJobId(this.client, jobId));
  }

  /**
   * Requests cancellation; the job cancels its upstream task where the proxy allows it and ends as cancelled.
   * @example await mj.cancel(job.jobId);
   */
  async cancel(jobId: string): Promise<void> {
    checkId(jobId);
    const id = await resolveJobId(this.client, jobId);
    await this.client.workflow
      .getHandle(id)
      .cancel()
      .catch((err: unknown) => Promise.reject(jobError(id, err)));
  }

  /**
   * Writes the images of a finished job, pipeline or batch into `dir` (stored copies, else the result URLs).
   * @example const files = await mj.download(job.jobId, './out');
   */
  async download(jobId: string, dir: string): Promise<string[]> {
    checkId(jobId);
    if (typeof dir !== 'string' || dir.length === 0) throw new MjInputError('dir', 'must be a directory path');
    const { workflowId, info } = await resolveJob(this.client, jobId);
    if (info.status.name === 'RUNNING') throw new MjInputError('jobId', 'must name a finished job (it is running)');
    const result = await this.starts.result<unknown>(workflowId);
    return downloadImages(this.store, workflowId, result, dir);
  }

  /**
   * Where the images of a job's, pipeline's or batch's result are: our stored copies (file paths or the store's
   * URLs), else, labelled `stored: false`, the upstream's expiring URLs. Names as `download` gives them.
   * @example for (const l of mj.imageLinks(await batch.result())) console.log(l.name, l.location);
   */
  imageLinks(result: unknown): (ImageLink & { name: string })[] {
    return imagesOf(result).map(({ name, ref }) => ({ name, ...imageLink(this.store, ref) }));
  }

  /**
   * Lists jobs through visibility search attributes (newest first).
   * @example const running = await mj.list({ status: 'IN_PROGRESS', mode: 'RELAX' });
   */
  async list(filter: ListFilter = {}): Promise<JobSummaryRow[]> {
    return listJobs(this.client, filter);
  }

  /** The jobs started by pressing a button of this job (`MjParentJob`), newest first. @example await mj.children(id) */
  children(jobId: string, opts: { limit?: number } = {}): Promise<JobChildRow[]> {
    return this.presses.children(jobId, opts.limit);
  }
}

function stepInput(opts: { step?: string; branch?: string; choice?: string }, modal: ModalInput) {
  return {
    step: opts.step!,
    branch: opts.branch,
    choice: opts.choice,
    modal: modal.prompt !== undefined || modal.mask !== undefined ? modal : undefined,
  };
}
