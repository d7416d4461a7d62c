/**
 * Button intents (§7). Callers and pipelines name a follow-up as an intent ("U2", "zoom-out 1.5", "vary-region");
 * this module reads intents out of the customIds the proxy reports and finds the button to press. CustomIds are
 * always copied from `buttons[]`, never built here.
 */
import { intentText } from '../shared/intent-text';
import { MjButtonNotFoundError, MjInputError } from './errors';
import type {
  ButtonIntent,
  Index4,
  IntentSpec,
  MjButton,
  MjTask,
  Motion,
  PanDirection,
  UpscaleHdVariant,
} from './types';

const ALWAYS_MODAL = new Set<IntentSpec['kind']>(['vary-region', 'custom-zoom', 'describe-pick']);

function index4(text: string | undefined): Index4 | null {
  const n = Number(text);
  return n === 1 || n === 2 || n === 3 || n === 4 ? n : null;
}

function withModal(spec: IntentSpec): ButtonIntent {
  return { ...spec, alwaysModal: ALWAYS_MODAL.has(spec.kind) } as ButtonIntent;
}

function specFromCustomId(id: string): IntentSpec | null {
  let m: RegExpExecArray | null;
  if ((m = /^MJ::JOB::upsample::(\d+)::/i.exec(id))) {
    const index = index4(m[1]);
    return index ? { kind: 'upscale', index } : null;
  }
  if ((m = /^MJ::JOB::variation::(\d+)::/i.exec(id))) {
    const index = index4(m[1]);
    return index ? { kind: 'variation', index } : null;
  }
  if (/^MJ::JOB::reroll::/i.test(id)) return { kind: 'reroll' };
  // HD upscalers: v5 names the factor (upsample_v5_2x / _4x); v6, v6.1 (v6r1), v7 and niji name the style.
  if ((m = /^MJ::JOB::upsample_[a-z0-9_]*?_(subtle|creative)::/i.exec(id))) {
    return { kind: 'upscale-hd', variant: m[1]!.toLowerCase() as UpscaleHdVariant };
  }
  if ((m = /^MJ::JOB::upsample_[a-z0-9_]*?_(2x|4x)(?:_[a-z0-9]+)*::/i.exec(id))) {
    return { kind: 'upscale-hd', variant: m[1]!.toLowerCase() as UpscaleHdVariant };
  }
  if (/^MJ::JOB::low_variation::/i.test(id)) return { kind: 'vary-subtle' };
  if (/^MJ::JOB::high_variation::/i.test(id)) return { kind: 'vary-strong' };
  if (/^MJ::Inpaint::/i.test(id)) return { kind: 'vary-region' };
  if ((m = /^MJ::Outpaint::(\d+)::/i.exec(id))) {
    // The number is the share of the new canvas the old image keeps: 50 → 2x, 75 → 1.5x.
    if (m[1] === '50') return { kind: 'zoom-out', factor: 2 };
    if (m[1] === '75') return { kind: 'zoom-out', factor: 1.5 };
    return null;
  }
  if (/^MJ::CustomZoom::/i.test(id)) return { kind: 'custom-zoom' };
  if ((m = /^MJ::JOB::pan_(left|right|up|down)::/i.exec(id))) {
    return { kind: 'pan', direction: m[1]!.toLowerCase() as PanDirection };
  }
  if ((m = /^MJ::JOB::animate_(high|low)_extend::/i.exec(id))) {
    return { kind: 'video-extend', motion: m[1]!.toLowerCase() as Motion };
  }
  if ((m = /^MJ::JOB::animate_(high|low)::/i.exec(id))) {
    return { kind: 'animate', motion: m[1]!.toLowerCase() as Motion };
  }
  if ((m = /^MJ::JOB::video_virtual_upscale::(\d+)(?:::|$)/i.exec(id))) {
    const index = index4(m[1]);
    return index ? { kind: 'video-upscale', index } : null;
  }
  if (/^MJ::Job::PicReader::all$/i.test(id)) return { kind: 'describe-imagine-all' };
  if ((m = /^MJ::Job::PicReader::(\d+)$/i.exec(id))) {
    const index = index4(m[1]);
    return index ? { kind: 'describe-pick', index } : null;
  }
  if (/^MJ::Picread::Retry/i.test(id)) return { kind: 'describe-retry' };
  if (/^MJ::Job::PromptAnalyzer::/i.test(id)) {
    // T splits on "::" and takes the last part (§7).
    const n = Number(id.split('::').pop());
    return Number.isInteger(n) && n >= 1 ? { kind: 'shorten-pick', index: n } : null;
  }
  if (/BOOKMARK/i.test(id)) return { kind: 'bookmark' };
  return null;
}

