/**
 * The answer page of something that waits for a person: a job parked for its modal input, or a pipeline branch.
 * It shows the image the answer is about (the parent's), and the painter, prompt or choice the wait needs.
 */
import type { InboxItem } from './backend';
import type { SignedIn } from './context';
import { enc, html, type SafeHtml } from './html';
import { intentLabel } from './job-view';
import { imageUrl, maskIntentName } from './pages/format';
import { answerFields } from './pages/inbox';
import { choiceForm, inputPage, promptPickForm } from './pages/input';
import { layout } from './pages/layout';

export interface AnswerTarget {
  targetId: string;
  step?: string;
  branch?: string;
}

/** What waits at the target, with the job whose image it is about; null when nothing of the tenant's waits there. */
export async function findWaiting(c: SignedIn, t: AnswerTarget): Promise<InboxItem | null> {
  const { backend } = c.settings;
  const tenant = c.session.tenant;
  if (t.step !== undefined) {
    const p = await backend.getPipeline(tenant, t.targetId);
    const branches = p?.steps.find((s) => s.step === t.step)?.branches ?? [];
    const waiting = branches.filter((b) => b.waiting && (t.branch === undefined || b.branch === t.branch));
    return waiting.length === 1 ? waiting[0]!.waiting! : null;
  }
  const job = await backend.getJob(tenant, t.targetId);
  if (!job || job.kind !== 'job' || job.state !== 'waiting' || !job.waitingFor) return null;
  const parent = job.parent?.id ?? (job.parentTaskId ? await backend.jobOfTask(tenant, job.parentTaskId) : null);
  return {
    targetId: job.id,
    kind: 'modal',
    needs: job.waitingFor.needs,
    intent: job.waitingFor.intent ?? job.intent,
    since: job.waitingFor.since ?? job.submitTime,
    imageJobId: job.parent?.thumbJobId ?? parent ?? undefined,
    prompt: job.prompt,
    title: job.title,
  };
}

export async function answerPageSpec(
  c: SignedIn,
  t: AnswerTarget,
  error?: string,
  prompt?: string
): Promise<SafeHtml | null> {
  const item = await findWaiting(c, t);
  if (!item) return null;
  const base = c.settings.base;
  const back = `${base}/inbox`;
  const action = `${base}/answer`;
  if (item.kind === 'choice' || item.kind === 'prompt-pick') {
    const form =
      item.kind === 'choice'
        ? choiceForm(c.page, action, answerFields(item), item.choices ?? [])
        : promptPickForm(c.page, action, answerFields(item), item.prompts ?? []);
    return layout(
      c.page,
      item.title,
      html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${back}">Inbox</a></nav>
        <h1>${item.title}</h1>
        ${item.imageJobId ? html`<img class="hero-img" src="${imageUrl(base, item.imageJobId, 0)}" alt="the grid to choose from" />` : ''}
        ${error ? html`<p class="notice error" role="alert">${error}</p>` : ''} ${form}`
    );
  }
  const parentPrompt = item.imageJobId
    ? (await c.settings.backend.getJob(c.session.tenant, item.imageJobId))?.prompt
    : undefined;
  const hasImage = item.imageJobId
    ? ((await c.settings.backend.getJob(c.session.tenant, item.imageJobId))?.images.includes(0) ?? false)
    : false;
  return inputPage(c.page, {
    title: `${maskIntentName(item.intent) ?? intentLabel(item.intent) ?? 'Answer'} · ${item.title}`,
    action,
    hidden: answerFields(item),
    needs: item.needs.length ? item.needs : ['prompt'],
    imageSrc: hasImage && item.imageJobId ? imageUrl(base, item.imageJobId, 0) : undefined,
    prompt: prompt ?? item.prompt ?? parentPrompt ?? '',
    intent: item.intent,
    error:
      error ??
      (item.needs.includes('mask') && !hasImage
        ? 'The image to paint on is not available; upload a mask PNG instead.'
        : undefined),
    back: item.step ? `${base}/pipelines/${enc(item.targetId)}` : back,
  });
}
