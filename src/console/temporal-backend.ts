/**
 * {@link ConsoleBackend} over the project's own parts: `MjJobsClient` starts and answers jobs, visibility finds a
 * tenant's workflows by the `MjTenant` search attribute, and the job memo tells what a
 * job shows without a worker. Jobs without a memo fall back to the progress query (running) or the result
 * (finished, read from history); closed results are cached, since they never change.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { MjJobsClient } from '../client';
import { classifyButton, formatIntent } from '../mj/buttons';
import { MjInputError } from '../mj/errors';
import type { SpeedMode } from '../mj/types';
import {
  JOB_MEMO_KEY,
  JOB_MEMO_VERSION,
  type JobMemo,
  reportedTask,
  reportedTexts,
  resultText,
} from '../shared/job-memo';
import type {
  BatchInput,
  BatchProgress,
  BatchReport,
  PipelineInput,
  PipelineProgress,
  PipelineResult,
} from '../shared/pipeline-types';
import { MJ_ACTION, MJ_BATCH, MJ_MODE, MJ_PARENT_JOB, MJ_STATUS, MJ_TASK_ID } from '../shared/search-attributes';
import type { CapturedImage, JobInput, JobProgress, JobRequest, JobResult, PollPolicy } from '../shared/types';
import { getBatchProgressQuery, getPipelineProgressQuery, getProgressQuery } from '../workflows';
import type {
  BatchControl,
  BatchView,
  ConsoleBackend,
  ConsoleJob,
  ImagineRequest,
  InboxItem,
  JobFilter,
  ModalAnswer,
  PipelineView,
  TenantId,
  TenantSpend,
} from './backend';
import { isTerminalPhase } from '../shared/job-phases';
import {
  executionState,
  overlayProgress,
  jobFromFailure,
  jobFromMemo,
  jobFromProgress,
  jobFromResult,
  jobLabel,
  promptCount,
  type ExecutionFacts,
} from './job-view';
import { withJobCost, tenantSpend } from './cost-view';
import { lineageOf, withFamily } from './family';
import { FamilyReader } from './family-reader';
import { withinDeadline } from './deadline';
import { batchViewOfProgress, batchViewOfReport, pagedBatchView } from './batch-view';
import { PAGED_BATCH_WORKFLOW_TYPE } from '../workflows/batch/messages';
import { manifestText } from '../workflows/batch/manifest-lines';
import { BatchNotFoundError } from '../client/batch-errors';
import { pipelineInboxItems, pipelineView } from './pipeline-view';
import { MJ_TENANT } from '../shared/search-attributes';
import { quoteQueryValue, rootWorkflowId } from './tenancy';
import { TenantClients } from './tenant-clients';
import { withStoredProgress } from '../webhook/progress-overlay';
import type { JobEvent } from '../shared/job-events';
import { type Described, WorkflowReader } from './workflow-reader';

export interface TemporalConsoleBackendOptions {
  /** The service's client: its connection, namespace, codec, asset store and task queue are reused. */
  mj: MjJobsClient;
  /** Tenant of an API key (the gateway's key store), or null. */
  authenticate: (apiKey: string) => Promise<TenantId | null>;
  /** Base URL of the Temporal Web UI, for deep links (e.g. `http://127.0.0.1:8233`). */
  temporalUiUrl?: string;
  /** Default speed mode of jobs started here. @default 'FAST' */
  mode?: SpeedMode;
  /** Poll policy and account of the jobs started here (the per-mode defaults otherwise). */
  jobDefaults?: { policy?: Partial<PollPolicy>; account?: string };
  /** How long a progress query may take before the page shows what visibility knows. @default 3000 @unit ms */
  queryTimeoutMs?: number;
  /**
   * How long an answer (a job's or a pipeline step's input update) may take before the page says it was not
   * confirmed, instead of hanging. @default 20000 @unit ms
   */
  answerTimeoutMs?: number;
  /**
   * Called with the bytes a start or an answer is about to store (reference images, a mask) before anything is
   * written; throws to refuse. The gateway's mount passes its rate limit and storage quota (mount.ts).
   * @default nothing is metered
   */
  beforeWrite?: (tenant: TenantId, bytes: number) => Promise<void>;
}

