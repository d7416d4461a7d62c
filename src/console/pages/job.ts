/**
 * A job: its image and splits, prompt, status, timings, cost, the upstream task's own buttons (one click starts the
 * follow-up; buttons that need input open their form first), what it waits for, the Temporal Web UI link, download.
 */
import type { ConsoleButton, ConsoleJob } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import { buttonText, duration, imageUrl, isTerminal, progressBar, stateBadge, time } from './format';
import { csrfField, layout, notice, type PageContext } from './layout';
import { provenanceBlock } from './provenance';

function buttonForm(ctx: PageContext, job: ConsoleJob, b: ConsoleButton): SafeHtml {
  const t = buttonText(b);
  const face = html`${t.emoji ? html`<span aria-hidden="true">${t.emoji}</span> ` : ''}${t.label}`;
  if (b.needs.length > 0) {
    const href = `${ctx.base}/jobs/${enc(job.id)}/input?customId=${enc(b.customId)}`;
    return html`<a class="button mj" href="${href}" title="${t.title} (opens a form)">${face}…</a>`;
  }
  return html`<form method="post" action="${ctx.base}/jobs/${enc(job.id)}/action" class="inline">
    ${csrfField(ctx)}<input type="hidden" name="customId" value="${b.customId}" />
    <button type="submit" class="mj" title="${t.title}">${face}</button>
  </form>`;
}

function costText(c: NonNullable<ConsoleJob['cost']>): SafeHtml {
  const where = c.upstreamId ? html` <span class="muted">on ${c.upstreamId}${c.mode ? ` (${c.mode})` : ''}</span>` : '';
  const refund = c.refunded ? html` <span class="muted">, ${c.refunded} ${c.currency} refunded</span>` : '';
  return html`<span data-field="cost">${c.amount} ${c.currency}</span>${where}${refund}`;
}

function details(job: ConsoleJob, uiUrl: string | undefined): SafeHtml {
  const row = (k: string, v: SafeHtml | string | undefined): SafeHtml =>
    html`<tr>
      <th scope="row">${k}</th>
      <td>${v ?? html`<span class="muted">—</span>`}</td>
    </tr>`;
  return html`<table class="facts">
    ${row('Status', html`${stateBadge(job.state)} <span data-field="status">${job.status ?? ''}</span>`)}
    ${row('Action', job.intent ?? job.action)} ${row('Mode', job.mode)} ${row('Upstream task', job.taskId)}
    ${row('Parent task', job.parentTaskId)} ${row('Submitted', time(job.submitTime))}
    ${row('Started', job.startTime ? html`${time(job.startTime)} <span class="muted">after ${duration(job.submitTime, job.startTime)}</span>` : undefined)}
    ${row('Finished', job.finishTime ? html`${time(job.finishTime)} <span class="muted">took ${duration(job.submitTime, job.finishTime)}</span>` : undefined)}
    ${row('Cost', job.cost ? costText(job.cost) : 'not known')} ${row('Job id', html`<code>${job.id}</code>`)}
    ${uiUrl ? row('Temporal', html`<a href="${uiUrl}" rel="noreferrer">Open in the Temporal Web UI</a>`) : ''}
  </table>`;
}

function images(ctx: PageContext, job: ConsoleJob): SafeHtml {
  if (!job.images.includes(0)) {
    return html`<div class="hero placeholder" role="img" aria-label="no image yet">
      ${isTerminal(job.state) ? 'No image was captured for this job.' : 'The image appears here when the job is done.'}
    </div>`;
  }
  const quads = [1, 2, 3, 4].filter((i) => job.images.includes(i));
  return html`<figure class="hero">
      <img id="job-image" src="${imageUrl(ctx.base, job.id, 0)}" alt="${job.title}" />
      <figcaption>
        <a class="button" href="${ctx.base}/jobs/${enc(job.id)}/download" download>Download</a>
      </figcaption>
    </figure>
    ${
      quads.length
        ? html`<div class="quads large" aria-label="the split images">
            ${quads.map(
              (i) =>
                html`<a href="${imageUrl(ctx.base, job.id, i)}"
                  ><img src="${imageUrl(ctx.base, job.id, i)}" alt="image ${i} of the grid"
                /></a>`
            )}
          </div>`
        : ''
    }`;
}

function waiting(ctx: PageContext, job: ConsoleJob): SafeHtml {
  if (job.state !== 'waiting' || !job.waitingFor) return html``;
  const needs = job.waitingFor.needs.join(' and ') || 'an answer';
  return html`<section class="notice info" role="status">
    <p>This job waits for you: it needs ${needs}${job.waitingFor.intent ? ` for ${job.waitingFor.intent}` : ''}.</p>
    <p><a class="button primary" href="${ctx.base}/answer?target=${enc(job.id)}">Answer now</a></p>
  </section>`;
}

/** The part of the job page that changes while the job runs (swapped live by console.js). */
export function jobLive(ctx: PageContext, job: ConsoleJob, uiUrl: string | undefined): SafeHtml {
  const live = !isTerminal(job.state);
  return html`<div
    id="job-live"
    data-state="${job.state}"
    ${live ? html`data-live-id="${job.id}" data-live-src="${ctx.base}/jobs/${enc(job.id)}/live"` : ''}
  >
    <h1 class="title">${job.intent ? `${job.intent} · ` : ''}${job.title}</h1>
    <div class="job-grid">
      <div>${images(ctx, job)}</div>
      <div>
        ${job.prompt ? html`<h2 class="prompt">${job.prompt}</h2>` : ''}
        ${job.resultText ? html`<p class="result-text">${job.resultText}</p>` : ''} ${progressBar(job)}
        ${
          job.state === 'failed' || job.state === 'cancelled'
            ? notice(
                'error',
                `This job ${job.state === 'failed' ? 'failed' : 'was cancelled'}${job.failure ? `: ${job.failure}` : '.'}`
              )
            : ''
        }
        ${waiting(ctx, job)}
        ${
          job.buttons.length
            ? html`<section aria-label="buttons of the upstream task">
                <h2>Next</h2>
                <div class="buttons">${job.buttons.map((b) => buttonForm(ctx, job, b))}</div>
              </section>`
            : ''
        }
        ${details(job, uiUrl)} ${provenanceBlock(job.provenance)}
      </div>
    </div>
  </div>`;
}

export function jobPage(ctx: PageContext, job: ConsoleJob, uiUrl: string | undefined, flash?: string): SafeHtml {
  return layout(
    ctx,
    job.title,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${ctx.base}/jobs">Jobs</a> › <span>${job.id}</span></nav>
      ${notice('info', flash)} ${jobLive(ctx, job, uiUrl)}`,
    { active: 'jobs' }
  );
}
