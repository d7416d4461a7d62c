/** Small renderers shared by the pages: state badges, times, button labels, image links. */
import { classifyButton } from '../../mj/buttons';
import { intentDisplayName, intentModalNeeds, intentOfStoredText, intentPromptNeedsZoom } from '../../mj/intents';
import type { ConsoleButton, ConsoleJob, ConsoleState, JobLink } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import { intentLabel } from '../job-view';

/** How a page names each state. */
export const STATE_WORD: Record<ConsoleState, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting for you',
  succeeded: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function stateBadge(state: ConsoleState): SafeHtml {
  return html`<span class="badge state-${state}" data-field="state">${STATE_WORD[state]}</span>`;
}

export function isTerminal(state: ConsoleState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

export function time(ms: number | undefined): SafeHtml {
  if (!ms) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

export function duration(fromMs: number | undefined, toMs: number | undefined): string {
  if (!fromMs || !toMs || toMs < fromMs) return '';
  const s = Math.round((toMs - fromMs) / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * A button's face: the intent catalogue's label (the one vocabulary every page uses: 'Upscale 1', 'Vary (Region)'),
 * the upstream's own label for a button the catalogue does not know, and the upstream's emoji.
 */
export function buttonText(b: ConsoleButton): { emoji: string; label: string; title: string } {
  const spec = classifyButton(b.customId);
  const upstream = b.label.trim();
  const label = spec.kind === 'unknown' ? upstream || intentDisplayName(spec) : intentDisplayName(spec);
  // Discord custom emoji come as names (`upscale_1`); only a real emoji character is worth showing.
  const emoji = /^[\w:.-]*$/.test(b.emoji) ? '' : b.emoji;
  return { emoji, label, title: upstream && upstream !== label ? `${label} (${upstream} on the upstream)` : label };
}

/** The catalogue's label of an intent stored as its short text ('vary-region' → 'Vary (Region)'). */
export { intentLabel };

/** What a heading calls a job: its kind and its prompt ('Upscale 1 · a red fox'), never its workflow id. */
export function jobHeading(job: Pick<ConsoleJob, 'label' | 'prompt' | 'title'>): string {
  const what = job.prompt ?? (job.title !== job.label ? job.title : undefined);
  return what ? `${job.label} · ${what}` : job.label;
}

/** A prompt shortened for a title or a link (whole words, an ellipsis). */
export function shortPrompt(text: string, max = 60): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 12)).trimEnd()}…`;
}

/** The thumbnail of a job or a link: its own image or its parent's; a placeholder naming its state otherwise. */
export function thumb(
  base: string,
  j: Pick<JobLink, 'thumbJobId' | 'state'>,
  alt: string,
  placeholder: string
): SafeHtml {
  return j.thumbJobId
    ? html`<img src="${imageUrl(base, j.thumbJobId, 0)}" alt="${alt}" loading="lazy" />`
    : html`<span class="placeholder">${placeholder}</span>`;
}

/**
 * The readable name ("Vary (Region)") of the intent given as its short text when its MODAL takes a mask: input pages
 * with the mask painter are titled with it. Undefined for any other text.
 */
export function maskIntentName(text: string | null | undefined): string | undefined {
  const spec = intentOfStoredText(text);
  return spec && intentModalNeeds(spec).includes('mask') ? intentDisplayName(spec) : undefined;
}

/** True when the intent given as its short text takes `--zoom <1..2>` in its MODAL prompt (Custom Zoom). */
export function inputNeedsZoom(text: string | null | undefined): boolean {
  return intentPromptNeedsZoom(intentOfStoredText(text));
}

export function imageUrl(base: string, jobId: string, index: number): string {
  return `${base}/jobs/${enc(jobId)}/image/${index}`;
}

export function jobUrl(base: string, job: Pick<ConsoleJob, 'id' | 'kind'>): string {
  if (job.kind === 'pipeline') return `${base}/pipelines/${enc(job.id)}`;
  if (job.kind === 'batch') return `${base}/batches/${enc(job.id)}`;
  return `${base}/jobs/${enc(job.id)}`;
}

export function progressBar(job: Pick<ConsoleJob, 'state' | 'progressPct'>): SafeHtml {
  if (isTerminal(job.state) || job.state === 'waiting') return html``;
  return job.progressPct === null
    ? html`<progress data-field="progress" max="100" aria-label="progress">working…</progress>`
    : html`<progress data-field="progress" max="100" value="${job.progressPct}" aria-label="progress">
        ${job.progressPct}%
      </progress>`;
}
