/**
 * Form posts. Every one needs the session's CSRF token (checked by the router before these run); each answers with a
 * redirect on success, or the same form again with the error naming the field.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePrompt } from '../mj/params';
import { assertPromptParams } from '../mj/prompt-rule';
import { isSpeedMode, type SpeedMode } from '../mj/terms/speed-modes';
import { BATCH_CONTROLS, type BatchControl, type ModalAnswer } from './backend';
import type { SignedIn } from './context';
import { describeError } from './errors';
import { flashQuery } from './flash';
import { enc } from './html';
import { redirect, sendHtml, type Form } from './http';
import { checkMask, imageSize, maskBytes } from './mask';
import { answerPageSpec, findWaiting } from './answer-spec';
import { actionInputSpec, examples, notFound } from './get-routes';
import { inputPage } from './pages/input';
import { errorPage } from './pages/layout';
import { ASPECTS, startPage, VERSION_FLAGS, type StartErrors, type StartValues } from './pages/start';

function modeOf(v: string | undefined): SpeedMode | undefined {
  return isSpeedMode(v) ? v : undefined;
}

function jobPath(c: SignedIn, id: string): string {
  return `${c.settings.base}/jobs/${enc(id)}`;
}

/** The modal input of a form; a mask is checked against the image's own size when that image is known. */
async function modalInput(form: Form, image?: Uint8Array): Promise<ModalAnswer> {
  const prompt = form.get('prompt')?.trim();
  const mask = maskBytes(form.get('mask') || undefined, await form.files('maskFile'));
  if (mask) await checkMask(mask, image ? imageSize(image) : undefined);
  return { prompt: prompt || undefined, mask };
}

async function postAction(c: SignedIn, id: string, form: Form, withInput: boolean): Promise<void> {
  const { backend } = c.settings;
  const tenant = c.session.tenant;
  const job = await backend.getJob(tenant, id);
  if (!job) return notFound(c);
  const customId = form.get('customId') ?? '';
  const button = job.buttons.find((b) => b.customId === customId);
  if (!button) {
    sendHtml(c.res, 400, errorPage(c.page, 400, 'Unknown button', 'customId must be one of the task’s buttons.'));
    return;
  }
  if (!withInput && button.needs.length > 0) {
    redirect(c.res, `${jobPath(c, id)}/input?customId=${enc(customId)}`);
    return;
  }
  try {
    const image = withInput && button.needs.includes('mask') ? await backend.image(tenant, id, 0) : null;
    const input = withInput ? await modalInput(form, image?.bytes) : undefined;
    if (button.needs.includes('mask') && !input?.mask) throw new InputMissing('mask', 'must mark a region to repaint');
    const newId = await backend.action(tenant, id, customId, input);
    redirect(c.res, jobPath(c, newId));
  } catch (err) {
    const e = err instanceof InputMissing ? { status: 400, message: err.message } : describeError(err);
    if (e.status >= 500) throw err;
    const spec = actionInputSpec(c, id, job.prompt, button, job.images.includes(0), e.message, form.get('prompt'));
    sendHtml(c.res, e.status, withInput ? inputPage(c.page, spec) : errorPage(c.page, e.status, 'Refused', e.message));
  }
}

class InputMissing extends Error {
  constructor(field: string, rule: string) {
    super(`${field} ${rule}`);
  }
}

async function postAnswer(c: SignedIn, form: Form): Promise<void> {
  const { backend } = c.settings;
  const target = { targetId: form.get('target') ?? '', step: form.get('step'), branch: form.get('branch') };
  try {
    const choice = form.get('choice');
    let image: Uint8Array | undefined;
    if (form.get('mask') || (await form.files('maskFile')).length) {
      const item = await findWaiting(c, target);
      if (!item) return notFound(c);
      if (item.imageJobId) image = (await backend.image(c.session.tenant, item.imageJobId, 0))?.bytes;
    }
    const input = await modalInput(form, image);
    await backend.answer(c.session.tenant, { ...target, choice }, input);
    const where = target.step ? `${c.settings.base}/pipelines/${enc(target.targetId)}` : jobPath(c, target.targetId);
    redirect(c.res, `${where}?${flashQuery('answer-sent')}`);
  } catch (err) {
    const e = describeError(err);
    if (e.status >= 500 && !e.shown) throw err;
    // After a timeout the answer may have landed meanwhile: then nothing waits and the page says so plainly.
    const page = await answerPageSpec(c, target, e.message, form.get('prompt')).catch(() => null);
    if (page) return sendHtml(c.res, e.status, page);
    if (e.shown) return sendHtml(c.res, e.status, errorPage(c.page, e.status, 'Answer not confirmed', e.message));
    notFound(c);
  }
}