/** What a start stores (bytes are metered; URLs store nothing). */
type StartInput = Uint8Array | string | undefined;

/** A start as the tenant: the tenant's client and the backend's job defaults in, the new job's handle out. */
export type TenantStart = (
  mj: MjJobsClient,
  defaults: TemporalConsoleBackendOptions['jobDefaults']
) => Promise<{ jobId: string }>;

const ID_RE = /^[\w.:/-]{1,200}$/;
const TYPES = ['mjJobWorkflow', 'pipelineWorkflow', 'batchWorkflow'];

export class TemporalConsoleBackend implements ConsoleBackend {
  private readonly mj: MjJobsClient;
  /** The tenants' clients: every start through one is the tenant's. */
  private readonly tenants: TenantClients;
  /** Parents and children of jobs (lineage, and the parent's task id for older jobs). */
  private readonly family: FamilyReader;
  /** Descriptions, queries, and the results and inputs of closed runs (cached). */
  private readonly reads: WorkflowReader;
  private readonly answerTimeoutMs: number;

  constructor(private readonly opts: TemporalConsoleBackendOptions) {
    this.mj = opts.mj;
    this.tenants = new TenantClients(this.mj, opts.mode);
    this.reads = new WorkflowReader(this.mj.client, opts.queryTimeoutMs ?? 3000);
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 20_000;
    this.family = new FamilyReader(this.mj.client, {
      owned: (tenant, id) => this.owned(tenant, id),
      view: (info) => this.view(info),
    });
  }

  authenticate(apiKey: string): Promise<TenantId | null> {
    return this.opts.authenticate(apiKey);
  }

