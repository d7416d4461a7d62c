/**
 * Workflows for the pipeline and batch workflow tests: the real `pipelineWorkflow` and `batchWorkflow`, and a FAKE
 * `mjJobWorkflow` registered under the same workflow type name. The fake asks the test (through an activity) how to
 * behave, records when it starts and ends, and returns a JobResult-shaped value without any upstream.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '../../src/shared/duration';
import type { JobInput, JobResult } from '../../src/shared/types';

export { pipelineWorkflow } from '../../src/workflows/pipeline/pipeline-workflow';
export { batchWorkflow } from '../../src/workflows/batch/batch-workflow';

/** What the test wants a fake job to do. */
export interface FakeBehaviour {
  /** Virtual time the job "runs". @default '5s' */
  delay?: Duration;
  fail?: { type: string; message: string };
  /** Becomes `task.finalPrompt` (describe results). */
  finalPrompt?: string;
  /** The upstream the job "ran" on (several upstreams): becomes `result.owner`. */
  owner?: string;
}

export interface FakeActivities {
  fakeJobStarted(id: string, input: JobInput): Promise<FakeBehaviour>;
  fakeJobEnded(id: string, outcome: 'succeeded' | 'failed' | 'cancelled'): Promise<void>;
}

const acts = proxyActivities<FakeActivities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

const ACTION_OF: Record<JobInput['request']['kind'], string> = {
  imagine: 'IMAGINE',
  action: 'ACTION',
  blend: 'BLEND',
  describe: 'DESCRIBE',
  shorten: 'SHORTEN',
  edits: 'EDITS',
  video: 'VIDEO',
};

export async function mjJobWorkflow(input: JobInput): Promise<JobResult> {
  const id = workflowInfo().workflowId;
  const behaviour = await acts.fakeJobStarted(id, input);
  try {
    await sleep(behaviour.delay ?? '5s');
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => acts.fakeJobEnded(id, 'cancelled'));
    throw err;
  }
  if (behaviour.fail) {
    await acts.fakeJobEnded(id, 'failed');
    throw ApplicationFailure.create({ ...behaviour.fail, nonRetryable: true });
  }
  await acts.fakeJobEnded(id, 'succeeded');
  const r = input.request;
  const taskId = `task-${id}`;
  const prompt = 'prompt' in r ? r.prompt : (input.modal?.prompt ?? '');
  return {
    taskId,
    task: {
      id: taskId,
      action: r.kind === 'action' ? r.intent.kind.toUpperCase() : ACTION_OF[r.kind],
      status: 'SUCCESS',
      prompt,
      finalPrompt: behaviour.finalPrompt ?? prompt,
      progress: '100%',
      progressPct: 100,
      imageUrl: `https://cdn.example/${taskId}.png`,
      imageUrls: [],
      videoUrl: null,
      videoUrls: [],
      failReason: null,
      parentId: r.kind === 'action' ? r.parentTaskId : null,
      mode: input.mode ?? null,
      submitTime: null,
      startTime: null,
      finishTime: null,
      buttons: [],
    },
    images: [],
    timings: { startedAt: Date.now() },
    submits: 1,
    fetches: 1,
    ...(behaviour.owner ? { owner: { upstreamId: behaviour.owner, taskId, mode: input.mode ?? 'FAST' } } : {}),
  };
}
