/**
 * Intents as pipelines name them: parsed with the contract module's `parseIntent`, labelled for branch and job ids,
 * and annotated with what a person must supply when the intent always parks in MODAL.
 */
import { intentAlwaysModal, parseIntent } from '../mj';
import type { IntentSpec } from '../mj/types';
import type { ModalNeed, PipelineIntent } from '../shared/pipeline-types';

/** Intents that do not create exactly one new task, so a pipeline step cannot wait for their result. */
const NOT_IN_PIPELINES: Partial<Record<IntentSpec['kind'], string>> = {
  bookmark: 'bookmark creates no new task',
  'describe-imagine-all': 'describe-imagine-all creates several tasks; use an imagine step with promptFrom',
  unknown: 'raw customIds are not accepted; name the intent (e.g. "U2", "zoom-out 2")',
};

/** A short, id-safe label: `U2`, `V1`, `zoom-out-2`, `pan-left`, `upscale-hd-subtle`, `vary-region`. */
export function intentLabel(spec: IntentSpec): string {
  switch (spec.kind) {
    case 'upscale':
      return `U${spec.index}`;
    case 'variation':
      return `V${spec.index}`;
    case 'upscale-hd':
      return `upscale-hd-${spec.variant}`;
    case 'zoom-out':
      return `zoom-out-${spec.factor}`;
    case 'pan':
      return `pan-${spec.direction}`;
    case 'animate':
      return `animate-${spec.motion}`;
    case 'video-upscale':
      return `video-upscale-${spec.index}`;
    case 'video-extend':
      return `video-extend-${spec.motion}`;
    case 'describe-pick':
      return `describe-pick-${spec.index}`;
    case 'shorten-pick':
      return `shorten-pick-${spec.index}`;
    case 'unknown':
      return 'unknown';
    default:
      return spec.kind;
  }
}

/** What a person supplies for this intent's modal: Vary (Region) a prompt and a mask, Custom Zoom a prompt (§8). */
export function intentNeeds(spec: IntentSpec): ModalNeed[] {
  if (spec.kind === 'vary-region') return ['prompt', 'mask'];
  if (spec.kind === 'custom-zoom') return ['prompt'];
  return [];
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
  const refusal = NOT_IN_PIPELINES[intent.kind];
  if (refusal) return { ok: false, rule: 'intent-not-supported', message: refusal };
  return {
    ok: true,
    value: { label: intentLabel(intent), intent, alwaysModal: intentAlwaysModal(intent), needs: intentNeeds(intent) },
  };
}