/** The prompt with the form's version and aspect added, unless the prompt gives its own (src/mj/params reads it). */
function imaginePrompt(v: StartValues): string {
  let prompt = (v.prompt ?? '').trim();
  const { params } = parsePrompt(prompt);
  const ownModel = params.version !== undefined || params.niji !== undefined;
  if (v.version && VERSION_FLAGS.includes(v.version) && !ownModel) prompt += ` ${v.version}`;
  if (v.aspect && ASPECTS.includes(v.aspect as never) && params.aspect === undefined) prompt += ` ${v.aspect}`;
  return prompt;
}

async function pipelineSpec(c: SignedIn, form: Form): Promise<unknown> {
  const file = (await form.files('file'))[0];
  if (file) return JSON.parse(Buffer.from(file).toString('utf8'));
  const text = form.get('pipeline')?.trim();
  if (text) return JSON.parse(text);
  const example = form.get('example') ?? '';
  if (example && (await examples(c.settings.examplesDir)).includes(example)) {
    return JSON.parse(await readFile(path.join(c.settings.examplesDir, example), 'utf8'));
  }
  throw new InputMissing('pipeline', 'must be given as an example, a file or JSON');
}

async function postStart(c: SignedIn, kind: string, form: Form): Promise<void> {
  const { backend, base } = c.settings;
  const tenant = c.session.tenant;
  const values: StartValues = {
    prompt: form.get('prompt'),
    mode: form.get('mode'),
    version: form.get('version'),
    aspect: form.get('aspect'),
    pipeline: form.get('pipeline'),
    example: form.get('example'),
    prompts: form.get('prompts'),
    concurrency: form.get('concurrency'),
  };
  try {
    if (kind === 'imagine') {
      const prompt = imaginePrompt(values);
      // The parameter rules (src/mj/params) refuse before the backend is asked; warnings ride on the redirect.
      const warnings = assertPromptParams(prompt);
      const id = await backend.imagine(tenant, {
        prompt,
        mode: modeOf(values.mode),
        images: await form.files('images'),
      });
      return redirect(c.res, warnings.length ? `${jobPath(c, id)}?${flashQuery('prompt-warnings')}` : jobPath(c, id));
    }
    if (kind === 'pipeline') {
      const id = await backend.pipeline(tenant, await pipelineSpec(c, form));
      return redirect(c.res, `${base}/pipelines/${enc(id)}`);
    }
    const file = (await form.files('file'))[0];
    const text = file ? Buffer.from(file).toString('utf8') : (values.prompts ?? '');
    const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
    const id = await backend.batch(tenant, text, { mode: modeOf(values.mode), concurrency });
    return redirect(c.res, `${base}/batches/${enc(id)}`);
  } catch (err) {
    const e = err instanceof InputMissing ? { status: 400, message: err.message } : describeError(err);
    if (e.status >= 500) throw err;
    const errors: StartErrors = { [kind]: e.message };
    sendHtml(c.res, e.status, startPage(c.page, await examples(c.settings.examplesDir), values, errors));
  }
}

/** Dispatches a signed-in, CSRF-checked POST whose form is already read; false when no route matches. */
export async function handlePost(c: SignedIn, form: Form): Promise<boolean> {
  const [first, id, sub] = c.segments;
  if (first === 'jobs' && id !== undefined && (sub === 'action' || sub === 'input')) {
    await postAction(c, id, form, sub === 'input');
    return true;
  }
  if (first === 'answer' && id === undefined) {
    await postAnswer(c, form);
    return true;
  }
  if (first === 'start' && (id === 'imagine' || id === 'pipeline' || id === 'batch')) {
    await postStart(c, id, form);
    return true;
  }
  const control = BATCH_CONTROLS.find((k) => k === sub);
  if (first === 'batches' && id !== undefined && control && c.settings.backend.batchControl) {
    await postBatchControl(c, id, control);
    return true;
  }
  return false;
}

/** A paged batch page's button: the batch (or, for retry-failed, its new attempt) is shown next. */
async function postBatchControl(c: SignedIn, id: string, what: BatchControl): Promise<void> {
  const { backend, base } = c.settings;
  try {
    const next = await backend.batchControl!(c.session.tenant, id, what);
    redirect(c.res, `${base}/batches/${enc(next)}`);
  } catch (err) {
    const e = describeError(err);
    if (e.status >= 500) throw err;
    if (e.status === 404) return notFound(c);
    sendHtml(c.res, e.status, errorPage(c.page, e.status, 'Not done', e.message));
  }
}
