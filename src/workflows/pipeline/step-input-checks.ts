/**
 * The rules a step input (`provideStepInputUpdate`) must pass that do not depend on the pipeline's state: how a
 * rejection is built, the modal input an intent takes, and a prompt number. {@link PipelineRun.resolve} applies
 * them to the branch that waits. Every rejection is a `StepInputRejected` with `field`, `rule` and, for timing
 * rules, `phase` in its details. Workflow-safe.
 */
import { PIPELINE_FAILURE } from '../../shared/failure-types';
import type { ModalNeed, PipelineIntent } from '../../shared/pipeline-types';
import type { ModalInput } from '../../shared/types';
import { checkModalInput, modalNeeds, normaliseModalInput } from '../../shared/modal-input-rule';
import { rejection } from '../../shared/rejection';

/** Throws the pipeline's step-input rejection; `phase` names the branch status when the rule is about timing. */
export function reject(message: string, field: string, rule: string, phase?: string): never {
  throw rejection(PIPELINE_FAILURE.inputRejected, message, { field, rule, ...(phase ? { phase } : {}) });
}

/**
 * Checks modal input in the workflow (the Node-side parser is not on this path) with the shared MODAL-input rule:
 * shape, PNG mask, the intent's needs and its own rules (Custom Zoom's `--zoom 1..2`), so input the job would refuse
 * is refused here. Returns the input reduced to the fields the job takes.
 */
export function checkModal(
  modal: unknown,
  intent: PipelineIntent,
  needs: readonly ModalNeed[],
  what: string
): ModalInput {
  // An intent that always parks in MODAL is submitted by the job with the catalogue's needs (a prompt at least);
  // `needs` can be fewer: a subset still missing, or a pipeline parsed when describe picks listed no prompt.
  const all = intent.alwaysModal ? [...new Set([...needs, ...modalNeeds(intent.intent)])] : needs;
  const problem = checkModalInput(modal, intent.intent, all);
  if (problem) {
    const field = problem.field === 'modal' ? 'modal' : `modal.${problem.field}`;
    reject(`${what}: ${problem.message}`, field, problem.rule);
  }
  return normaliseModalInput(modal as ModalInput);
}

/** "1".."9", or its keycap (`1️⃣`) as a describe result numbers its prompts (see `extractNumberedPrompts` in src/mj/terms/numbered-prompts.ts). */
const PROMPT_NUMBER = /^\s*([1-9])\s*(?:\uFE0F?\u20E3)?\s*$/u;

/**
 * The 1-based prompt number `choice` names among `count` numbered prompts (a describe answer); rejects anything
 * else, and modal input, which a prompt pick never takes. `key` names the waiting branch.
 */
export function checkPromptNumber(choice: unknown, modal: unknown, count: number, key: string): number {
  if (modal !== undefined || choice === undefined) {
    reject(`${key} waits for a prompt number "1".."${count}" in "choice"`, 'choice', 'prompt-number');
  }
  const m = PROMPT_NUMBER.exec(String(choice));
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 1 && n <= count)) {
    reject(`choice must be a prompt number 1..${count}, got "${String(choice)}"`, 'choice', 'prompt-number');
  }
  return n;
}
