/**
 * How `MjJobsClient` starts workflows and waits for them: a job's input from its request and the start options, the
 * mode a start shows (`MjMode`), a start once per key (or per paid-once press), and a started workflow's result.
 */
import type { Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { SpeedMode } from '../mj/types';
import { pressOnce } from '../job-start/paid-once';
import { startJobWorkflow, startOnce } from '../job-start/start-job-workflow';
import { DEFAULT_MODE } from '../shared/defaults';
import type { JobInput, JobRequest, JobResult, ModalInput } from '../shared/types';
import { jobError } from './errors';
import { newWorkflowId } from './job-ids';
import type { JobHandle, StartOptions } from './options';
import type { PressPlan } from './press';
import { checkMode } from './validation';

export class JobStarter {
  /**
   * @param defaultMode The client's mode; undefined: a job that names no mode leaves it to the worker (FAST, or the
   *   upstream pool's preference).
   */
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly defaultMode: SpeedMode | undefined
  ) {}

  /** Starts a job workflow; a paid-once press (`press.idOf`) starts at most one per parent and intent. */
  async job(request: JobRequest, opts: StartOptions, modal?: ModalInput, press: PressPlan = {}): Promise<JobHandle> {
    // Neither `mode` nor `modes`: no mode in the input, so with several upstreams the pool's preference applies.
    const mode = opts.mode ?? (opts.modes ? undefined : this.defaultMode);
    const input: JobInput = {
      request,
      ...(mode ? { mode } : {}),
      account: opts.account,
      policy: opts.policy,
      captureImages: opts.captureImages,
      submitPolicy: opts.submitPolicy,
      modal,
      ...(opts.modes ? { modes: opts.modes } : {}),
      ...(opts.costTags ? { costTags: opts.costTags } : {}),
      ...(press.lineage ? { lineage: press.lineage } : {}),
    };
    const modeAttribute = this.modeAttribute(mode ?? opts.modes?.[0]);
    const start = (workflowId: string) =>
      startJobWorkflow({ client: this.client, taskQueue: this.taskQueue, workflowId, input, modeAttribute });
    const id = newWorkflowId('job', opts.jobId);
    const { workflowId, alreadyStarted } = press.idOf
      ? await pressOnce(this.client, press.idOf, start)
      : { workflowId: id, ...(await start(id)) };
    return { jobId: workflowId, alreadyStarted, result: () => this.result<JobResult>(workflowId) };
  }

  /** Starts a pipeline or batch under the caller's key; an id already taken is answered `alreadyStarted: true`. */
  async keyed<W extends Workflow>(
    kind: 'pipeline' | 'batch',
    key: string | undefined,
    mode: SpeedMode | undefined,
    args: Parameters<W>
  ): Promise<JobHandle<Awaited<ReturnType<W>>>> {
    const workflowId = newWorkflowId(kind, key);
    const type = kind === 'pipeline' ? 'pipelineWorkflow' : 'batchWorkflow';
    const { alreadyStarted } = await startOnce<W>(type, args, {
      client: this.client,
      taskQueue: this.taskQueue,
      workflowId,
      modeAttribute: this.modeAttribute(mode),
    });
    return { jobId: workflowId, alreadyStarted, result: () => this.result(workflowId) };
  }

  /** Waits for a workflow's result; throws `JobFailedError` or `JobNotFoundError`. */
  async result<R>(workflowId: string): Promise<R> {
    try {
      return (await this.client.workflow.getHandle(workflowId).result()) as R;
    } catch (err) {
      throw jobError(workflowId, err);
    }
  }

  /** The `MjMode` a start shows: the job's mode, else the client's default, else the service's. */
  private modeAttribute(mode: SpeedMode | undefined): SpeedMode {
    return checkMode(mode) ?? this.defaultMode ?? DEFAULT_MODE;
  }
}
