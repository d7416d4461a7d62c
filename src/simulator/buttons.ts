/**
 * Button sets per stage and version with the customId shapes real proxies report (contract §7), and the reverse:
 * what an `/action` customId asks for.
 */
import type { MjButton } from '../mj/types';
import type { MjVersion } from './prompt';

/** What a finished task holds; decides its buttons, its images and how long it runs. */
export type ResultKind = 'grid' | 'upscale' | 'upscale-hd' | 'describe' | 'shorten' | 'video' | 'video-upscale';

function button(customId: string, label = '', emoji = ''): MjButton {
  return { customId, emoji, label, type: 2, style: 2 };
}

const DIGIT_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];

/** U1–U4, reroll, V1–V4: the order of a real grid message. */
export function gridButtons(hash: string): MjButton[] {
  const ups = [1, 2, 3, 4].map((i) => button(`MJ::JOB::upsample::${i}::${hash}`, `U${i}`));
  const vars = [1, 2, 3, 4].map((i) => button(`MJ::JOB::variation::${i}::${hash}`, `V${i}`));
  return [...ups, button(`MJ::JOB::reroll::0::${hash}::SOLO`, '', '🔄'), ...vars];
}

function hdButtons(version: MjVersion, hash: string): MjButton[] {
  if (!version.hdStem) return [];
  if (version.hdStyle === 'scale') {
    return [
      button(`MJ::JOB::${version.hdStem}_2x::1::${hash}::SOLO`, 'Upscale (2x)', 'upscale_1'),
      button(`MJ::JOB::${version.hdStem}_4x::1::${hash}::SOLO`, 'Upscale (4x)', 'upscale_1'),
    ];
  }
  return [
    button(`MJ::JOB::${version.hdStem}_2x_subtle::1::${hash}::SOLO`, 'Upscale (Subtle)', 'upscale_1'),
    button(`MJ::JOB::${version.hdStem}_2x_creative::1::${hash}::SOLO`, 'Upscale (Creative)', 'upscale_1'),
  ];
}

function editButtons(version: MjVersion, hash: string, withPan: boolean): MjButton[] {
  const out = [
    button(`MJ::JOB::low_variation::1::${hash}::SOLO`, 'Vary (Subtle)', '🪄'),
    button(`MJ::JOB::high_variation::1::${hash}::SOLO`, 'Vary (Strong)', '🪄'),
    button(`MJ::Inpaint::1::${hash}::SOLO`, 'Vary (Region)', '🖌️'),
  ];
  if (version.zoomPan) {
    out.push(
      button(`MJ::Outpaint::50::1::${hash}::SOLO`, 'Zoom Out 2x', '🔍'),
      button(`MJ::Outpaint::75::1::${hash}::SOLO`, 'Zoom Out 1.5x', '🔍'),
      button(`MJ::CustomZoom::${hash}`, 'Custom Zoom', '🔍')
    );
    if (withPan) {
      out.push(
        button(`MJ::JOB::pan_left::1::${hash}::SOLO`, '', '⬅️'),
        button(`MJ::JOB::pan_right::1::${hash}::SOLO`, '', '➡️'),
        button(`MJ::JOB::pan_up::1::${hash}::SOLO`, '', '⬆️'),
        button(`MJ::JOB::pan_down::1::${hash}::SOLO`, '', '⬇️')
      );
    }
  }
  if (version.animate) {
    out.push(
      button(`MJ::JOB::animate_high::1::${hash}::SOLO`, 'Animate (High motion)', '🎞️'),
      button(`MJ::JOB::animate_low::1::${hash}::SOLO`, 'Animate (Low motion)', '🎞️')
    );
  }
  // The bookmark's exact customId is unconfirmed (contract §15); clients only test for "MJ::BOOKMARK".
  out.push(button(`MJ::BOOKMARK::${hash}`, '', '❤️'), button(`MJ::JOB::reroll::0::${hash}::SOLO`, '', '🔄'));
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
        ...[1, 2, 3, 4].map((i) => button(`MJ::Job::PicReader::${i}`, '', DIGIT_EMOJI[i - 1])),
        button('MJ::Picread::Retry', '', '🔄'),
        button('MJ::Job::PicReader::all', 'Imagine all', '🎉'),
      ];
    case 'shorten':
      return [1, 2, 3, 4, 5].map((i) => button(`MJ::Job::PromptAnalyzer::${i}`, '', DIGIT_EMOJI[i - 1]));
    case 'video': {
      const n = opts.batch ?? 4;
      return Array.from({ length: n }, (_, i) =>
        button(`MJ::JOB::video_virtual_upscale::${i + 1}::${hash}`, `U${i + 1}`)
      );
    }
    case 'video-upscale': {
      const i = opts.index ?? 1;
      return [
        button(`MJ::JOB::animate_high_extend::${i}::${hash}`, 'Extend (High motion)', '🎞️'),
        button(`MJ::JOB::animate_low_extend::${i}::${hash}`, 'Extend (Low motion)', '🎞️'),
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
