/**
 * Lookups derived from the intent catalogue ({@link INTENTS}): the tables and rules other modules used to keep
 * their own copies of. Workflow-safe.
 */
import { INTENTS, type CustomIdContext, type NoSingleTask } from './catalogue';
import { INTENT_KINDS, type IntentKind, type IntentSpec, type ModalNeed, type OutputStage } from './kinds';

/** The catalogue's per-spec functions, for a spec whose kind is only known at run time. */
interface SpecFunctions {
  customId(spec: IntentSpec, at: CustomIdContext): string;
  text(spec: IntentSpec): string;
  label(spec: IntentSpec): string;
}

function functionsOf(spec: IntentSpec): SpecFunctions {
  // Sound: INTENTS[k] takes exactly the specs of kind k, and spec.kind is k.
  return INTENTS[spec.kind] as unknown as SpecFunctions;
}

/** One property of every intent, as a full table (`intentTable((d) => d.proxyAction)`). */
export function intentTable<T>(pick: (def: (typeof INTENTS)[IntentKind]) => T): Readonly<Record<IntentKind, T>> {
  return Object.fromEntries(INTENT_KINDS.map((k) => [k, pick(INTENTS[k])])) as Record<IntentKind, T>;
}

/** The intent a customId names (§7); `unknown` (keeping the id) when no entry reads it. */
export function intentOfCustomId(customId: string): IntentSpec {
  for (const kind of INTENT_KINDS) {
    const spec = INTENTS[kind].match(customId);
    if (spec) return spec;
  }
  return { kind: 'unknown', customId };
}

/** The intent a normalised human form names ('U2', 'zoom out 2x', 'vary region'), or null. */
export function intentOfText(text: string): IntentSpec | null {
  for (const kind of INTENT_KINDS) {
    const spec = INTENTS[kind].parse(text);
    if (spec) return spec;
  }
  return null;
}

/** The intent a stored short text names ('U2', 'vary-region'), or null when absent or not an intent's text. */
export function intentOfStoredText(text: string | null | undefined): IntentSpec | null {
  return text ? intentOfText(text) : null;
}

/** The human forms the parser accepts, for error messages and help texts. */
export const INTENT_FORMS: readonly string[] = INTENT_KINDS.flatMap((k) => INTENTS[k].forms ?? []);

/** The canonical short text: 'U2', 'V1', 'reroll', 'zoom-out 1.5', 'pan left', 'vary-region', … */
export function intentText(spec: IntentSpec): string {
  return functionsOf(spec).text(spec);
}

/** A readable name ('Upscale 2', 'Vary (Region)'), for buttons whose upstream label says too little. */
export function intentDisplayName(spec: IntentSpec): string {
  return functionsOf(spec).label(spec);
}

/** The customId an upstream prints for `spec` (the simulator's buttons; services copy customIds, never build them). */
export function customIdOf(spec: IntentSpec, at: CustomIdContext): string {
  return functionsOf(spec).customId(spec, at);
}

/**
 * The button an intent presses: its own, or for a Remix variant (Animate or Pan with a prompt) the button of its
 * `remixOf` kind with the same parameters, pressed with `enableRemix: true`.
 */
export function intentPress(spec: IntentSpec): { spec: IntentSpec; remix: boolean } {
  const other = INTENTS[spec.kind].remixOf;
  // Sound: `remixOf` names a kind whose parameters are exactly those of spec.kind (KindWithParamsOf).
  return other ? { spec: { ...spec, kind: other } as IntentSpec, remix: true } : { spec, remix: false };
}

/** The Remix variant of an intent (pan → pan-prompt, animate → animate-prompt), or null when it has none. */
export function intentRemixVariant(spec: IntentSpec): IntentSpec | null {
  const kind = INTENT_KINDS.find((k) => INTENTS[k].remixOf === spec.kind);
  return kind ? ({ ...spec, kind } as IntentSpec) : null;
}

