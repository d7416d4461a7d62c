/**
 * Intents as pipelines name them: parsed with the contract module's `parseIntent`, labelled for branch and job ids,
 * and annotated with what a person must supply when the intent always parks in MODAL.
 */
import { formatIntent, intentAlwaysModal, parseIntent } from '../mj';
import { intentModalNeeds, intentYields, kindsOfferedOn, type OutputStage } from '../mj/intents';
import type { IntentSpec } from '../mj/types';
import type { EntryKind, ModalNeed, PipelineIntent } from '../shared/pipeline-types';

export type { OutputStage };

/** A short, id-safe label: `U2`, `V1`, `zoom-out-2`, `pan-left`, `upscale-hd-subtle`, `vary-region`. */
export function intentLabel(spec: IntentSpec): string {
  // Raw customIds never reach a pipeline (refused above), and branch ids must not carry them.
  return spec.kind === 'unknown' ? 'unknown' : formatIntent(spec).replace(/ /g, '-');
}

/**
 * What a person supplies for this intent's modal when it always parks in MODAL (Vary (Region) a prompt and a mask,
 * Custom Zoom and describe picks a prompt, §8); nothing for the others.
 */
export function intentNeeds(spec: IntentSpec): ModalNeed[] {
  return intentAlwaysModal(spec) ? intentModalNeeds(spec) : [];
}

export type IntentParse =
  { ok: true; value: PipelineIntent } | { ok: false; rule: 'unknown-intent' | 'intent-not-supported'; message: string };

/** Parses one intent of a pipeline file. */
export function toPipelineIntent(text: unknown): IntentParse {
  let intent: IntentSpec;
  try {
    intent = parseIntent(String(text));
  } catch (err) {
    return { ok: false, rule: 'unknown-intent', message: `unknown intent: ${(err as Error).message}` };
  }
  // Intents that do not create exactly one new task: a pipeline step cannot wait for their result.
  const yields = intentYields(intent);
  if (typeof yields !== 'string') return { ok: false, rule: 'intent-not-supported', message: yields.noSingleTask };
  return {
    ok: true,
    value: { label: intentLabel(intent), intent, alwaysModal: intentAlwaysModal(intent), needs: intentNeeds(intent) },
  };
}

export const ENTRY_STAGE: Record<EntryKind, OutputStage> = {
  imagine: 'grid',
  blend: 'grid',
  edits: 'grid',
  describe: 'describe',
  shorten: 'shorten',
  video: 'video',
};

/** The stage of the task an intent creates (the catalogue's `yields`): upscales and videos keep their own buttons. */
export function stageAfter(intent: IntentSpec): OutputStage {
  const yields = intentYields(intent);
  // Intents that create no single task never reach a step (refused above); 'grid' keeps the old answer for them.
  return typeof yields === 'string' ? yields : 'grid';
}

/** Whether a task of one of `stages` can offer `intent` in some supported version (only impossible pairs are refused). */
export function stageOffers(stages: ReadonlySet<OutputStage>, intent: IntentSpec): boolean {
  return [...stages].some((s) => kindsOfferedOn(s).includes(intent.kind));
}

/** The intents a stage offers, for messages. */
export function offeredBy(stages: ReadonlySet<OutputStage>): string[] {
  return [...new Set([...stages].flatMap(kindsOfferedOn))];
}
