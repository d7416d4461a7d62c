/**
 * Text results: describe's four numbered prompts and shorten's markdown (contract §11).
 */
import type { SeededRandom } from './random';

/** Keycap digits MJ numbers result lines with. */
export const NUMBER_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];

/** Subjects and styles of describe results, each with the Chinese a plus proxy's `finalZhPrompt` shows for it. */
const SUBJECTS_ZH: Record<string, string> = {
  'a lighthouse on a cliff': '悬崖上的灯塔',
  'a red fox in snow': '雪中的红狐狸',
  'a quiet city street at night': '夜晚安静的城市街道',
  'a bowl of ramen': '一碗拉面',
  'an astronaut cat': '宇航员猫',
  'a paper boat on a pond': '池塘上的纸船',
};
const STYLES_ZH: Record<string, string> = {
  'in the style of ukiyo-e': '浮世绘风格',
  'cinematic lighting': '电影感光效',
  'soft pastel colours': '柔和的粉彩色调',
  'high contrast film photo': '高对比度胶片照片',
  'watercolour wash': '水彩晕染',
  'isometric 3d render': '等距3D渲染',
};
const SUBJECTS = Object.keys(SUBJECTS_ZH);
const STYLES = Object.keys(STYLES_ZH);
/** Shorten's section titles and their Chinese (as in a plus proxy's answer). */
const IMPORTANT = 'Important tokens';
const SHORTENED = 'Shortened prompts';
const TITLES_ZH: Record<string, string> = { [IMPORTANT]: '重要词汇', [SHORTENED]: '简化提示' };
const EXTRAS = ['--ar 1:1', '--ar 3:2', '--ar 2:3', '--ar 16:9'];

/** Four plausible prompts for a describe result. */
export function describeLines(rng: SeededRandom): string[] {
  return [0, 1, 2, 3].map(() => `${rng.pick(SUBJECTS)}, ${rng.pick(STYLES)}, ${rng.pick(STYLES)} ${rng.pick(EXTRAS)}`);
}

/** "1️⃣ …\n\n2️⃣ …": how MJ numbers describe and shorten lines. */
export function numbered(lines: string[]): string {
  return lines.map((l, i) => `${NUMBER_EMOJI[i]} ${l}`).join('\n\n');
}

function promptWords(prompt: string): string[] {
  return prompt
    .replace(/--\S+(\s+[^-\s]\S*)?/g, ' ')
    .split(/[\s,]+/)
    .filter((w) => w.length > 0 && !/^https?:/.test(w));
}

/** Five progressively shorter prompts from the original's words (the first line of `resultLines`). */
export function shortenLines(prompt: string): string[] {
  const words = promptWords(prompt);
  const core = words.length ? words : ['image'];
  return [1, 0.8, 0.6, 0.45, 0.3].map((f) => core.slice(0, Math.max(1, Math.round(core.length * f))).join(' '));
}

/** Shorten's markdown: important tokens (bold kept, struck-through dropped), then the five numbered prompts. */
export function shortenMarkdown(prompt: string, lines: string[]): string {
  const words = promptWords(prompt);
  const keep = new Set(lines[lines.length - 1].split(' '));
  const tokens = words.map((w) => (keep.has(w) ? `**${w}**` : `~~${w}~~`)).join(', ');
  return `## ${IMPORTANT}\n${tokens}\n\n## ${SHORTENED}\n${numbered(lines)}`;
}

/**
 * The Chinese twin of a describe or shorten result (`finalZhPrompt` of plus and new-api): the known phrases and
 * section titles in Chinese, Chinese commas; the numbering and the caller's own words stay.
 */
export function chineseTwin(text: string): string {
  let out = text;
  for (const [en, zh] of Object.entries({ ...SUBJECTS_ZH, ...STYLES_ZH, ...TITLES_ZH })) out = out.split(en).join(zh);
  return out.replace(/, /g, '，');
}
