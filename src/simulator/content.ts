/**
 * Text results: describe's four numbered prompts and shorten's markdown (contract §11).
 */
import type { SeededRandom } from './random';

/** Keycap digits MJ numbers result lines with. */
export const NUMBER_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];

const SUBJECTS = [
  'a lighthouse on a cliff',
  'a red fox in snow',
  'a quiet city street at night',
  'a bowl of ramen',
  'an astronaut cat',
  'a paper boat on a pond',
];
const STYLES = [
  'in the style of ukiyo-e',
  'cinematic lighting',
  'soft pastel colours',
  'high contrast film photo',
  'watercolour wash',
  'isometric 3d render',
];
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
  return `## Important tokens\n${tokens}\n\n## Shortened prompts\n${numbered(lines)}`;
}
