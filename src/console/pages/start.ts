/** Start: an imagine (mode, version flags, reference images), a pipeline from a file or an example, a batch. */
import { html, type SafeHtml } from '../html';
import { csrfField, layout, notice, type PageContext } from './layout';
import { SPEED_MODES } from '../../mj/terms/speed-modes';
import { CURRENT_MODELS, printParam } from '../../mj/params';

/**
 * The version choices: `''` (as in the prompt), then the current versions of src/mj/params (newest first, the niji
 * line last), each written by the grammar's printer (`--v 8.2`, `--niji 7`).
 */
export const VERSION_FLAGS: readonly string[] = [
  '',
  ...CURRENT_MODELS.map((m) => (m.line === 'niji' ? printParam('niji', m.version) : printParam('version', m.version))),
];
export const ASPECTS = ['', '--ar 1:1', '--ar 3:2', '--ar 2:3', '--ar 16:9'] as const;

export interface StartValues {
  prompt?: string;
  mode?: string;
  version?: string;
  aspect?: string;
  pipeline?: string;
  example?: string;
  prompts?: string;
  concurrency?: string;
}

export interface StartErrors {
  imagine?: string;
  pipeline?: string;
  batch?: string;
}

/** A select inside its label (no id: the imagine and batch forms both have a `mode`, and ids must be unique). */
function select(name: string, options: readonly string[], current: string | undefined, none: string): SafeHtml {
  return html`<select name="${name}">
    ${options.map((o) => html`<option value="${o}" ${current === o ? html`selected` : ''}>${o || none}</option>`)}
  </select>`;
}

export function startPage(
  ctx: PageContext,
  examples: string[],
  v: StartValues = {},
  errors: StartErrors = {}
): SafeHtml {
  const body = html`<h1>Start</h1>
    <div class="start-grid">
      <section aria-labelledby="imagine-h" class="panel">
        <h2 id="imagine-h">Imagine</h2>
        ${notice('error', errors.imagine)}
        <form method="post" action="${ctx.base}/start/imagine" enctype="multipart/form-data">
          ${csrfField(ctx)}
          <label class="block">Prompt <textarea name="prompt" rows="4" required>${v.prompt ?? ''}</textarea></label>
          <div class="row">
            <label>Mode ${select('mode', SPEED_MODES, v.mode ?? 'FAST', '')}</label>
            <label>Version ${select('version', VERSION_FLAGS, v.version, 'as in prompt')}</label>
            <label>Aspect ${select('aspect', ASPECTS, v.aspect, 'as in prompt')}</label>
          </div>
          <label class="block"
            >Reference images
            <input type="file" name="images" accept="image/png,image/jpeg,image/webp,image/gif" multiple />
          </label>
          <button type="submit" class="primary">Imagine</button>
        </form>
      </section>
      <section aria-labelledby="pipeline-h" class="panel">
        <h2 id="pipeline-h">Pipeline</h2>
        ${notice('error', errors.pipeline)}
        <form method="post" action="${ctx.base}/start/pipeline" enctype="multipart/form-data">
          ${csrfField(ctx)}
          <label class="block"
            >Example
            <select name="example">
              <option value="">none</option>
              ${examples.map((e) => html`<option value="${e}" ${v.example === e ? html`selected` : ''}>${e}</option>`)}
            </select>
          </label>
          <label class="block"
            >or a pipeline file <input type="file" name="file" accept=".json,application/json"
          /></label>
          <label class="block">or its JSON <textarea name="pipeline" rows="5">${v.pipeline ?? ''}</textarea></label>
          <button type="submit" class="primary">Start pipeline</button>
        </form>
      </section>
      <section aria-labelledby="batch-h" class="panel">
        <h2 id="batch-h">Batch</h2>
        ${notice('error', errors.batch)}
        <form method="post" action="${ctx.base}/start/batch" enctype="multipart/form-data">
          ${csrfField(ctx)}
          <label class="block"
            >Prompts, one a line <textarea name="prompts" rows="5">${v.prompts ?? ''}</textarea>
          </label>
          <label class="block">or a prompt file <input type="file" name="file" accept=".txt,text/plain" /></label>
          <div class="row">
            <label>Mode ${select('mode', SPEED_MODES, v.mode ?? 'RELAX', '')}</label>
            <label
              >Concurrency <input type="number" name="concurrency" min="1" max="50" value="${v.concurrency ?? '3'}"
            /></label>
          </div>
          <button type="submit" class="primary">Start batch</button>
        </form>
      </section>
    </div>`;
  return layout(ctx, 'Start', body, { active: 'start' });
}