/** What a button does, read from its customId (§7); `unknown` keeps the raw id. */
export function classifyButton(button: MjButton | string): ButtonIntent {
  const customId = typeof button === 'string' ? button : button.customId;
  return withModal(specFromCustomId(customId.trim()) ?? { kind: 'unknown', customId });
}

/** True when the task created by this intent always parks in MODAL and needs `/submit/modal` (§7, §8). */
export function intentAlwaysModal(spec: IntentSpec): boolean {
  return ALWAYS_MODAL.has(spec.kind);
}

/**
 * The canonical short form: "U2", "V1", "reroll", "zoom-out 1.5", "pan left", "vary-region", … One implementation
 * for the Node side and the workflows (src/shared/intent-text.ts is workflow-safe); `parseIntent` reads it back.
 */
export const formatIntent: (spec: IntentSpec) => string = intentText;

/** Structural equality of two intents (ignores `alwaysModal`). */
export function intentEquals(a: IntentSpec, b: IntentSpec): boolean {
  return formatIntent(a) === formatIntent(b);
}

/** The human forms {@link parseIntent} accepts, for error messages and help texts. */
export const INTENT_FORMS: readonly string[] = [
  'U1–U4',
  'V1–V4',
  'reroll',
  'upscale-hd subtle|creative|2x|4x',
  'vary-subtle',
  'vary-strong',
  'vary-region',
  'zoom-out 2|1.5',
  'custom-zoom',
  'pan left|right|up|down',
  'animate high|low',
  'video-upscale 1–4',
  'video-extend high|low',
  'describe-pick 1–4',
  'describe-retry',
  'describe-imagine-all',
  'shorten-pick 1–5',
  'bookmark',
];

const SEP = '[\\s_-]*';

function rx(body: string): RegExp {
  return new RegExp(`^${body}$`, 'i');
}

const PARSERS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => IntentSpec | null]> = [
  [rx(`(?:u|upscale|upsample)${SEP}([1-4])`), (m) => ({ kind: 'upscale', index: index4(m[1])! })],
  [rx(`(?:v|variation|vary)${SEP}([1-4])`), (m) => ({ kind: 'variation', index: index4(m[1])! })],
  [rx('r|reroll|re-roll|🔄'), () => ({ kind: 'reroll' })],
  [
    rx(`upscale${SEP}(?:hd${SEP})?\\(?(subtle|creative|2x|4x)\\)?`),
    (m) => ({ kind: 'upscale-hd', variant: m[1]!.toLowerCase() as UpscaleHdVariant }),
  ],
  [rx(`vary${SEP}\\(?subtle\\)?`), () => ({ kind: 'vary-subtle' })],
  [rx(`vary${SEP}\\(?strong\\)?`), () => ({ kind: 'vary-strong' })],
  [rx(`vary${SEP}\\(?region\\)?|inpaint`), () => ({ kind: 'vary-region' })],
  [rx(`zoom${SEP}out${SEP}(2|1\\.5)${SEP}x?`), (m) => ({ kind: 'zoom-out', factor: m[1] === '2' ? 2 : 1.5 })],
  [rx(`custom${SEP}zoom`), () => ({ kind: 'custom-zoom' })],
  [rx(`pan${SEP}(left|right|up|down)`), (m) => ({ kind: 'pan', direction: m[1]!.toLowerCase() as PanDirection })],
  [
    rx(`video${SEP}extend${SEP}\\(?(high|low)(?:${SEP}motion)?\\)?`),
    (m) => ({ kind: 'video-extend', motion: m[1]!.toLowerCase() as Motion }),
  ],
  [
    rx(`animate${SEP}\\(?(high|low)(?:${SEP}motion)?\\)?`),
    (m) => ({ kind: 'animate', motion: m[1]!.toLowerCase() as Motion }),
  ],
  [rx(`video${SEP}upscale${SEP}([1-4])`), (m) => ({ kind: 'video-upscale', index: index4(m[1])! })],
  [rx(`describe${SEP}pick${SEP}([1-4])`), (m) => ({ kind: 'describe-pick', index: index4(m[1])! })],
  [rx(`describe${SEP}retry`), () => ({ kind: 'describe-retry' })],
  [rx(`describe${SEP}imagine${SEP}all`), () => ({ kind: 'describe-imagine-all' })],
  [rx(`shorten${SEP}pick${SEP}([1-5])`), (m) => ({ kind: 'shorten-pick', index: Number(m[1]) })],
  [rx('bookmark|❤️|❤'), () => ({ kind: 'bookmark' })],
];

