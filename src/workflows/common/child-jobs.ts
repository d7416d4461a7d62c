/**
 * Starting child job workflows from the pipeline and batch workflows, and reading their outcomes. Workflow code.
 *
 * Child ids are deterministic (`<parent id>/<step>/<branch>`, `<batch id>/<item>`), and the id reuse policy is
 * REJECT_DUPLICATE: a second start of the same job (the same pipeline id run again) fails with `DuplicateJob`
 * instead of paying for the same upstream task twice. Replays never start anything: Temporal matches the start
 * command against history.
 *
 * Parent close policy is REQUEST_CANCEL: if the parent is terminated or times out, each running child is asked to
 * cancel, so it stops polling and cancels its upstream task where the proxy can, and ends with a recorded
 * outcome. TERMINATE would kill children mid-poll with no outcome; ABANDON would leave paid jobs running with
 * nobody reading them. A normal cancel of the parent cancels its children through the cancellation scope anyway.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  startChild,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { JOB_FAILURE, PIPELINE_FAILURE } from '../../shared/failure-types';
import { jobStaticSummary } from '../job/memo';
import { JOB_PATHS_VERSION } from '../job/patches';
import {
  JOB_WORKFLOW_TYPE,
  type ChildJobSettings,
  type FailureInfo,
  type JobSummary,
} from '../../shared/pipeline-types';
import { jobSlotPriority } from '../../shared/slot-priority';
import { lineageSearchAttributes } from '../../shared/search-attributes';
import type { JobInput, JobResult } from '../../shared/types';

type JobWorkflow = (input: JobInput) => Promise<JobResult>;

/**
 * How every child of ours starts (jobs, a batch's pipelines and chunks): under its deterministic id, never reused,
 * and asked to cancel when its parent closes (see the module comment).
 */
export function childStartOptions(workflowId: string) {
  return {
    workflowId,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  } as const;
}

/** What a pipeline or batch passes on to each child job from its settings (the rest is per child). */
export function childJobOptions(s: ChildJobSettings): Pick<JobInput, 'policy' | 'captureImages' | 'submitPolicy'> {
  return {
    ...(s.policy ? { policy: s.policy } : {}),
    ...(s.captureImages !== undefined ? { captureImages: s.captureImages } : {}),
    ...(s.submitPolicy ? { submitPolicy: s.submitPolicy } : {}),
  };
}

export type ChildOutcome =
  { status: 'succeeded'; result: JobResult } | { status: 'failed' | 'cancelled'; failure: FailureInfo };

/** Id of the resubmitted job after a gateway timeout: its own id, so the first job's history stays as it was. */
export const resubmitJobId = (jobId: string): string => `${jobId}/resubmit`;

/**
 * Starts the child job and waits for it. Never throws: every end (including cancellation of the parent) becomes
 * an outcome. `onStarted` runs once the server accepted a start, with the job id it started.
 *
 * A job that failed with `GatewayTimeout` (the gateway gave up after an hour and refunded the task, contract §8.7)
 * is started once more as `<jobId>/resubmit`: the refund makes a second try cost what the first would have.
 */
export async function runChildJob(
  jobId: string,
  input: JobInput,
  onStarted: (jobId: string) => void
): Promise<ChildOutcome> {
  const first = await startAndWait(jobId, input, onStarted);
  if (first.status !== 'failed' || first.failure.type !== JOB_FAILURE.gatewayTimeout) return first;
  return startAndWait(resubmitJobId(jobId), input, onStarted);
}

async function startAndWait(jobId: string, input: JobInput, onStarted: (jobId: string) => void): Promise<ChildOutcome> {
  try {
    const handle = await startChild<JobWorkflow>(JOB_WORKFLOW_TYPE, {
      ...childStartOptions(jobId),
      // Children start on today's paths (no patch markers); only the input changes, which replay does not compare.
      // Written into the input, so the child's start event says which slot queue it takes.
      args: [{ ...input, priority: jobSlotPriority(input), pathsVersion: JOB_PATHS_VERSION }],
      staticSummary: jobStaticSummary(input.request),
      // `MjParentJob`/`MjBatch`, so a job's children and a batch's items are listed by search; replay compares the
      // command's type and id, not its attributes.
      typedSearchAttributes: lineageSearchAttributes(input.lineage),
    });
    onStarted(jobId);
    return { status: 'succeeded', result: await handle.result() };
  } catch (err) {
    return failedOutcome(err, jobId);
  }
}

/** How a child (a job, or a batch item's pipeline) that did not succeed ended: cancelled, refused, or failed. */
export function failedOutcome(
  err: unknown,
  jobId: string,
  what: 'job' | 'pipeline' = 'job'
): Exclude<ChildOutcome, { status: 'succeeded' }> {
  if (isCancellation(err)) {
    return {
      status: 'cancelled',
      failure: { type: PIPELINE_FAILURE.cancelled, message: `${what} ${jobId} was cancelled` },
    };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      status: 'failed',
      failure: {
        type: PIPELINE_FAILURE.duplicateJob,
        message: `${what} ${jobId} already exists; it is not started twice (read its result by workflow id)`,
      },
    };
  }
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { status: 'failed', failure: { type: cause.type ?? PIPELINE_FAILURE.jobFailed, message: cause.message } };
  }
  if (cause instanceof TerminatedFailure) {
    return {
      status: 'failed',
      failure: { type: PIPELINE_FAILURE.jobTerminated, message: `${what} ${jobId} was terminated` },
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { status: 'failed', failure: { type: PIPELINE_FAILURE.jobTimedOut, message: `${what} ${jobId} timed out` } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'failed', failure: { type: PIPELINE_FAILURE.jobFailed, message } };
}

/** The part of a job result kept in reports: no buttons, so pipeline and batch results stay small. */
export function summariseJob(r: JobResult): JobSummary {
  const t = r.task;
  return {
    taskId: r.taskId,
    action: t.action,
    status: String(t.status),
    prompt: t.prompt,
    finalPrompt: t.finalPrompt,
    imageUrl: t.imageUrl,
    imageUrls: (t.imageUrls ?? []).map((u) => u.url),
    videoUrl: t.videoUrl,
    images: r.images ?? [],
    ...(r.provenance?.seed !== undefined ? { seed: r.provenance.seed } : {}),
  };
}
