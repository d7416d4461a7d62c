/**
 * The prompt a `promptFrom` branch imagines is known only at run time (a numbered prompt of a describe or shorten
 * answer, with the step's own prompt appended), so the parameter rules of src/mj/params check it where the pipeline
 * resolves it, before its job starts: a refused prompt fails the branch with `PromptParamRefused`, naming the
 * parameter and the rule. Workflow code (pure).
 */
import { botLine, checkPromptParams } from '../../mj/params';
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type { FailureInfo } from '../../shared/pipeline-types';
import type { JobRequest } from '../../shared/types';

/**
 * The `patched()` id of failing such a branch (pipelines recorded before it started the job with the prompt). Asked
 * only when a prompt is refused, so the histories of every other pipeline stay as they were.
 */
export const PIPELINE_PICKED_PROMPT_PATCH = 'pipeline-picked-prompt-params';

/** Why the branch's imagine may not start, or undefined when its prompt passes. `what` names the branch. */
export function pickedPromptRefusal(request: JobRequest, what: string): FailureInfo | undefined {
  if (request.kind !== 'imagine') return undefined;
  const first = checkPromptParams(request.prompt, { line: botLine(request.botType) }).problems[0];
  if (!first) return undefined;
  return {
    type: PIPELINE_FAILURE.promptParamRefused,
    message: `${what}: the picked prompt's parameter ${first.param} is refused: ${first.message} [${first.rule}; ${first.source}]`,
  };
}