/**
 * Parses a human intent ("U2", "upscale 2", "zoom out 2x", "pan left", "vary region", "describe-pick 2", …).
 * Throws {@link MjInputError} (field `intent`) listing the accepted forms.
 */
export function parseIntent(text: string): IntentSpec {
  const normalised = typeof text === 'string' ? text.trim().replace(/\s+/g, ' ') : '';
  for (const [re, build] of PARSERS) {
    const m = re.exec(normalised);
    if (m) {
      const spec = build(m);
      if (spec) return spec;
    }
  }
  const shown = typeof text === 'string' ? JSON.stringify(oneLineShort(text)) : typeof text;
  throw new MjInputError('intent', `must be one of ${INTENT_FORMS.join(', ')} (got ${shown})`);
}

function oneLineShort(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

const KIND_ORDER: ReadonlyArray<IntentSpec['kind']> = [
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
  'video-upscale',
  'video-extend',
  'describe-pick',
  'describe-retry',
  'describe-imagine-all',
  'shorten-pick',
  'bookmark',
  'unknown',
];

function sortKey(spec: IntentSpec): [number, string] {
  const detail = formatIntent(spec);
  // Zoom factors sort largest first, like the Discord row ("Zoom Out 2x" before "1.5x").
  const tweak = spec.kind === 'zoom-out' ? String(10 - spec.factor) : detail;
  return [KIND_ORDER.indexOf(spec.kind), tweak];
}

/** The canonical forms of the intents a task (or a button list) offers, deduplicated, in catalogue order. */
export function availableIntents(taskOrButtons: MjTask | readonly MjButton[]): string[] {
  const buttons = Array.isArray(taskOrButtons) ? taskOrButtons : (taskOrButtons as MjTask).buttons;
  const specs = buttons.map((b) => classifyButton(b)).filter((s) => s.kind !== 'unknown');
  specs.sort((a, b) => {
    const [ka, da] = sortKey(a);
    const [kb, db] = sortKey(b);
    return ka - kb || (da < db ? -1 : da > db ? 1 : 0);
  });
  return [...new Set(specs.map(formatIntent))];
}

function describeStage(buttons: readonly MjButton[], task?: MjTask): string {
  const kinds = new Set(buttons.map((b) => classifyButton(b).kind));
  let stage: string;
  if (buttons.length === 0) {
    stage = task && task.status !== 'SUCCESS' ? `no buttons yet, status ${task.status || 'unknown'}` : 'no buttons';
  } else if (kinds.has('describe-pick')) stage = 'describe result';
  else if (kinds.has('shorten-pick')) stage = 'shorten result';
  else if (kinds.has('video-upscale')) stage = 'video grid';
  else if (kinds.has('video-extend')) stage = 'upscaled video';
  else if (kinds.has('upscale')) stage = 'grid';
  else if (
    ['upscale-hd', 'vary-subtle', 'vary-strong', 'vary-region', 'zoom-out', 'animate'].some((k) =>
      kinds.has(k as IntentSpec['kind'])
    )
  ) {
    stage = 'upscaled image';
  } else stage = 'other buttons';
  return task?.action ? `${task.action} ${stage}` : stage;
}

/**
 * The button that performs `intent`. Throws {@link MjButtonNotFoundError} (non-retryable) whose message lists what the
 * task does offer, e.g. "vary-region is not available on this task (IMAGINE grid); available: U1, …, reroll".
 * Throws {@link MjInputError} when `intent` is a string that does not parse.
 */
export function findButton(taskOrButtons: MjTask | readonly MjButton[], intent: IntentSpec | string): MjButton {
  const spec = typeof intent === 'string' ? parseIntent(intent) : intent;
  const task = Array.isArray(taskOrButtons) ? undefined : (taskOrButtons as MjTask);
  const buttons: readonly MjButton[] = task ? task.buttons : (taskOrButtons as readonly MjButton[]);
  const found = buttons.find((b) => intentEquals(classifyButton(b), spec));
  if (found) return found;
  throw new MjButtonNotFoundError(formatIntent(spec), availableIntents(buttons), describeStage(buttons, task));
}
