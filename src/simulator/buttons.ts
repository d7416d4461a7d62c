/**
 * Button sets per stage and version with the customId shapes real proxies report (contract §7), and the reverse:
 * what an `/action` customId asks for.
 */
import { customIdOf, type CustomIdContext, type IntentSpec, type OutputStage } from '../mj/intents';
import type { MjButton } from '../mj/types';
import type { MjVersion } from './prompt';

/** What a finished task holds; decides its buttons, its images and how long it runs (the catalogue's stages). */
export type ResultKind = OutputStage;

/** A button printed with the catalogue's customId form for `spec`, so the simulator and `classifyButton` agree. */
function button(
  spec: IntentSpec,
  hash: string,
  label = '',
  emoji = '',
  at: Omit<CustomIdContext, 'hash'> = {}
): MjButton {
  return { customId: customIdOf(spec, { hash, ...at }), emoji, label, type: 2, style: 2 };
}

const DIGIT_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];
const INDEX4 = [1, 2, 3, 4] as const;

/** U1–U4, reroll, V1–V4: the order of a real grid message. */
export function gridButtons(hash: string): MjButton[] {
  const ups = INDEX4.map((index) => button({ kind: 'upscale', index }, hash, `U${index}`));
  const vars = INDEX4.map((index) => button({ kind: 'variation', index }, hash, `V${index}`));
  return [...ups, button({ kind: 'reroll' }, hash, '', '🔄'), ...vars];
}

function hdButtons(version: MjVersion, hash: string): MjButton[] {
  if (!version.hdStem) return [];
  const at = { hdStem: version.hdStem };
  if (version.hdStyle === 'scale') {
    return [
      button({ kind: 'upscale-hd', variant: '2x' }, hash, 'Upscale (2x)', 'upscale_1', at),
      button({ kind: 'upscale-hd', variant: '4x' }, hash, 'Upscale (4x)', 'upscale_1', at),
    ];
  }
  return [
    button({ kind: 'upscale-hd', variant: 'subtle' }, hash, 'Upscale (Subtle)', 'upscale_1', at),
    button({ kind: 'upscale-hd', variant: 'creative' }, hash, 'Upscale (Creative)', 'upscale_1', at),
  ];
}

function editButtons(version: MjVersion, hash: string, withPan: boolean): MjButton[] {
  const out = [
    button({ kind: 'vary-subtle' }, hash, 'Vary (Subtle)', '🪄'),
    button({ kind: 'vary-strong' }, hash, 'Vary (Strong)', '🪄'),
    button({ kind: 'vary-region' }, hash, 'Vary (Region)', '🖌️'),
  ];
  if (version.zoomPan) {
    out.push(
      button({ kind: 'zoom-out', factor: 2 }, hash, 'Zoom Out 2x', '🔍'),
      button({ kind: 'zoom-out', factor: 1.5 }, hash, 'Zoom Out 1.5x', '🔍'),
      button({ kind: 'custom-zoom' }, hash, 'Custom Zoom', '🔍')
    );
    if (withPan) {
      out.push(
        button({ kind: 'pan', direction: 'left' }, hash, '', '⬅️'),
        button({ kind: 'pan', direction: 'right' }, hash, '', '➡️'),
        button({ kind: 'pan', direction: 'up' }, hash, '', '⬆️'),
        button({ kind: 'pan', direction: 'down' }, hash, '', '⬇️')
      );
    }
  }
  if (version.animate) {
    out.push(
      button({ kind: 'animate', motion: 'high' }, hash, 'Animate (High motion)', '🎞️'),
      button({ kind: 'animate', motion: 'low' }, hash, 'Animate (Low motion)', '🎞️')
    );
  }
  // The bookmark's exact customId is unconfirmed (contract §15); clients only test for "MJ::BOOKMARK".
  out.push(button({ kind: 'bookmark' }, hash, '', '❤️'), button({ kind: 'reroll' }, hash, '', '🔄'));
  return out;
}

/** Buttons of a finished task, or [] for kinds that carry none. */
export function buttonsFor(
  kind: ResultKind,
  version: MjVersion,
  hash: string,
  opts: { batch?: number; index?: number } = {}
): MjButton[] {
  switch (kind) {
    case 'grid':
      return gridButtons(hash);
    case 'upscale':
      return [...hdButtons(version, hash), ...editButtons(version, hash, true)];
    case 'upscale-hd':
      // After an HD upscale T's synthetic set keeps vary, zoom, animate and reroll but no pan (contract §15).
      return editButtons(version, hash, false);
    case 'describe':
      return [
        ...INDEX4.map((index) => button({ kind: 'describe-pick', index }, hash, '', DIGIT_EMOJI[index - 1])),
        button({ kind: 'describe-retry' }, hash, '', '🔄'),
        button({ kind: 'describe-imagine-all' }, hash, 'Imagine all', '🎉'),
      ];
    case 'shorten':
      return [1, 2, 3, 4, 5].map((index) => button({ kind: 'shorten-pick', index }, hash, '', DIGIT_EMOJI[index - 1]));
    case 'video': {
      const n = opts.batch ?? 4;
      return INDEX4.slice(0, n).map((index) => button({ kind: 'video-upscale', index }, hash, `U${index}`));
    }
    case 'video-upscale': {
      const clip = opts.index ?? 1;
      return [
        button({ kind: 'video-extend', motion: 'high' }, hash, 'Extend (High motion)', '🎞️', { clip }),
        button({ kind: 'video-extend', motion: 'low' }, hash, 'Extend (Low motion)', '🎞️', { clip }),
      ];
    }
  }
}

