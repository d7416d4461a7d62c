/**
 * The button intent kinds, declared once, and the shapes derived from them (`IntentSpec`). Types and constant lists
 * only: workflow-safe.
 */

export type UpscaleHdVariant = 'subtle' | 'creative' | '2x' | '4x';
export type PanDirection = 'left' | 'right' | 'up' | 'down';
export type Motion = 'high' | 'low';
export type Index4 = 1 | 2 | 3 | 4;

/** Every intent kind, in catalogue order (the order `availableIntents` lists them; Discord's row order). */
export const INTENT_KINDS = [
  'upscale',
  'variation',
  'reroll',
  'upscale-hd',
  'vary-subtle',
  'vary-strong',
  'vary-region',
  'zoom-out',
  'custom-zoom',
  'pan',
  'animate',
  'animate-prompt',
  'pan-prompt',
  'video-upscale',
  'video-extend',
  'describe-pick',
  'describe-retry',
  'describe-imagine-all',
  'shorten-pick',
  'bookmark',
  'unknown',
] as const;
export type IntentKind = (typeof INTENT_KINDS)[number];

/** The parameters each kind carries besides `kind`; a kind missing here fails to compile (see `IntentSpec`). */
interface IntentParams {
  upscale: { index: Index4 };
  variation: { index: Index4 };
  reroll: object;
  'upscale-hd': { variant: UpscaleHdVariant };
  'vary-subtle': object;
  'vary-strong': object;
  'vary-region': object;
  'zoom-out': { factor: 2 | 1.5 };
  'custom-zoom': object;
  pan: { direction: PanDirection };
  animate: { motion: Motion };
  'animate-prompt': { motion: Motion };
  'pan-prompt': { direction: PanDirection };
  'video-upscale': { index: Index4 };
  'video-extend': { motion: Motion };
  'describe-pick': { index: Index4 };
  'describe-retry': object;
  'describe-imagine-all': object;
  'shorten-pick': { index: number };
  bookmark: object;
  unknown: { customId: string };
}

type Flat<T> = { [P in keyof T]: T[P] };

/** The other kinds whose parameters are exactly those of `K`: a Remix variant presses such a kind's button. */
export type KindWithParamsOf<K extends IntentKind> = {
  [J in IntentKind]: J extends K
    ? never
    : [IntentParams[J]] extends [IntentParams[K]]
      ? [IntentParams[K]] extends [IntentParams[J]]
        ? J
        : never
      : never;
}[IntentKind];

/** One intent of kind `K`: `{ kind: 'pan', direction: 'left' }`. */
export type SpecOf<K extends IntentKind> = Flat<{ kind: K } & IntentParams[K]>;

/** What a button does, read from its customId (§7). Pipelines and callers name buttons this way. */
export type IntentSpec = { [K in IntentKind]: SpecOf<K> }[IntentKind];

/**
 * What a task is once it succeeded; it decides which buttons the task offers (§7, as the simulator models it for
 * versions 6.1, 7 and 8): a grid of four, an upscaled image (plain or HD), the prompts of a describe or shorten, four
 * video clips, an upscaled video.
 */
export const OUTPUT_STAGES = [
  'grid',
  'upscale',
  'upscale-hd',
  'describe',
  'shorten',
  'video',
  'video-upscale',
] as const;
export type OutputStage = (typeof OUTPUT_STAGES)[number];

/** What a person supplies in a MODAL: the prompt, and for Vary (Region) a mask. */
export type ModalNeed = 'prompt' | 'mask';

/** The `/submit/change` action that expresses an intent on novicezk (which has no `/submit/action`). */
export type ChangeAction = 'UPSCALE' | 'VARIATION' | 'REROLL';

// A kind listed in INTENT_KINDS but not in IntentParams (or the reverse) is a compile error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _kindsHaveParams: Same<IntentKind, keyof IntentParams> = true;
void _kindsHaveParams;
