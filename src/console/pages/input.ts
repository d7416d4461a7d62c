/**
 * Forms that give a job its input: the Vary (Region) mask painter (fit to the screen or zoomed, the mask made at the
 * image's native size), the prompt form
 * of Custom Zoom and Remix (prefilled with the task's prompt), and the choice forms of pipeline pick steps.
 */
import type { InputNeed } from '../backend';
import { html, type SafeHtml } from '../html';
import { inputNeedsZoom } from './format';
import { csrfField, layout, notice, type PageContext } from './layout';

export interface InputFormSpec {
  title: string;
  /** Where the form posts, and the hidden fields that say what it answers. */
  action: string;
  hidden: Record<string, string | undefined>;
  needs: InputNeed[];
  /** The image the input is about (the painter needs it). */
  imageSrc?: string;
  prompt?: string;
  intent?: string;
  error?: string;
  /** Where "Cancel" leads. */
  back: string;
}

function hiddenFields(fields: Record<string, string | undefined>): SafeHtml {
  return html`${Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}`;
}

/** The painter's keyboard shortcuts, as the toolbar's buttons announce them and the help line lists them. */
const PAINTER_KEYS = {
  rect: 'r',
  lasso: 'l',
  brush: 'b',
  erase: 'e',
  undo: 'Control+Z',
  redo: 'Control+Shift+Z',
  smaller: '[',
  larger: ']',
  zoomOut: '-',
  zoomIn: '+',
  fit: '0',
  actual: '1',
} as const;

function painter(imageSrc: string): SafeHtml {
  const k = PAINTER_KEYS;
  const tool = (id: keyof typeof k, label: string, pressed = false): SafeHtml =>
    html`<button
      type="button"
      data-tool="${id}"
      aria-pressed="${pressed ? 'true' : 'false'}"
      aria-keyshortcuts="${k[id]}"
      title="${label} (${k[id].toUpperCase()})"
    >
      ${label}
    </button>`;
  const cmd = (id: string, label: string, key: string, title = label): SafeHtml =>
    html`<button type="button" data-cmd="${id}" aria-keyshortcuts="${key}" title="${title} (${key})">${label}</button>`;
  return html`<div class="painter" data-painter>
    <div class="toolbar" role="toolbar" aria-label="mask tools">
      ${tool('rect', 'Rectangle', true)} ${tool('lasso', 'Lasso')} ${tool('brush', 'Brush')} ${tool('erase', 'Eraser')}
      <label class="size"
        >Brush size
        <input
          type="range"
          min="4"
          max="160"
          value="32"
          data-brush-size
          aria-keyshortcuts="${k.smaller} ${k.larger}"
          aria-describedby="brush-size-value"
        />
        <output id="brush-size-value" data-brush-value>32 px</output></label
      >
      <span class="sep"></span>
      ${cmd('undo', 'Undo', k.undo)} ${cmd('redo', 'Redo', k.redo)}
      <button type="button" data-cmd="clear">Clear</button>
      <span class="sep"></span>
      ${cmd('zoom-out', '−', k.zoomOut, 'Zoom out')} ${cmd('fit', 'Fit', k.fit, 'Fit to the screen')}
      ${cmd('actual', '1:1', k.actual, 'Actual pixels')} ${cmd('zoom-in', '+', k.zoomIn, 'Zoom in')}
      <output data-zoom-value aria-live="polite" aria-label="zoom">100%</output>
    </div>
    <div class="viewport" data-painter-viewport>
      <div class="stage" data-painter-stage>
        <img src="${imageSrc}" alt="the image to repaint" data-painter-image />
        <canvas data-painter-canvas aria-label="mask: drag over the image to mark the region to repaint"></canvas>
      </div>
    </div>
    <p class="muted" data-painter-status aria-live="polite">
      Drag over the image to mark what to repaint (white). Everything else is kept. The mask is made at the image’s own
      size, whatever the zoom.
    </p>
    <p class="muted keys">
      Keys: <kbd>R</kbd> rectangle, <kbd>L</kbd> lasso, <kbd>B</kbd> brush, <kbd>E</kbd> eraser, <kbd>[</kbd>
      <kbd>]</kbd> brush size, <kbd>+</kbd> <kbd>−</kbd> zoom, <kbd>0</kbd> fit, <kbd>1</kbd> actual pixels,
      <kbd>Ctrl+Z</kbd> undo, <kbd>Ctrl+Shift+Z</kbd> redo.
    </p>
    <input type="hidden" name="mask" data-painter-output />
    <noscript>
      <p>Without JavaScript, upload a mask instead: a PNG of the image's own size, white = repaint, black = keep.</p>
    </noscript>
    <label class="file">Or upload a mask PNG <input type="file" name="maskFile" accept="image/png" /></label>
  </div>`;
}

export function inputPage(ctx: PageContext, spec: InputFormSpec): SafeHtml {
  const mask = spec.needs.includes('mask');
  const prompt = spec.needs.includes('prompt') || spec.prompt !== undefined;
  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${spec.back}">Back</a></nav>
    <h1>${spec.title}</h1>
    ${notice('error', spec.error)}
    <form
      method="post"
      action="${spec.action}"
      enctype="multipart/form-data"
      class="input-form"
      ${mask ? html`data-needs-mask` : ''}
    >
      ${csrfField(ctx)} ${hiddenFields(spec.hidden)} ${mask && spec.imageSrc ? painter(spec.imageSrc) : ''}
      ${
        mask && !spec.imageSrc
          ? html`<label class="block"
              >Mask PNG (white = repaint, black = keep)
              <input type="file" name="maskFile" accept="image/png" required />
            </label>`
          : ''
      }
      ${
        prompt
          ? html`<label class="block"
              >Prompt
              <textarea name="prompt" rows="3" required>${spec.prompt ?? ''}</textarea>
            </label>`
          : ''
      }
      ${
        inputNeedsZoom(spec.intent)
          ? html`<p class="muted">Custom Zoom needs <code>--zoom</code> with a factor from 1 to 2 in the prompt.</p>`
          : ''
      }
      <div class="actions">
        <button type="submit" class="primary">Submit</button>
        <a class="button" href="${spec.back}">Cancel</a>
      </div>
    </form>`;
  return layout(ctx, spec.title, body, { scripts: mask ? ['mask-painter.js'] : [] });
}

/** A pipeline pick step: one button per choice, each a complete answer. */
export function choiceForm(
  ctx: PageContext,
  action: string,
  hidden: Record<string, string>,
  choices: string[]
): SafeHtml {
  return html`<div class="buttons">
    ${choices.map(
      (c) =>
        html`<form method="post" action="${action}" enctype="multipart/form-data" class="inline">
          ${csrfField(ctx)} ${hiddenFields(hidden)}<input type="hidden" name="choice" value="${c}" />
          <button type="submit" class="mj">${c}</button>
        </form>`
    )}
  </div>`;
}

/** A promptFrom pick: one of the numbered prompts of a describe or shorten. */
export function promptPickForm(
  ctx: PageContext,
  action: string,
  hidden: Record<string, string>,
  prompts: string[]
): SafeHtml {
  return html`<form method="post" action="${action}" enctype="multipart/form-data">
    ${csrfField(ctx)} ${hiddenFields(hidden)}
    <fieldset>
      <legend>Pick a prompt</legend>
      ${prompts.map(
        (p, i) =>
          html`<label class="block"
            ><input type="radio" name="choice" value="${String(i + 1)}" ${i === 0 ? html`checked` : ''} /> ${i + 1}.
            ${p}</label
          >`
      )}
    </fieldset>
    <button type="submit" class="primary">Use this prompt</button>
  </form>`;
}
