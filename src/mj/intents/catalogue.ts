/**
 * The intent catalogue: everything the service knows about each button intent, in one entry per kind (§7, §8).
 * Every other intent table (proxy action, priced action, features, stages, modal rule, text and label forms, the
 * parser) is derived from {@link INTENTS}; adding an intent is one entry here, and an entry missing a property fails
 * to compile. Pure data and functions, no Node imports: workflows, activities, the gateway, the console and the
 * pipeline parser import it alike.
 */
import type {
  ChangeAction,
  Index4,
  IntentKind,
  KindWithParamsOf,
  ModalNeed,
  Motion,
  OutputStage,
  PanDirection,
  SpecOf,
  UpscaleHdVariant,
} from './kinds';
import type { PricedAction, UpstreamFeature } from './upstream-terms';

/** Where a customId is printed: the message's job hash and, for some buttons, which version or clip. */
export interface CustomIdContext {
  /** The MidJourney job hash of the message that carries the button (`properties.messageHash`). */
  hash: string;
  /** The HD upscaler stem of the model version (`upsample_v5`, `upsample_v6r1`, `upsample_v7`); upscale-hd only. */
  hdStem?: string;
  /** The clip an extend button belongs to (video-extend only); default 1. */
  clip?: number;
}

/** Why pressing an intent creates no single new task (pipelines refuse such intents with this text). */
export interface NoSingleTask {
  noSingleTask: string;
}

/** What the catalogue holds per intent kind `K`. No property is optional: a forgotten one fails to compile. */
export interface IntentDef<K extends IntentKind> {
  /** Reads this intent out of a customId (§7); null when the id is another button's. Tried in catalogue order. */
  match: (customId: string) => SpecOf<K> | null;
  /** The customId upstreams print for it (the simulator's buttons); services copy customIds, never build them. */
  customId: (spec: SpecOf<K>, at: CustomIdContext) => string;
  /**
   * The kind whose button this intent presses under Remix (`enableRemix: true`) so that its MODAL takes a new prompt
   * (Animate or Pan with a prompt); the pressed spec has the same parameters. Null when the intent is its own button.
   */
  remixOf: KindWithParamsOf<K> | null;
  /** The human forms {@link IntentDef.parse} accepts, for messages ('U1–U4'); null when it has no text form. */
  forms: string | null;
  /** Reads a normalised human form ('U2', 'zoom out 2x', 'vary region'); null when the text names another intent. */
  parse: (text: string) => SpecOf<K> | null;
  /** The canonical short text ('U2', 'zoom-out 1.5'), stored in job memos and histories; `parse` reads it back. */
  text: (spec: SpecOf<K>) => string;
  /** A readable name, for buttons whose upstream label is empty or an emoji ('Vary (Region)'). */
  label: (spec: SpecOf<K>) => string;
  /** The stages whose task offers this button in some supported version. */
  appearsOn: readonly OutputStage[];
  /** What pressing it creates: the stage of the one new task, or why it creates no single task. */
  yields: OutputStage | NoSingleTask;
  /** The new task always parks in MODAL (§8): the job asks a person first, then presses the button. */
  alwaysModal: boolean;
  /** What its MODAL takes, always or under Remix: every MODAL submits a prompt; Vary (Region) a mask too. */
  modalNeeds: readonly ModalNeed[];
  /** The MODAL prompt must carry `--zoom <1..2>` (Custom Zoom, §8). */
  promptNeedsZoom: boolean;
  /** The task `action` the gateway reports until the upstream names it: what trueai and plus report (§6). */
  proxyAction: string;
  /** The action the ledger prices (an upstream's `prices.byAction` key). */
  pricedAction: PricedAction;
  /** The optional upstream feature it needs; routing sends it only to upstreams that list it. */
  feature: UpstreamFeature | null;
  /** The `/submit/change` action that expresses it where there is no `/submit/action` (novicezk). */
  change: ChangeAction | null;
  /**
   * Pressing it again on the same parent gives the same result (an upscale of one image): a second press returns the
   * first job instead of paying again ("paid once", docs/paid-once.md), unless the caller asks for a new one. False
   * for buttons that draw new images each time (variations, reroll, vary, zoom, pan, animate).
   */
  sameResultEachPress: boolean;
}