/** Kinds whose task always parks in MODAL (Vary Region, Custom Zoom, describe pick). */
export const ALWAYS_MODAL_KINDS: readonly IntentKind[] = INTENT_KINDS.filter((k) => INTENTS[k].alwaysModal);

/** True when the task this intent creates always parks in MODAL and needs `/submit/modal` (§7, §8). */
export function intentAlwaysModal(spec: Pick<IntentSpec, 'kind'>): boolean {
  return INTENTS[spec.kind].alwaysModal;
}

/** A second press of it on the same parent returns the first job ("paid once"; see `IntentDef.sameResultEachPress`). */
export function intentPaidOnce(spec: Pick<IntentSpec, 'kind'>): boolean {
  return INTENTS[spec.kind].sameResultEachPress;
}

/** What a MODAL of this intent takes; a prompt when the intent is not known. */
export function intentModalNeeds(spec: Pick<IntentSpec, 'kind'> | undefined): ModalNeed[] {
  return spec ? [...INTENTS[spec.kind].modalNeeds] : ['prompt'];
}

/** The MODAL prompt of this intent must carry `--zoom <1..2>` (Custom Zoom). */
export function intentPromptNeedsZoom(spec: Pick<IntentSpec, 'kind'> | null | undefined): boolean {
  return spec != null && INTENTS[spec.kind].promptNeedsZoom;
}

/** What pressing the intent creates: the stage of its one new task, or why it creates no single task. */
export function intentYields(spec: Pick<IntentSpec, 'kind'>): OutputStage | NoSingleTask {
  return INTENTS[spec.kind].yields;
}

/** The kinds a task of `stage` may offer. */
export function kindsOfferedOn(stage: OutputStage): IntentKind[] {
  return INTENT_KINDS.filter((k) => INTENTS[k].appearsOn.includes(stage));
}

const UPSCALED_IMAGE: readonly OutputStage[] = ['upscale', 'upscale-hd'];

/** Kinds whose button exists only on a single upscaled image (§7, §14.3): the image is not a grid. */
export const SINGLE_IMAGE_KINDS: readonly IntentKind[] = INTENT_KINDS.filter((k) => {
  const on = INTENTS[k].appearsOn;
  return on.length > 0 && on.every((s) => UPSCALED_IMAGE.includes(s));
});

/** True when this kind's button exists only on a grid of four (U1–U4, V1–V4). */
export function onlyOnGrid(kind: IntentKind): boolean {
  const on = INTENTS[kind].appearsOn;
  return on.length === 1 && on[0] === 'grid';
}

/** How messages name a stage; stages listed first win when buttons of several are present. */
const STAGE_NAME: Readonly<Record<OutputStage, string>> = {
  describe: 'describe result',
  shorten: 'shorten result',
  video: 'video grid',
  'video-upscale': 'upscaled video',
  grid: 'grid',
  upscale: 'upscaled image',
  'upscale-hd': 'upscaled image',
};

/**
 * The name of the stage a set of button kinds belongs to ('grid', 'upscaled image', 'describe result', …), judged
 * by the buttons that appear on one kind of stage only; null when none does.
 */
export function stageNameOf(kinds: ReadonlySet<IntentKind>): string | null {
  const tells = (kind: IntentKind, name: string): boolean => {
    const on = INTENTS[kind].appearsOn;
    return on.length > 0 && on.every((s) => STAGE_NAME[s] === name);
  };
  for (const name of new Set(Object.values(STAGE_NAME))) {
    if ([...kinds].some((k) => tells(k, name))) return name;
  }
  return null;
}

/** Catalogue order, then the short text; zoom factors largest first, like the Discord row ("2x" before "1.5x"). */
export function compareIntents(a: IntentSpec, b: IntentSpec): number {
  const key = (s: IntentSpec): string => (s.kind === 'zoom-out' ? String(10 - s.factor) : intentText(s));
  const [ka, kb] = [key(a), key(b)];
  return INTENT_KINDS.indexOf(a.kind) - INTENT_KINDS.indexOf(b.kind) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}
