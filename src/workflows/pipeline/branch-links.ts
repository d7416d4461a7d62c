/**
 * How a pipeline's branches relate as jobs: the lineage each child job is started with, and the paid-once rule
 * (`sameResultEachPress` in the intent catalogue) between branches: a branch that presses the same button on the same
 * parent branch as an earlier one reuses that branch's job instead of paying again. Workflow code (pure).
 */
import { intentPaidOnce, intentText } from '../../mj/intents';
import type { IntentSpec } from '../../mj/types';
import type { JobLineage } from '../../shared/job-read-model';
import type { PipelineInput, PipelineStep } from '../../shared/pipeline-types';
import type { JobRequest } from '../../shared/types';

/** The `patched()` id of reusing a twin branch's press (pipelines recorded before it started both). */
export const PIPELINE_PAID_ONCE_PATCH = 'pipeline-paid-once-press';

/** What these rules read of a branch. */
export interface BranchLink {
  step: PipelineStep;
  parentKey?: string;
  jobId: string;
  status: string;
  intent?: { intent: IntentSpec };
  /** promptFrom: the picked prompt. */
  prompt?: string;
  taskId?: string;
  upstreamId?: string;
}

/** The request of the branch's job: its entry step's, or a press of its intent on the parent branch's task. */
export function branchRequest(branches: ReadonlyMap<string, BranchLink>, b: BranchLink): JobRequest {
  const step = b.step;
  if (step.kind === 'entry') {
    const request = step.request;
    if (request.kind !== 'imagine' || !step.promptFrom) return request;
    return { ...request, prompt: [b.prompt!, request.prompt].filter((p) => p.trim()).join(' ') };
  }
  const parent = branches.get(b.parentKey!)!;
  return {
    kind: 'action',
    parentTaskId: parent.taskId!,
    intent: b.intent!.intent,
    ...(parent.upstreamId ? { upstreamId: parent.upstreamId } : {}),
    ...(step.enableRemix !== undefined ? { enableRemix: step.enableRemix } : {}),
  };
}

/**
 * The branch's job's place: the pipeline (and the batch item it runs, `outer`), and for a button press the parent
 * branch's job and the chain's root.
 */
export function branchLineage(
  branches: ReadonlyMap<string, BranchLink>,
  b: BranchLink,
  pipelineId: string,
  outer: PipelineInput['lineage'] = {}
): JobLineage {
  if (b.parentKey === undefined) return { ...outer, pipelineId };
  const parent = branches.get(b.parentKey)!;
  let root = parent;
  while (root.parentKey !== undefined) root = branches.get(root.parentKey)!;
  return { ...outer, pipelineId, parentJobId: parent.jobId, rootJobId: root.jobId };
}

/**
 * An earlier branch that pressed the same paid-once button on the same parent branch and has not ended otherwise
 * (running or succeeded): its job is `b`'s answer. Undefined for a button that draws new images each press.
 */
export function pressTwin<B extends BranchLink>(branches: ReadonlyMap<string, B>, b: B): B | undefined {
  if (b.parentKey === undefined || !b.intent || !intentPaidOnce(b.intent.intent)) return undefined;
  const text = intentText(b.intent.intent);
  for (const o of branches.values()) {
    if (o === b || o.parentKey !== b.parentKey || !o.intent || intentText(o.intent.intent) !== text) continue;
    if (o.status === 'running' || o.status === 'succeeded') return o;
  }
  return undefined;
}