export type IntentCatalogue = { readonly [K in IntentKind]: IntentDef<K> };

function index4(text: string | undefined): Index4 | null {
  const n = Number(text);
  return n === 1 || n === 2 || n === 3 || n === 4 ? n : null;
}

const SEP = '[\\s_-]*';

/** A whole-text, case-insensitive pattern of a human form. */
function rx(body: string): RegExp {
  return new RegExp(`^${body}$`, 'i');
}

/** `parse` for a form without parameters. */
function plain<K extends IntentKind>(kind: K, body: string): (text: string) => SpecOf<K> | null {
  const re = rx(body);
  return (text) => (re.test(text) ? ({ kind } as SpecOf<K>) : null);
}

/** `match` for a customId without parameters. */
function idIs<K extends IntentKind>(kind: K, re: RegExp): (customId: string) => SpecOf<K> | null {
  return (id) => (re.test(id) ? ({ kind } as SpecOf<K>) : null);
}

/** The `::1::<hash>::SOLO` tail of the buttons of an upscaled image. */
const solo = (hash: string): string => `1::${hash}::SOLO`;

/** MidJourney's word for a motion in labels: 'High', 'Low'. */
const capital = (motion: Motion): string => `${motion[0]!.toUpperCase()}${motion.slice(1)}`;

const panId = (direction: PanDirection, hash: string): string => `MJ::JOB::pan_${direction}::${solo(hash)}`;

/**
 * The motion of trueai's synthetic video buttons, `MJ::JOB::video::<motion>::<hash>::<videoType>::<auto|manual>`
 * ("Auto Low Motion", "Manual High Motion"; docs/mj-contract.md §7), when `id` is one of `mode`.
 */
function videoButtonMotion(id: string, mode: 'auto' | 'manual'): Motion | null {
  const m = /^MJ::JOB::video::(high|low)::[^:]+::[^:]*::(auto|manual)$/i.exec(id);
  return m && m[2]!.toLowerCase() === mode ? (m[1]!.toLowerCase() as Motion) : null;
}

/** The MODAL of an intent that presses another's button under Remix: the new prompt, always asked first. */
const REMIX_PROMPT = { alwaysModal: true, modalNeeds: ['prompt'], promptNeedsZoom: false } as const;

const NO_MODAL = { alwaysModal: false, modalNeeds: ['prompt'], promptNeedsZoom: false } as const;
const NOT_ROUTED = { feature: null, change: null } as const;
const UPSCALED_IMAGE: readonly OutputStage[] = ['upscale', 'upscale-hd'];

