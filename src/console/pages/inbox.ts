/** The inbox: every job and pipeline step of the tenant that waits for a person, oldest first, answerable here. */
import type { InboxItem } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import { imageUrl, intentLabel, time } from './format';
import { choiceForm, promptPickForm } from './input';
import { layout, type PageContext } from './layout';

export function answerHref(base: string, item: Pick<InboxItem, 'targetId' | 'step' | 'branch'>): string {
  const q = [`target=${enc(item.targetId)}`];
  if (item.step) q.push(`step=${enc(item.step)}`);
  if (item.branch) q.push(`branch=${enc(item.branch)}`);
  return `${base}/answer?${q.join('&')}`;
}

export function answerFields(item: Pick<InboxItem, 'targetId' | 'step' | 'branch'>): Record<string, string> {
  const out: Record<string, string> = { target: item.targetId };
  if (item.step) out.step = item.step;
  if (item.branch) out.branch = item.branch;
  return out;
}

function needsText(item: InboxItem): string {
  if (item.kind === 'choice') return `a choice: ${(item.choices ?? []).join(', ')}`;
  if (item.kind === 'prompt-pick') return 'a prompt picked from the describe result';
  const what = item.needs.length ? item.needs.join(' and ') : 'a prompt';
  return item.intent ? `${what} for ${intentLabel(item.intent)}` : what;
}

function entry(ctx: PageContext, item: InboxItem): SafeHtml {
  const action = `${ctx.base}/answer`;
  return html`<li class="inbox-item">
    ${
      item.imageJobId
        ? html`<img src="${imageUrl(ctx.base, item.imageJobId, 0)}" alt="" class="mini" loading="lazy" />`
        : html`<span class="mini placeholder">?</span>`
    }
    <div>
      <h3>${item.intent && !item.step ? `${intentLabel(item.intent)} · ` : ''}${item.title}</h3>
      <p>Needs ${needsText(item)} · waiting since ${time(item.since)}</p>
      ${
        item.kind === 'choice'
          ? choiceForm(ctx, action, answerFields(item), item.choices ?? [])
          : item.kind === 'prompt-pick'
            ? promptPickForm(ctx, action, answerFields(item), item.prompts ?? [])
            : html`<a class="button primary" href="${answerHref(ctx.base, item)}">Answer</a>`
      }
      <a class="muted" href="${ctx.base}/${item.step ? 'pipelines' : 'jobs'}/${enc(item.targetId)}">open</a>
    </div>
  </li>`;
}

export function inboxPage(ctx: PageContext, items: InboxItem[], flash?: string): SafeHtml {
  const body = html`<h1>Inbox</h1>
    ${flash ? html`<p class="notice info" role="status">${flash}</p>` : ''}
    ${
      items.length === 0
        ? html`<section class="empty"><p>Nothing waits for you.</p></section>`
        : html`<ol class="inbox" aria-label="waiting, oldest first">
            ${items.map((i) => entry(ctx, i))}
          </ol>`
    }`;
  return layout({ ...ctx, inboxCount: items.length }, 'Inbox', body, { active: 'inbox' });
}