  temporalUiUrl(id: string): string | undefined {
    const base = this.opts.temporalUiUrl?.replace(/\/+$/, '');
    if (!base) return undefined;
    const ns = encodeURIComponent(this.mj.client.options.namespace);
    return `${base}/namespaces/${ns}/workflows/${encodeURIComponent(id)}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  async listJobs(tenant: TenantId, filter: JobFilter): Promise<ConsoleJob[]> {
    const limit = filter.limit ?? 60;
    const clauses = [`${MJ_TENANT.name} = ${quoteQueryValue(tenant)}`, typeClause()];
    if (filter.mode) clauses.push(`${MJ_MODE.name} = ${quoteQueryValue(filter.mode)}`);
    // Text and state are matched on the view (the prompt is not a search attribute), so read a wider window.
    const window = filter.text || filter.state ? Math.max(limit, 300) : limit;
    const infos: WorkflowExecutionInfo[] = [];
    for await (const wf of this.mj.client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
      infos.push(wf);
      if (infos.length >= window) break;
    }
    const jobs = await withFamily(await Promise.all(infos.map((wf) => this.view(wf))), (j) =>
      this.family.parentOf(tenant, j)
    );
    const text = filter.text?.trim().toLowerCase();
    return jobs
      .filter((j) => !filter.state || j.state === filter.state)
      .filter((j) => !text || [j.title, j.prompt, j.id, j.taskId].some((s) => s?.toLowerCase().includes(text)))
      .slice(0, limit);
  }

  async getJob(tenant: TenantId, id: string): Promise<ConsoleJob | null> {
    const info = await this.owned(tenant, id);
    if (!info) return null;
    let job = await this.view(info);
    if (job.kind !== 'job') return job;
    if (!(job.intent && job.prompt && job.parentTaskId && job.lineage)) {
      // What no memo told: the request itself, from the job's first history event (one read, cached).
      const input = await this.reads.startInput<JobInput>(info.workflowId);
      if (input) job = withRequest(job, input.request);
      if (input?.lineage && !job.lineage?.parentJobId) job = { ...job, lineage: { ...input.lineage, ...job.lineage } };
    }
    job = { ...job, lineage: lineageOf(job) };
    // A finished action (an upscale) has no prompt of the caller's; its upstream task has the prompt it was made
    // from, which the Vary (Region), Custom Zoom and Remix forms (and a pipeline step asked about this image)
    // prefill. The memo's `reported` carries it; a memo written before `reported` existed has none, so the result
    // is read. Without it the required prompt field stayed empty and the form never posted.
    if (!job.prompt && info.status.name === 'COMPLETED') {
      const t = (await this.reads.closedResult<JobResult>(info)).task;
      const reported = reportedTask(t);
      const texts = reportedTexts(reported, '');
      const prompt = texts.prompt || texts.finalPrompt || undefined;
      if (prompt) job = { ...job, prompt, resultText: job.resultText ?? resultText(t.action, reported) };
    }
    if (!job.startTime && info.status.name === 'COMPLETED') {
      job = withStartTime(job, await this.reads.closedResult<JobResult>(info).catch(() => undefined));
    }
    const [family] = await withFamily([job], (j) => this.family.parentOf(tenant, j), { linkParents: true });
    job = { ...family!, children: await this.family.childrenOf(tenant, job.id) };
    return withJobCost(this.mj, info, job);
  }

  async *jobEvents(tenant: TenantId, id: string, signal: AbortSignal): AsyncIterable<JobEvent> {
    const info = await this.owned(tenant, id);
    if (info?.type === 'mjJobWorkflow') yield* this.mj.feed.events(info.workflowId, { signal });
  }

  spend(tenant: TenantId): Promise<TenantSpend> {
    return tenantSpend(this.mj, tenant);
  }

  async getPipeline(tenant: TenantId, id: string): Promise<PipelineView | null> {
    const info = await this.owned(tenant, id);
    if (!info || info.type !== 'pipelineWorkflow') return null;
    const progress = await this.pipelineProgress(info);
    const input = await this.reads.startInput<PipelineInput>(id);
    return pipelineView(facts(info), progress, input);
  }

  async getBatch(tenant: TenantId, id: string): Promise<BatchView | null> {
    const info = await this.owned(tenant, id);
    if (info?.type === PAGED_BATCH_WORKFLOW_TYPE) {
      return pagedBatchView(id, executionState(facts(info).executionStatus), await this.mj.batches.progress(id));
    }
    if (!info || info.type !== 'batchWorkflow') return null;
    const f = facts(info);
    const times = { startedAt: f.startTime, endedAt: f.closeTime, now: Date.now() };
    if (f.executionStatus === 'COMPLETED') {
      return batchViewOfReport(id, await this.reads.closedResult<BatchReport>(info), times);
    }
    const p = await this.reads.query<BatchProgress>(info, getBatchProgressQuery.name);
    return batchViewOfProgress(id, executionState(f.executionStatus), p, times);
  }

  async image(tenant: TenantId, id: string, index: number): Promise<{ bytes: Uint8Array; contentType: string } | null> {
    const info = await this.owned(tenant, id);
    if (!info || info.type !== 'mjJobWorkflow') return null;
    const asset = await this.asset(info, index);
    if (!asset) return null;
    const bytes = await this.mj.store.get(asset.key).catch(() => null);
    return bytes ? { bytes, contentType: asset.contentType ?? 'image/png' } : null;
  }

  async inbox(tenant: TenantId): Promise<InboxItem[]> {
    const query = `${MJ_TENANT.name} = ${quoteQueryValue(tenant)} AND ${typeClause()} AND ExecutionStatus = "Running"`;
    const items: InboxItem[] = [];
    const found: Promise<void>[] = [];
    for await (const wf of this.mj.client.workflow.list({ query, pageSize: 100 })) {
      found.push(
        (async () => {
          if (wf.type === 'pipelineWorkflow') {
            const progress = await this.pipelineProgress(wf);
            if (progress && progress.waiting.length > 0) {
              items.push(
                ...pipelineInboxItems(facts(wf), progress, await this.reads.startInput<PipelineInput>(wf.workflowId))
              );
            }
            return;
          }
          if (wf.type !== 'mjJobWorkflow') return;
          let job = await this.view(wf);
          const waitingFor = job.waitingFor;
          if (job.state !== 'waiting' || !waitingFor) return;
          const input = job.parentTaskId ? undefined : await this.reads.startInput<JobInput>(wf.workflowId);
          if (input) job = withRequest(job, input.request);
          [job] = (await withFamily([job], (j) => this.family.parentOf(tenant, j))) as [ConsoleJob];
          items.push({
            targetId: job.id,
            kind: 'modal',
            needs: waitingFor.needs,
            intent: waitingFor.intent ?? job.intent,
            since: waitingFor.since ?? job.submitTime,
            imageJobId: job.thumbJobId,
            prompt: job.prompt,
            title: job.title,
          });
        })()
      );
      if (found.length >= 500) break;
    }
    await Promise.all(found);
    return items.sort((a, b) => a.since - b.since || a.targetId.localeCompare(b.targetId));
  }

  jobOfTask(tenant: TenantId, taskId: string): Promise<string | null> {
    return this.family.jobOfTask(tenant, taskId);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Starting and answering

  /** Meters what a start or an answer will store (URLs store nothing). */
  private async metered(tenant: TenantId, items: readonly StartInput[]): Promise<void> {
    const bytes = items.reduce((n, i) => n + (i instanceof Uint8Array ? i.byteLength : 0), 0);
    if (bytes > 0) await this.opts.beforeWrite?.(tenant, bytes);
  }

  async imagine(tenant: TenantId, request: ImagineRequest): Promise<string> {
    await this.metered(tenant, request.images ?? []);
    const handle = await this.tenants.of(tenant).imagine(request.prompt, {
      ...this.opts.jobDefaults,
      mode: request.mode,
      images: request.images?.length ? request.images : undefined,
    });
    return handle.jobId;
  }

  async action(tenant: TenantId, jobId: string, customId: string, input?: ModalAnswer): Promise<string> {
    const job = await this.getJob(tenant, jobId);
    if (!job || job.kind !== 'job') throw new MjInputError('jobId', `must name one of your jobs (${jobId})`);
    const button = job.buttons.find((b) => b.customId === customId);
    if (!button) throw new MjInputError('customId', 'must be one of the task’s buttons');
    await this.metered(tenant, [input?.mask]);
    const handle = await this.tenants.of(tenant).action(jobId, classifyButton(customId), {
      ...this.opts.jobDefaults,
      modal: input && (input.prompt !== undefined || input.mask !== undefined) ? input : undefined,
    });
    return handle.jobId;
  }

  async answer(
    tenant: TenantId,
    target: { targetId: string; step?: string; branch?: string; choice?: string },
    input: ModalAnswer
  ): Promise<void> {
    const info = await this.owned(tenant, target.targetId);
    if (!info) throw new MjInputError('targetId', `must name one of your jobs (${target.targetId})`);
    await this.metered(tenant, [input.mask]);
    // A pipeline step is answered on the pipeline (its update returns once the branch is ready; the child job is
    // started afterwards with the input), a parked job on the job itself (its update returns once the upstream took
    // the modal submit). Either waits for a worker, so both are bounded.
    await withinDeadline(this.mj.client, this.answerTimeoutMs, async () => {
      if (target.step === undefined) return void (await this.mj.provideModalInput(target.targetId, input));
      await this.mj.provideStepInput(target.targetId, {
        step: target.step,
        branch: target.branch,
        choice: target.choice,
        prompt: input.prompt,
        mask: input.mask,
      });
    });
  }

  /** Starts any kind of job as the tenant, metering `inputs` first. @example startAs(t, [p], (mj) => mj.describe(p)) */
  async startAs(tenant: TenantId, inputs: readonly StartInput[], start: TenantStart): Promise<string> {
    await this.metered(tenant, inputs);
    return (await start(this.tenants.of(tenant), this.opts.jobDefaults)).jobId;
  }

  /** Cancels the tenant's job; false when the tenant has no job of that id. */
  async cancel(tenant: TenantId, id: string): Promise<boolean> {
    const info = await this.owned(tenant, id);
    if (!info) return false;
    await this.mj.cancel(info.workflowId);
    return true;
  }

  async pipeline(tenant: TenantId, spec: unknown): Promise<string> {
    return (await this.tenants.of(tenant).pipeline(spec)).jobId;
  }

  async batch(tenant: TenantId, text: string, opts: { mode?: SpeedMode; concurrency?: number }): Promise<string> {
    return (await this.tenants.of(tenant).batch(text, opts)).jobId;
  }

  async batchControl(tenant: TenantId, id: string, what: BatchControl): Promise<string> {
    if ((await this.owned(tenant, id))?.type !== PAGED_BATCH_WORKFLOW_TYPE) throw new BatchNotFoundError(id);
    const batches = this.tenants.of(tenant).batches;
    return what === 'retry-failed' ? (await batches.retryFailed(id)).batchId : (await batches[what](id), id);
  }

  async batchManifest(tenant: TenantId, id: string): Promise<string | null> {
    if ((await this.owned(tenant, id))?.type !== PAGED_BATCH_WORKFLOW_TYPE) return null;
    return manifestText(await this.mj.batches.manifest(id));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Internals

  /** The execution, if the tenant owns it (directly, or through the pipeline or batch at its root); else null. */
  private async owned(tenant: TenantId, id: string): Promise<Described | null> {
    if (!ID_RE.test(id)) return null;
    const root = rootWorkflowId(id);
    const rootInfo = await this.reads.describe(root);
    if (!rootInfo || rootInfo.typedSearchAttributes.get(MJ_TENANT) !== tenant) return null;
    if (root === id) return rootInfo;
    if (rootInfo.type !== 'pipelineWorkflow' && rootInfo.type !== 'batchWorkflow') return null;
    return this.reads.describe(id);
  }

  /**
   * A job as a page shows it. Running: the progress query is fresher than the memo (a memo written at start by the
   * gateway stays as it was until the job's own upserts), so it wins when a worker answers; without one the memo
   * speaks. Closed: the memo once it says so, else the result or the failure from history.
   */
  private async view(info: Described, reread = false): Promise<ConsoleJob> {
    const f = facts(info);
    if (info.type === 'pipelineWorkflow' || info.type === 'batchWorkflow') return this.groupView(info, f);
    const raw = info.memo?.[JOB_MEMO_KEY] as JobMemo | undefined;
    const memo = raw?.v === JOB_MEMO_VERSION ? raw : undefined;
    if (f.executionStatus === 'RUNNING') {
      const queried = await this.reads.query<JobProgress>(info, getProgressQuery.name);
      const p = queried && (await withStoredProgress(queried, this.mj.progressStore));
      if (p && isTerminalPhase(p.phase) && !(memo && isTerminalPhase(memo.phase))) {
        // The job finished between the describe (or a list row, older still) and the query: that memo is from before
        // its last task, without images or buttons, and a page shown "succeeded" from it would stay so. Read the
        // closed job again; should that still show it open, show what the memo says (the page stays live).
        const fresh = reread ? null : await this.reads.describe(f.id);
        if (fresh) return this.view(fresh, true);
        if (memo) return jobFromMemo(f, memo);
      }
      if (p) return memo ? overlayProgress(jobFromMemo(f, memo), p) : jobFromProgress(f, p);
      return memo ? jobFromMemo(f, memo) : jobFromFailure(f, undefined);
    }
    if (memo && isTerminalPhase(memo.phase)) return jobFromMemo(f, memo);
    if (f.executionStatus === 'COMPLETED')
      return jobFromResult(f, await this.reads.closedResult<JobResult>(info), memo);
    return jobFromFailure(f, await this.reads.failureMessage(info), memo);
  }

  private async groupView(info: Described, f: ExecutionFacts): Promise<ConsoleJob> {
    const job = jobFromFailure(f, undefined);
    if (info.type === 'pipelineWorkflow') {
      const p = await this.pipelineProgress(info);
      const name = p?.name ?? (await this.reads.startInput<PipelineInput>(f.id))?.name;
      const waiting = f.executionStatus === 'RUNNING' && (p?.waiting.length ?? 0) > 0;
      return { ...job, label: 'Pipeline', title: name ?? 'Pipeline', state: waiting ? 'waiting' : job.state };
    }
    const input = await this.reads.startInput<BatchInput>(f.id);
    return { ...job, label: 'Batch', title: input?.name ?? (input ? promptCount(input.items.length) : 'Batch') };
  }

  private async pipelineProgress(info: Described): Promise<PipelineProgress | undefined> {
    if (info.status.name === 'COMPLETED') {
      const r = await this.reads.closedResult<PipelineResult>(info);
      return {
        name: r.name,
        pipelineId: r.pipelineId,
        done: true,
        steps: stepsOf(r),
        waiting: [],
        running: 0,
        summary: r.summary,
      };
    }
    return this.reads.query<PipelineProgress>(info, getPipelineProgressQuery.name);
  }

  private async asset(info: Described, index: number): Promise<{ key: string; contentType?: string } | undefined> {
    const memo = info.memo?.[JOB_MEMO_KEY] as JobMemo | undefined;
    const fromMemo = memo?.v === JOB_MEMO_VERSION ? memo.assets?.find((a) => a.index === index) : undefined;
    if (fromMemo) return fromMemo;
    if (info.status.name !== 'COMPLETED') return undefined;
    const result = await this.reads.closedResult<JobResult>(info);
    const img: CapturedImage | undefined = result.images.find((i) => i.index === index);
    return img ? { key: img.asset.key, contentType: img.asset.contentType } : undefined;
  }
}

/** Fills in what a job's request says: the prompt it imagines, the intent and parent task of an action. */
function withRequest(job: ConsoleJob, r: JobRequest): ConsoleJob {
  const prompt = job.prompt ?? ('prompt' in r ? r.prompt : undefined);
  const intent = job.intent ?? (r.kind === 'action' ? formatIntent(r.intent) : undefined);
  const label = jobLabel(r.kind, job.action, intent);
  return {
    ...job,
    title: prompt ?? label,
    label,
    prompt,
    intent,
    parentTaskId: job.parentTaskId ?? (r.kind === 'action' ? r.parentTaskId : undefined),
  };
}

/**
 * A finished job without a start time (it went from queued to done between two polls, so no first progress): when
 * its result's timings say the upstream took it.
 */
function withStartTime(job: ConsoleJob, r: JobResult | undefined): ConsoleJob {
  const startTime = r && (r.timings.firstProgressAt ?? r.timings.submittedAt ?? r.task.startTime ?? undefined);
  return startTime ? { ...job, startTime } : job;
}

function typeClause(): string {
  return `WorkflowType IN (${TYPES.map(quoteQueryValue).join(', ')})`;
}

function facts(info: Described): ExecutionFacts {
  const sa = info.typedSearchAttributes;
  return {
    id: info.workflowId,
    type: info.type,
    executionStatus: info.status.name,
    startTime: info.startTime.getTime(),
    closeTime: info.closeTime?.getTime(),
    mode: sa.get(MJ_MODE),
    status: sa.get(MJ_STATUS),
    action: sa.get(MJ_ACTION),
    taskId: sa.get(MJ_TASK_ID),
    parentJobId: sa.get(MJ_PARENT_JOB),
    batchId: sa.get(MJ_BATCH),
  };
}

/** The steps of a finished pipeline, in the shape of its progress. */
function stepsOf(r: PipelineResult): PipelineProgress['steps'] {
  const steps = new Map<string, PipelineProgress['steps'][number]>();
  for (const o of r.outcomes) {
    const s = steps.get(o.step) ?? { step: o.step, kind: 'action' as const, branches: [] };
    s.branches.push({
      branch: o.branch,
      status: o.status,
      jobId: o.jobId,
      intent: o.intent,
      taskId: o.taskId,
      failure: o.failure,
    });
    steps.set(o.step, s);
  }
  return [...steps.values()];
}