export const INTENTS: IntentCatalogue = {
  upscale: {
    match: (id) => {
      const index = index4(/^MJ::JOB::upsample::(\d+)::/i.exec(id)?.[1]);
      return index ? { kind: 'upscale', index } : null;
    },
    customId: (s, at) => `MJ::JOB::upsample::${s.index}::${at.hash}`,
    remixOf: null,
    forms: 'U1–U4',
    parse: (t) => {
      const m = rx(`(?:u|upscale|upsample)${SEP}([1-4])`).exec(t);
      return m ? { kind: 'upscale', index: index4(m[1])! } : null;
    },
    text: (s) => `U${s.index}`,
    label: (s) => `Upscale ${s.index}`,
    appearsOn: ['grid'],
    yields: 'upscale',
    ...NO_MODAL,
    proxyAction: 'UPSCALE',
    pricedAction: 'UPSCALE',
    feature: null,
    change: 'UPSCALE',
    sameResultEachPress: true,
  },
  variation: {
    match: (id) => {
      const index = index4(/^MJ::JOB::variation::(\d+)::/i.exec(id)?.[1]);
      return index ? { kind: 'variation', index } : null;
    },
    customId: (s, at) => `MJ::JOB::variation::${s.index}::${at.hash}`,
    remixOf: null,
    forms: 'V1–V4',
    parse: (t) => {
      const m = rx(`(?:v|variation|vary)${SEP}([1-4])`).exec(t);
      return m ? { kind: 'variation', index: index4(m[1])! } : null;
    },
    text: (s) => `V${s.index}`,
    label: (s) => `Vary ${s.index}`,
    appearsOn: ['grid'],
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'VARIATION',
    pricedAction: 'VARIATION',
    feature: null,
    change: 'VARIATION',
    sameResultEachPress: false,
  },
  reroll: {
    match: idIs('reroll', /^MJ::JOB::reroll::/i),
    customId: (_s, at) => `MJ::JOB::reroll::0::${at.hash}::SOLO`,
    remixOf: null,
    forms: 'reroll',
    parse: plain('reroll', 'r|reroll|re-roll|🔄'),
    text: () => 'reroll',
    label: () => 'Reroll',
    appearsOn: ['grid', ...UPSCALED_IMAGE],
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'REROLL',
    pricedAction: 'REROLL',
    feature: null,
    change: 'REROLL',
    sameResultEachPress: false,
  },
  'upscale-hd': {
    // v5 names the factor (upsample_v5_2x / _4x); v6, v6.1 (v6r1), v7 and niji name the style.
    match: (id) => {
      const m =
        /^MJ::JOB::upsample_[a-z0-9_]*?_(subtle|creative)::/i.exec(id) ??
        /^MJ::JOB::upsample_[a-z0-9_]*?_(2x|4x)(?:_[a-z0-9]+)*::/i.exec(id);
      return m ? { kind: 'upscale-hd', variant: m[1]!.toLowerCase() as UpscaleHdVariant } : null;
    },
    customId: (s, at) => {
      const stem = at.hdStem ?? 'upsample_v7';
      const tail = s.variant === 'subtle' || s.variant === 'creative' ? `2x_${s.variant}` : s.variant;
      return `MJ::JOB::${stem}_${tail}::${solo(at.hash)}`;
    },
    remixOf: null,
    forms: 'upscale-hd subtle|creative|2x|4x',
    parse: (t) => {
      const m = rx(`upscale${SEP}(?:hd${SEP})?\\(?(subtle|creative|2x|4x)\\)?`).exec(t);
      return m ? { kind: 'upscale-hd', variant: m[1]!.toLowerCase() as UpscaleHdVariant } : null;
    },
    text: (s) => `upscale-hd ${s.variant}`,
    label: (s) => `Upscale (${s.variant})`,
    appearsOn: ['upscale'],
    yields: 'upscale-hd',
    ...NO_MODAL,
    proxyAction: 'UPSCALE',
    pricedAction: 'UPSCALE',
    ...NOT_ROUTED,
    sameResultEachPress: true,
  },
  'vary-subtle': {
    match: idIs('vary-subtle', /^MJ::JOB::low_variation::/i),
    customId: (_s, at) => `MJ::JOB::low_variation::${solo(at.hash)}`,
    remixOf: null,
    forms: 'vary-subtle',
    parse: plain('vary-subtle', `vary${SEP}\\(?subtle\\)?`),
    text: () => 'vary-subtle',
    label: () => 'Vary (Subtle)',
    appearsOn: UPSCALED_IMAGE,
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'VARIATION',
    pricedAction: 'VARIATION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'vary-strong': {
    match: idIs('vary-strong', /^MJ::JOB::high_variation::/i),
    customId: (_s, at) => `MJ::JOB::high_variation::${solo(at.hash)}`,
    remixOf: null,
    forms: 'vary-strong',
    parse: plain('vary-strong', `vary${SEP}\\(?strong\\)?`),
    text: () => 'vary-strong',
    label: () => 'Vary (Strong)',
    appearsOn: UPSCALED_IMAGE,
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'VARIATION',
    pricedAction: 'VARIATION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'vary-region': {
    match: idIs('vary-region', /^MJ::Inpaint::/i),
    customId: (_s, at) => `MJ::Inpaint::${solo(at.hash)}`,
    remixOf: null,
    forms: 'vary-region',
    parse: plain('vary-region', `vary${SEP}\\(?region\\)?|inpaint`),
    text: () => 'vary-region',
    label: () => 'Vary (Region)',
    appearsOn: UPSCALED_IMAGE,
    yields: 'grid',
    alwaysModal: true,
    modalNeeds: ['prompt', 'mask'],
    promptNeedsZoom: false,
    proxyAction: 'INPAINT',
    pricedAction: 'INPAINT',
    feature: 'vary-region',
    change: null,
    sameResultEachPress: false,
  },
  'zoom-out': {
    // The number is the share of the new canvas the old image keeps: 50 → 2x, 75 → 1.5x.
    match: (id) => {
      const share = /^MJ::Outpaint::(\d+)::/i.exec(id)?.[1];
      return share === '50' || share === '75' ? { kind: 'zoom-out', factor: share === '50' ? 2 : 1.5 } : null;
    },
    customId: (s, at) => `MJ::Outpaint::${s.factor === 2 ? 50 : 75}::${solo(at.hash)}`,
    remixOf: null,
    forms: 'zoom-out 2|1.5',
    parse: (t) => {
      const m = rx(`zoom${SEP}out${SEP}(2|1\\.5)${SEP}x?`).exec(t);
      return m ? { kind: 'zoom-out', factor: m[1] === '2' ? 2 : 1.5 } : null;
    },
    text: (s) => `zoom-out ${s.factor}`,
    label: (s) => `Zoom Out ${s.factor}x`,
    appearsOn: UPSCALED_IMAGE,
    yields: 'grid',
    ...NO_MODAL,
    // plus and trueai name a zoom task ZOOM (trueai's OUTPAINT is a legacy value kept for old rows, §6).
    proxyAction: 'ZOOM',
    pricedAction: 'ZOOM',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'custom-zoom': {
    match: idIs('custom-zoom', /^MJ::CustomZoom::/i),
    customId: (_s, at) => `MJ::CustomZoom::${at.hash}`,
    remixOf: null,
    forms: 'custom-zoom',
    parse: plain('custom-zoom', `custom${SEP}zoom`),
    text: () => 'custom-zoom',
    label: () => 'Custom Zoom',
    appearsOn: UPSCALED_IMAGE,
    yields: 'grid',
    alwaysModal: true,
    modalNeeds: ['prompt'],
    promptNeedsZoom: true,
    proxyAction: 'CUSTOM_ZOOM',
    pricedAction: 'CUSTOM_ZOOM',
    feature: 'custom-zoom',
    change: null,
    sameResultEachPress: false,
  },
  pan: {
    match: (id) => {
      const m = /^MJ::JOB::pan_(left|right|up|down)::/i.exec(id);
      return m ? { kind: 'pan', direction: m[1]!.toLowerCase() as PanDirection } : null;
    },
    customId: (s, at) => panId(s.direction, at.hash),
    remixOf: null,
    forms: 'pan left|right|up|down',
    parse: (t) => {
      const m = rx(`pan${SEP}(left|right|up|down)`).exec(t);
      return m ? { kind: 'pan', direction: m[1]!.toLowerCase() as PanDirection } : null;
    },
    text: (s) => `pan ${s.direction}`,
    label: (s) => `Pan ${s.direction}`,
    // After an HD upscale: vary, zoom, animate and reroll, but no pan (§15).
    appearsOn: ['upscale'],
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'PAN',
    pricedAction: 'PAN',
    feature: 'pan',
    change: null,
    sameResultEachPress: false,
  },
  animate: {
    // Also trueai's synthetic "Auto High/Low Motion" button (videoButtonMotion).
    match: (id) => {
      const m = /^MJ::JOB::animate_(high|low)::/i.exec(id);
      const motion = m ? (m[1]!.toLowerCase() as Motion) : videoButtonMotion(id, 'auto');
      return motion ? { kind: 'animate', motion } : null;
    },
    customId: (s, at) => `MJ::JOB::animate_${s.motion}::${solo(at.hash)}`,
    remixOf: null,
    forms: 'animate high|low',
    parse: (t) => {
      const m = rx(`animate${SEP}\\(?(high|low)(?:${SEP}motion)?\\)?`).exec(t);
      return m ? { kind: 'animate', motion: m[1]!.toLowerCase() as Motion } : null;
    },
    text: (s) => `animate ${s.motion}`,
    label: (s) => `Animate (${s.motion} motion)`,
    appearsOn: UPSCALED_IMAGE,
    yields: 'video',
    ...NO_MODAL,
    proxyAction: 'VIDEO',
    pricedAction: 'VIDEO',
    feature: 'video',
    change: null,
    sameResultEachPress: false,
  },
  'animate-prompt': {
    sameResultEachPress: false,
    // "Animate with a prompt": the Animate button pressed under Remix parks in MODAL for the motion prompt (§8);
    // trueai also printed it as its own "Manual High/Low Motion" button for a while (videoButtonMotion).
    match: (id) => {
      const motion = videoButtonMotion(id, 'manual');
      return motion ? { kind: 'animate-prompt', motion } : null;
    },
    customId: (s, at) => `MJ::JOB::video::${s.motion}::${at.hash}::vid_1.1_i2v_480::manual`,
    remixOf: 'animate',
    forms: 'animate-prompt high|low',
    parse: (t) => {
      const how = `(?:prompt|manual|with${SEP}(?:a${SEP})?prompt)`;
      const m = rx(`(?:animate${SEP}${how}|manual)${SEP}\\(?(high|low)(?:${SEP}motion)?\\)?`).exec(t);
      return m ? { kind: 'animate-prompt', motion: m[1]!.toLowerCase() as Motion } : null;
    },
    text: (s) => `animate-prompt ${s.motion}`,
    label: (s) => `Manual ${capital(s.motion)} Motion`,
    appearsOn: UPSCALED_IMAGE,
    yields: 'video',
    ...REMIX_PROMPT,
    proxyAction: 'VIDEO',
    pricedAction: 'VIDEO',
    feature: 'video',
    change: null,
  },
  'pan-prompt': {
    sameResultEachPress: false,
    // "Pan with a prompt": no button of its own; the pan button pressed under Remix parks in MODAL (§8).
    match: () => null,
    customId: (s, at) => panId(s.direction, at.hash),
    remixOf: 'pan',
    forms: 'pan-prompt left|right|up|down',
    parse: (t) => {
      const m =
        rx(`pan${SEP}(?:prompt|with${SEP}(?:a${SEP})?prompt)${SEP}(left|right|up|down)`).exec(t) ??
        rx(`pan${SEP}(left|right|up|down)${SEP}with${SEP}(?:a${SEP})?prompt`).exec(t);
      return m ? { kind: 'pan-prompt', direction: m[1]!.toLowerCase() as PanDirection } : null;
    },
    text: (s) => `pan-prompt ${s.direction}`,
    label: (s) => `Pan ${s.direction} with a prompt`,
    appearsOn: ['upscale'],
    yields: 'grid',
    ...REMIX_PROMPT,
    proxyAction: 'PAN',
    pricedAction: 'PAN',
    feature: 'pan',
    change: null,
  },
  'video-upscale': {
    match: (id) => {
      const index = index4(/^MJ::JOB::video_virtual_upscale::(\d+)(?:::|$)/i.exec(id)?.[1]);
      return index ? { kind: 'video-upscale', index } : null;
    },
    customId: (s, at) => `MJ::JOB::video_virtual_upscale::${s.index}::${at.hash}`,
    remixOf: null,
    forms: 'video-upscale 1–4',
    parse: (t) => {
      const m = rx(`video${SEP}upscale${SEP}([1-4])`).exec(t);
      return m ? { kind: 'video-upscale', index: index4(m[1])! } : null;
    },
    text: (s) => `video-upscale ${s.index}`,
    label: () => 'video upscale',
    appearsOn: ['video'],
    yields: 'video-upscale',
    ...NO_MODAL,
    proxyAction: 'UPSCALE',
    pricedAction: 'UPSCALE',
    feature: 'video',
    change: null,
    sameResultEachPress: true,
  },
  'video-extend': {
    match: (id) => {
      const m = /^MJ::JOB::animate_(high|low)_extend::/i.exec(id);
      return m ? { kind: 'video-extend', motion: m[1]!.toLowerCase() as Motion } : null;
    },
    customId: (s, at) => `MJ::JOB::animate_${s.motion}_extend::${at.clip ?? 1}::${at.hash}`,
    remixOf: null,
    forms: 'video-extend high|low',
    parse: (t) => {
      const m = rx(`video${SEP}extend${SEP}\\(?(high|low)(?:${SEP}motion)?\\)?`).exec(t);
      return m ? { kind: 'video-extend', motion: m[1]!.toLowerCase() as Motion } : null;
    },
    text: (s) => `video-extend ${s.motion}`,
    label: () => 'video extend',
    appearsOn: ['video-upscale'],
    yields: 'video',
    ...NO_MODAL,
    proxyAction: 'VIDEO',
    pricedAction: 'VIDEO',
    feature: 'video',
    change: null,
    sameResultEachPress: false,
  },
  'describe-pick': {
    match: (id) => {
      const index = index4(/^MJ::Job::PicReader::(\d+)$/i.exec(id)?.[1]);
      return index ? { kind: 'describe-pick', index } : null;
    },
    customId: (s) => `MJ::Job::PicReader::${s.index}`,
    remixOf: null,
    forms: 'describe-pick 1–4',
    parse: (t) => {
      const m = rx(`describe${SEP}pick${SEP}([1-4])`).exec(t);
      return m ? { kind: 'describe-pick', index: index4(m[1])! } : null;
    },
    text: (s) => `describe-pick ${s.index}`,
    label: () => 'describe pick',
    appearsOn: ['describe'],
    yields: 'grid',
    // The MODAL carries the chosen prompt (trueai, plus), which a person may edit.
    alwaysModal: true,
    modalNeeds: ['prompt'],
    promptNeedsZoom: false,
    proxyAction: 'IMAGINE',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'describe-retry': {
    match: idIs('describe-retry', /^MJ::Picread::Retry/i),
    customId: () => 'MJ::Picread::Retry',
    remixOf: null,
    forms: 'describe-retry',
    parse: plain('describe-retry', `describe${SEP}retry`),
    text: () => 'describe-retry',
    label: () => 'describe retry',
    appearsOn: ['describe'],
    yields: 'describe',
    ...NO_MODAL,
    proxyAction: 'DESCRIBE',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'describe-imagine-all': {
    match: idIs('describe-imagine-all', /^MJ::Job::PicReader::all$/i),
    customId: () => 'MJ::Job::PicReader::all',
    remixOf: null,
    forms: 'describe-imagine-all',
    parse: plain('describe-imagine-all', `describe${SEP}imagine${SEP}all`),
    text: () => 'describe-imagine-all',
    label: () => 'describe imagine all',
    appearsOn: ['describe'],
    yields: { noSingleTask: 'describe-imagine-all creates several tasks; use an imagine step with promptFrom' },
    ...NO_MODAL,
    proxyAction: 'IMAGINE',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  'shorten-pick': {
    // trueai splits on "::" and takes the last part (§7).
    match: (id) => {
      if (!/^MJ::Job::PromptAnalyzer::/i.test(id)) return null;
      const index = Number(id.split('::').pop());
      return Number.isInteger(index) && index >= 1 ? { kind: 'shorten-pick', index } : null;
    },
    customId: (s) => `MJ::Job::PromptAnalyzer::${s.index}`,
    remixOf: null,
    forms: 'shorten-pick 1–5',
    parse: (t) => {
      const m = rx(`shorten${SEP}pick${SEP}([1-5])`).exec(t);
      return m ? { kind: 'shorten-pick', index: Number(m[1]) } : null;
    },
    text: (s) => `shorten-pick ${s.index}`,
    label: () => 'shorten pick',
    appearsOn: ['shorten'],
    yields: 'grid',
    ...NO_MODAL,
    proxyAction: 'IMAGINE',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  bookmark: {
    // The exact customId is unconfirmed (§15); clients only test for "BOOKMARK".
    match: idIs('bookmark', /BOOKMARK/i),
    customId: (_s, at) => `MJ::BOOKMARK::${at.hash}`,
    remixOf: null,
    forms: 'bookmark',
    parse: plain('bookmark', 'bookmark|❤️|❤'),
    text: () => 'bookmark',
    label: () => 'Bookmark',
    appearsOn: UPSCALED_IMAGE,
    yields: { noSingleTask: 'bookmark creates no new task' },
    ...NO_MODAL,
    proxyAction: 'ACTION',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
  unknown: {
    // Whatever no entry above reads; `classifyButton` keeps the raw id.
    match: () => null,
    customId: (s) => s.customId,
    remixOf: null,
    forms: null,
    parse: () => null,
    text: (s) => `unknown(${s.customId})`,
    label: (s) => s.customId.split('::').slice(1, 3).join(' ') || 'Button',
    appearsOn: [],
    yields: { noSingleTask: 'raw customIds are not accepted; name the intent (e.g. "U2", "zoom-out 2")' },
    ...NO_MODAL,
    proxyAction: 'ACTION',
    pricedAction: 'ACTION',
    ...NOT_ROUTED,
    sameResultEachPress: false,
  },
};
