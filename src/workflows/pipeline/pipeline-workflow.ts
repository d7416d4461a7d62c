/**
 * `pipelineWorkflow`: runs a declarative pipeline (see `src/pipeline/spec.ts`) as a DAG of child job workflows.
 *
 * - Every step × branch is one child `mjJobWorkflow` with the id `<pipelineWorkflowId>/<step>/<branch>`
 *   (REJECT_DUPLICATE, parent close policy REQUEST_CANCEL: see `pipeline-children.ts`).
 * - A branch starts as soon as its parent branch succeeded (and a person gave its input, if it needs one), within
 *   `concurrency` running children. Action children get `{ kind: 'action', parentTaskId, intent }`: the job reads
 *   the customId from the parent task's buttons at run time.
 * - A failed branch never sinks the others: its descendants are `skipped`, siblings go on, and the pipeline
 *   completes with every step × branch outcome listed. It fails only for an invalid input (`PipelineInvalid`).
 * - Cancelling the pipeline cancels running children, marks everything else `cancelled`, and ends the workflow
 *   as cancelled; `getPipelineProgressQuery` still shows the final table.
 *
 * History: a branch costs about 10 events (child initiated, started, completed, workflow tasks), an accepted step
 * input about 3. With at most MAX_PIPELINE_BRANCHES (64) branches a pipeline stays well below the 4,096-event
 * continue-as-new suggestion, so it never continues as new; bigger fan-outs belong in several pipelines or a batch.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type { PipelineInput, PipelineResult } from '../../shared/pipeline-types';
import { runChildJob } from '../common/child-jobs';
import { childIdTooLong } from '../common/child-ids';
import { pipelineDetails } from '../common/web-ui-details';
import { getPipelineProgressQuery, provideStepInputUpdate } from './messages';
import { PipelineRun, type PipelineHost } from './pipeline-run';
import { nodesFromSteps, planPipeline } from './plan';

const host: PipelineHost = {
  condition: (fn, timeoutMs) => (timeoutMs === undefined ? condition(fn).then(() => true) : condition(fn, timeoutMs)),
  patched,
  runChildJob,
  log: (message, attrs) => log.info(message, attrs),
};

/** Runs a normalised pipeline; see the module comment. The state and its rules live in {@link PipelineRun}. */
export async function pipelineWorkflow(input: PipelineInput): Promise<PipelineResult> {
  const { plan, issues } = planPipeline(nodesFromSteps(input?.steps ?? []));
  if (!plan || !input.name) {
    const shown = issues.map((i) => `${i.path}: ${i.message}`).join('; ') || 'name and steps are required';
    throw ApplicationFailure.create({
      type: PIPELINE_FAILURE.invalid,
      message: `invalid pipeline: ${shown}`,
      nonRetryable: true,
      details: [issues],
    });
  }
  const pipelineId = workflowInfo().workflowId;
  const tooLong = Object.entries(plan.branches).some(([step, list]) =>
    list.some((b) => childIdTooLong(pipelineId, `${step}/${b.label}`))
  );
  // Pipelines started before child ids were bounded used the full id; patched() keeps their replays unchanged, and
  // asking only when an id is too long keeps the marker out of every other pipeline's history.
  const run = new PipelineRun(
    input,
    plan.branches,
    plan.order,
    pipelineId,
    host,
    tooLong && patched('bounded-child-ids')
  );
  setHandler(getPipelineProgressQuery, () => run.progress());
  // Live, the validator has just accepted the input, so the wait below ends at once. On replay validators do not run,
  // and sdk-core may hand the update over before the child result delivered in the same task (the result that made
  // the branch wait for input): applying it then would refuse it and skip the child start the history holds. So the
  // handler waits for the state the validator saw.
  setHandler(
    provideStepInputUpdate,
    async (i) => {
      await condition(() => run.canApply(i));
      return run.apply(i);
    },
    { validator: (i) => void run.resolve(i) }
  );

  try {
    for (;;) {
      run.dirty = false;
      run.advance();
      setCurrentDetails(pipelineDetails(run.progress()));
      if (run.allTerminal()) break;
      await condition(() => run.dirty);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      run.cancelPending();
      await condition(() => run.running === 0);
    });
    run.done = true;
    throw err;
  }
  run.done = true;
  setCurrentDetails(pipelineDetails(run.progress()));
  const result = run.result();
  log.info('pipeline finished', { ...result.summary });
  return result;
}
