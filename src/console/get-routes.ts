/** The console's pages and fragments (GET). Every read goes through the tenant of the session. */
import { readdir } from 'node:fs/promises';
import { CONSOLE_STATES, type ConsoleState, type JobFilter } from './backend';
import type { SignedIn } from './context';
import { flashText } from './flash';
import { enc } from './html';
import { redirect, sendBytes, sendFragment, sendHtml } from './http';
import { streamEvents } from './live';
import { imageUrl, inputNeedsZoom, intentLabel, maskIntentName, shortPrompt } from './pages/format';
import { batchLive, batchPage, pipelineLive, pipelinePage } from './pages/group';
import { inboxPage } from './pages/inbox';
import { inputPage, type InputFormSpec } from './pages/input';
import { jobLive, jobPage } from './pages/job';
import { jobCard, jobsPage } from './pages/jobs';
import { errorPage } from './pages/layout';
import { spendPage } from './pages/spend';
import { startPage } from './pages/start';
import { answerPageSpec } from './answer-spec';
import { isSpeedMode } from '../mj/terms/speed-modes';

export function notFound(c: SignedIn): void {
  // The same answer for another tenant's job and for one that never existed.
  sendHtml(c.res, 404, errorPage(c.page, 404, 'Not found', 'There is no such job among yours.'));
}

/** Most cards one gallery page shows (`?limit=`). */
export const GALLERY_MAX_LIMIT = 200;

function filterOf(url: URL): JobFilter {
  const state = url.searchParams.get('state') ?? '';
  const mode = url.searchParams.get('mode') ?? '';
  const text = url.searchParams.get('q')?.trim() ?? '';
  const limit = Number(url.searchParams.get('limit') ?? '');
  return {
    state: (CONSOLE_STATES as readonly string[]).includes(state) ? (state as ConsoleState) : undefined,
    mode: isSpeedMode(mode) ? mode : undefined,
    text: text ? text.slice(0, 200) : undefined,
    // How many cards, up to GALLERY_MAX_LIMIT (the default is the backend's).
    ...(Number.isInteger(limit) && limit >= 1 ? { limit: Math.min(limit, GALLERY_MAX_LIMIT) } : {}),
  };
}

export async function examples(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /^[\w.-]+\.json$/.test(n)).sort();
}

/** GET <base>/jobs/<id>[/<sub>[/<n>]] */
async function jobRoutes(c: SignedIn, id: string, sub: string | undefined, arg: string | undefined): Promise<boolean> {
  const { backend, base } = { backend: c.settings.backend, base: c.settings.base };
  const tenant = c.session.tenant;
  if (sub === 'image' || sub === 'download') {
    const index = sub === 'download' ? 0 : Number(arg);
    if (!Number.isInteger(index) || index < 0 || index > 4) return false;
    const img = await backend.image(tenant, id, index);
    if (!img) return (notFound(c), true);
    const ext = img.contentType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
    const name = `${id.replace(/[^\w.-]+/g, '_')}${index ? `-${index}` : ''}.${ext}`;
    sendBytes(
      c.res,
      img.bytes,
      img.contentType,
      sub === 'download' ? { 'content-disposition': `attachment; filename="${name}"` } : {}
    );
    return true;
  }
  const job = await backend.getJob(tenant, id);
  if (!job) return (notFound(c), true);
  if (sub === undefined) {
    if (job.kind !== 'job')
      return (redirect(c.res, `${base}/${job.kind === 'pipeline' ? 'pipelines' : 'batches'}/${enc(id)}`), true);
    sendHtml(c.res, 200, jobPage(c.page, job, backend.temporalUiUrl(id), flashText(c.url)));
    return true;
  }
  if (sub === 'card') return (sendFragment(c.res, jobCard(c.page, job)), true);
  if (sub === 'live') return (sendFragment(c.res, jobLive(c.page, job, backend.temporalUiUrl(id))), true);
  if (sub === 'input') {
    const customId = c.url.searchParams.get('customId') ?? '';
    const button = job.buttons.find((b) => b.customId === customId);
    if (!button) return (notFound(c), true);
    sendHtml(c.res, 200, inputPage(c.page, actionInputSpec(c, job.id, job.prompt, button, job.images.includes(0))));
    return true;
  }
  return false;
}