/** The operation a task performs; flavours name it differently (see `actionName`). */
export type Op =
  | 'imagine'
  | 'upscale'
  | 'variation'
  | 'reroll'
  | 'upscale-hd'
  | 'vary-subtle'
  | 'vary-strong'
  | 'vary-region'
  | 'zoom'
  | 'custom-zoom'
  | 'pan'
  | 'animate'
  | 'video'
  | 'video-upscale'
  | 'video-extend'
  | 'describe'
  | 'describe-pick'
  | 'describe-retry'
  | 'shorten'
  | 'shorten-pick'
  | 'blend'
  | 'edit'
  | 'retexture';

/** How a customId is handled. `modal`: 'always' parks in MODAL, 'remix' only under Remix. */
export type CustomIdPlan =
  | { type: 'task'; op: Op; index: number; modal: 'always' | 'remix' | 'never'; motion?: 'high' | 'low'; zoom?: number }
  | { type: 'bookmark' }
  | { type: 'describe-all' };

/** Reads a customId the way T's SubmitController does; undefined when it names nothing the simulator knows. */
export function planCustomId(customId: string): CustomIdPlan | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^MJ::JOB::upsample::([1-4])::/.exec(customId)))
    return { type: 'task', op: 'upscale', index: +m[1], modal: 'never' };
  if ((m = /^MJ::JOB::variation::([1-4])::/.exec(customId)))
    return { type: 'task', op: 'variation', index: +m[1], modal: 'remix' };
  if (/^MJ::JOB::reroll::0::/.test(customId)) return { type: 'task', op: 'reroll', index: 0, modal: 'remix' };
  if (/^MJ::JOB::upsample_v\w+::1::/.test(customId))
    return { type: 'task', op: 'upscale-hd', index: 1, modal: 'never' };
  if (/^MJ::JOB::low_variation::1::/.test(customId))
    return { type: 'task', op: 'vary-subtle', index: 1, modal: 'remix' };
  if (/^MJ::JOB::high_variation::1::/.test(customId))
    return { type: 'task', op: 'vary-strong', index: 1, modal: 'remix' };
  if (/^MJ::Inpaint::1::/.test(customId)) return { type: 'task', op: 'vary-region', index: 1, modal: 'always' };
  if ((m = /^MJ::Outpaint::(50|75)::1::/.exec(customId))) {
    return { type: 'task', op: 'zoom', index: 1, modal: 'never', zoom: m[1] === '50' ? 2 : 1.5 };
  }
  if (/^MJ::CustomZoom::/.test(customId)) return { type: 'task', op: 'custom-zoom', index: 1, modal: 'always' };
  if (/^MJ::JOB::pan_(left|right|up|down)::1::/.test(customId))
    return { type: 'task', op: 'pan', index: 1, modal: 'remix' };
  if ((m = /^MJ::JOB::animate_(high|low)_extend::(\d)::/.exec(customId))) {
    return { type: 'task', op: 'video-extend', index: +m[2], modal: 'remix', motion: m[1] as 'high' | 'low' };
  }
  if ((m = /^MJ::JOB::animate_(high|low)::1::/.exec(customId))) {
    return { type: 'task', op: 'animate', index: 1, modal: 'remix', motion: m[1] as 'high' | 'low' };
  }
  if ((m = /^MJ::JOB::video_virtual_upscale::([1-4])::/.exec(customId))) {
    return { type: 'task', op: 'video-upscale', index: +m[1], modal: 'never' };
  }
  if (customId === 'MJ::Job::PicReader::all') return { type: 'describe-all' };
  if ((m = /^MJ::Job::PicReader::([1-4])$/.exec(customId)))
    return { type: 'task', op: 'describe-pick', index: +m[1], modal: 'always' };
  if (customId === 'MJ::Picread::Retry') return { type: 'task', op: 'describe-retry', index: 0, modal: 'never' };
  if ((m = /^MJ::Job::PromptAnalyzer::([1-5])$/.exec(customId)))
    return { type: 'task', op: 'shorten-pick', index: +m[1], modal: 'remix' };
  if (customId.includes('MJ::BOOKMARK')) return { type: 'bookmark' };
  return undefined;
}

/**
 * The gateway's own customId reading (new-api `CoverPlusActionToNormalAction`): anything it cannot name is refused
 * with `unknown_action:<customId>` before reaching the upstream, including describe picks, animate and video.
 */
export function gatewayAcceptsCustomId(customId: string): boolean {
  const parts = customId.split('::');
  const action = parts[1] === 'JOB' ? (parts[2] ?? '') : (parts[1] ?? '');
  return (
    action.includes('upsample') ||
    action.includes('variation') ||
    action.includes('pan') ||
    action.includes('reroll') ||
    action === 'Outpaint' ||
    action === 'CustomZoom' ||
    action === 'Inpaint'
  );
}

/** The result each operation produces. */
export function resultKindOf(op: Op): ResultKind {
  switch (op) {
    case 'upscale':
      return 'upscale';
    case 'upscale-hd':
      return 'upscale-hd';
    case 'describe':
    case 'describe-retry':
      return 'describe';
    case 'shorten':
      return 'shorten';
    case 'animate':
    case 'video':
    case 'video-extend':
      return 'video';
    case 'video-upscale':
      return 'video-upscale';
    default:
      return 'grid';
  }
}
