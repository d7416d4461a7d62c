/**
 * Intents as pipelines name them: parsed with the contract module's `parseIntent`, labelled for branch and job ids,
 * and annotated with what a person must supply when the intent always parks in MODAL.
 */
import { formatIntent, intentAlwaysModal, parseIntent } from '../mj';
import type { IntentSpec } from '../mj/types';
import type { EntryKind, ModalNeed, PipelineIntent } from '../shared/pipeline-types';

/** Intents that do not create exactly one new task, so a pipeline step cannot wait for their result. */
const NOT_IN_PIPELINES: Partial<Record<IntentSpec['kind'], string>> = {
  bookmark: 'bookmark creates no new task',
  'describe-imagine-all': 'describe-imagine-all creates several tasks; use an imagine step with promptFrom',
  unknown: 'raw customIds are not accepted; name the intent (e.g. "U2", "zoom-out 2")',
};

/** A short, id-safe label: `U2`, `V1`, `zoom-out-2`, `pan-left`, `upscale-hd-subtle`, `vary-region`. */
export function intentLabel(spec: IntentSpec): string {
  // Raw customIds never reach a pipeline (refused above), and branch ids must not carry them.
  return spec.kind === 'unknown' ? 'unknown' : formatIntent(spec).replace(/ /g, '-');
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

/**
 * What a step's task is once it succeeded; it decides which buttons the task offers (contract §7, as the simulator
 * models it for versions 6.1, 7 and 8).
 */
export type OutputStage = 'grid' | 'upscale' | 'upscale-hd' | 'describe' | 'shorten' | 'video' | 'video-upscale';

export const ENTRY_STAGE: Record<EntryKind, OutputStage> = {
  imagine: 'grid',
  blend: 'grid',
  edits: 'grid',
  describe: 'describe',
  shorten: 'shorten',
  video: 'video',
};

/** The stage of the task an intent creates: upscales and videos keep their own buttons, the rest make a grid. */
export function stageAfter(intent: IntentSpec): OutputStage {
  switch (intent.kind) {
    case 'upscale':
      return 'upscale';
    case 'upscale-hd':
      return 'upscale-hd';
    case 'animate':
    case 'video-extend':
      return 'video';
    case 'video-upscale':
      return 'video-upscale';
    case 'describe-retry':
      return 'describe';
    default:
      return 'grid';
  }
}

const EDITS: IntentSpec['kind'][] = ['vary-subtle', 'vary-strong', 'vary-region', 'zoom-out', 'custom-zoom', 'animate'];

/** Every intent a stage may offer in some supported version (a union: only impossible pairs are refused). */
const OFFERED: Record<OutputStage, ReadonlySet<IntentSpec['kind']>> = {
  grid: new Set(['upscale', 'variation', 'reroll']),
  upscale: new Set(['upscale-hd', ...EDITS, 'pan', 'reroll', 'bookmark']),
  // After an HD upscale: vary, zoom, animate and reroll, but no pan (contract §15).
  'upscale-hd': new Set([...EDITS, 'reroll', 'bookmark']),
  describe: new Set(['describe-pick', 'describe-retry', 'describe-imagine-all']),
  shorten: new Set(['shorten-pick']),
  video: new Set(['video-upscale']),
  'video-upscale': new Set(['video-extend']),
};

/** Whether a task of one of `stages` can offer `intent`. */
export function stageOffers(stages: ReadonlySet<OutputStage>, intent: IntentSpec): boolean {
  return [...stages].some((s) => OFFERED[s].has(intent.kind));
}

/** The intents a stage offers, for messages. */
export function offeredBy(stages: ReadonlySet<OutputStage>): string[] {
  return [...new Set([...stages].flatMap((s) => [...OFFERED[s]]))];
}