export function actionInputSpec(
  c: SignedIn,
  jobId: string,
  prompt: string | undefined,
  button: { customId: string; label: string; needs: ('prompt' | 'mask')[]; intent: string | null },
  hasImage: boolean,
  error?: string,
  promptValue?: string
): InputFormSpec {
  const base = c.settings.base;
  const zoom = inputNeedsZoom(button.intent);
  const prefill = promptValue ?? (zoom && prompt && !/--zoom\b/.test(prompt) ? `${prompt} --zoom 1.5` : prompt);
  return {
    // Named by the intent and the prompt of the image it works on, never by a workflow id.
    title: [
      maskIntentName(button.intent) ?? intentLabel(button.intent) ?? (button.label || 'Input'),
      prompt && shortPrompt(prompt),
    ]
      .filter(Boolean)
      .join(' · '),
    action: `${base}/jobs/${enc(jobId)}/input`,
    hidden: { customId: button.customId },
    needs: button.needs,
    imageSrc: hasImage ? imageUrl(base, jobId, 0) : undefined,
    prompt: prefill ?? '',
    intent: button.intent ?? undefined,
    error:
      error ?? (button.needs.includes('mask') && !hasImage ? 'This job has no captured image to paint on.' : undefined),
    back: `${base}/jobs/${enc(jobId)}`,
  };
}

async function groupRoutes(c: SignedIn, kind: string, id: string): Promise<boolean> {
  const { backend } = c.settings;
  const fragment = c.url.searchParams.get('fragment') === '1';
  if (kind === 'pipelines') {
    const p = await backend.getPipeline(c.session.tenant, id);
    if (!p) return (notFound(c), true);
    if (fragment) sendFragment(c.res, pipelineLive(c.page, p));
    else sendHtml(c.res, 200, pipelinePage(c.page, p));
    return true;
  }
  const b = await backend.getBatch(c.session.tenant, id);
  if (!b) return (notFound(c), true);
  if (fragment) sendFragment(c.res, batchLive(c.page, b));
  else sendHtml(c.res, 200, batchPage(c.page, b));
  return true;
}

/** A paged batch's manifest as a JSON Lines download. */
async function batchManifest(c: SignedIn, id: string): Promise<boolean> {
  const text = await c.settings.backend.batchManifest?.(c.session.tenant, id);
  if (text === undefined || text === null) return (notFound(c), true);
  sendBytes(c.res, Buffer.from(text, 'utf8'), 'application/x-ndjson; charset=utf-8', {
    'content-disposition': `attachment; filename="${id.replace(/[^\w.-]/g, '_')}-manifest.jsonl"`,
    'cache-control': 'no-store',
  });
  return true;
}

/** Dispatches a signed-in GET; false when no route matches. */
export async function handleGet(c: SignedIn): Promise<boolean> {
  const [first, id, sub, arg] = c.segments;
  const { backend, base } = c.settings;
  switch (first) {
    case undefined:
      redirect(c.res, `${base}/jobs`);
      return true;
    case 'jobs': {
      if (id !== undefined) return jobRoutes(c, id, sub, arg);
      const filter = filterOf(c.url);
      sendHtml(c.res, 200, jobsPage(c.page, filter, await backend.listJobs(c.session.tenant, filter)));
      return true;
    }
    case 'events':
      await streamEvents(c);
      return true;
    case 'inbox':
      sendHtml(c.res, 200, inboxPage(c.page, await backend.inbox(c.session.tenant), flashText(c.url)));
      return true;
    case 'answer': {
      const spec = await answerPageSpec(c, {
        targetId: c.url.searchParams.get('target') ?? '',
        step: c.url.searchParams.get('step') ?? undefined,
        branch: c.url.searchParams.get('branch') ?? undefined,
      });
      if (!spec) return (notFound(c), true);
      sendHtml(c.res, 200, spec);
      return true;
    }
    case 'start':
      sendHtml(c.res, 200, startPage(c.page, await examples(c.settings.examplesDir)));
      return true;
    case 'spend':
      sendHtml(
        c.res,
        200,
        spendPage(c.page, backend.spend ? await backend.spend(c.session.tenant).catch(() => null) : undefined)
      );
      return true;
    case 'pipelines':
    case 'batches':
      if (first === 'batches' && id !== undefined && sub === 'manifest.jsonl') return batchManifest(c, id);
      return id !== undefined && sub === undefined ? groupRoutes(c, first, id) : false;
    default:
      return false;
  }
}
