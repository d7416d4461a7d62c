/**
 * A job: its image and splits, prompt, status, timings, cost, the upstream task's own buttons (one click starts the
 * follow-up; buttons that need input open their form first), what it waits for, the Temporal Web UI link, download.
 */
import type { ConsoleButton, ConsoleJob, JobLink } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import {
  buttonText,
  duration,
  imageUrl,
  intentLabel,
  isTerminal,
  jobHeading,
  progressBar,
  shortPrompt,
  STATE_WORD,
  stateBadge,
  thumb,
  time,
} from './format';
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

function costText(job: ConsoleJob): SafeHtml {
  const c = job.cost;
  const note = job.costNote ? html`<p class="muted cost-note" data-field="cost-note">${job.costNote}</p>` : '';
  if (!c) return html`<span data-field="cost">not known</span>${note}`;
  const where = c.upstreamId ? html` <span class="muted">on ${c.upstreamId}${c.mode ? ` (${c.mode})` : ''}</span>` : '';
  const refund = c.refunded ? html` <span class="muted">, ${c.refunded} ${c.currency} refunded</span>` : '';
  return html`<span data-field="cost">${c.amount} ${c.currency}</span>${where}${refund}${note}`;
}

/** When the upstream took the job; a finished job whose start nobody reported says so instead of a dash. */
function started(job: ConsoleJob): SafeHtml | undefined {
  if (job.startTime) {
    return html`${time(job.startTime)} <span class="muted">after ${duration(job.submitTime, job.startTime)}</span>`;
  }
  return isTerminal(job.state) ? html`<span class="muted">not reported by the upstream</span>` : undefined;
}

function details(job: ConsoleJob, uiUrl: string | undefined): SafeHtml {
  const row = (k: string, v: SafeHtml | string | undefined, field?: string): SafeHtml =>
    html`<tr ${field ? html`data-row="${field}"` : ''}>
      <th scope="row">${k}</th>
      <td>${v ?? html`<span class="muted">—</span>`}</td>
    </tr>`;
  return html`<table class="facts">
    ${row('Status', html`${stateBadge(job.state)} <span data-field="status">${job.status ?? ''}</span>`)}
    ${row('Kind', job.label)} ${row('Mode', job.mode)} ${row('Upstream task', job.taskId)}
    ${row('Submitted', time(job.submitTime))} ${row('Started', started(job), 'started')}
    ${row('Finished', job.finishTime ? html`${time(job.finishTime)} <span class="muted">took ${duration(job.submitTime, job.finishTime)}</span>` : undefined)}
    ${row('Cost', costText(job), 'cost')} ${row('Job id', html`<code>${job.id}</code>`)}
    ${uiUrl ? row('Temporal', html`<a href="${uiUrl}" rel="noreferrer">Open in the Temporal Web UI</a>`) : ''}
  </table>`;
}

function linkCard(ctx: PageContext, l: JobLink, rel: string): SafeHtml {
  return html`<li class="link-card" data-rel="${rel}" data-job-id="${l.id}">
    <a href="${ctx.base}/jobs/${enc(l.id)}">
      ${thumb(ctx.base, l, '', STATE_WORD[l.state])}
      <span><strong>${l.label}</strong>${l.prompt ? html` · ${shortPrompt(l.prompt)}` : ''}</span>
    </a>
    ${stateBadge(l.state)}
  </li>`;
}

/** Where the job sits: its parent, the pipeline or batch that started it, and the jobs made from it. */
function lineage(ctx: PageContext, job: ConsoleJob): SafeHtml {
  const l = job.lineage;
  const children = job.children ?? [];
  if (!job.parent && !l?.pipelineId && !l?.batchId && children.length === 0) return html``;
  return html`<section class="lineage" aria-labelledby="lineage-h">
    <h2 id="lineage-h">Lineage</h2>
    ${
      job.parent
        ? html`<h3>Made from</h3>
            <ul class="links">
              ${linkCard(ctx, job.parent, 'parent')}
            </ul>`
        : ''
    }
    ${
      l?.pipelineId
        ? html`<p data-rel="pipeline">Part of <a href="${ctx.base}/pipelines/${enc(l.pipelineId)}">its pipeline</a></p>`
        : ''
    }
    ${
      l?.batchId
        ? html`<p data-rel="batch">
            ${l.batchItemId ? `Item ${l.batchItemId} of ` : 'Part of '}
            <a href="${ctx.base}/batches/${enc(l.batchId)}">its batch</a>
          </p>`
        : ''
    }
    ${
      children.length
        ? html`<h3>Made from this job</h3>
            <ul class="links">
              ${children.map((c) => linkCard(ctx, c, 'child'))}
            </ul>`
        : ''
    }
  </section>`;
}

function images(ctx: PageContext, job: ConsoleJob): SafeHtml {
  if (!job.images.includes(0) && job.thumbJobId) {
    // Its parent's image until it has its own (a Vary (Region) waiting for its mask, an upscale at work).
    return html`<figure class="hero borrowed">
      <img id="job-image" src="${imageUrl(ctx.base, job.thumbJobId, 0)}" alt="the image it was made from" />
      <figcaption class="muted">
        The image it was made from${isTerminal(job.state) ? '' : ', until its own is done'}.
      </figcaption>
    </figure>`;
  }
  if (!job.images.includes(0)) {
    return html`<div class="hero placeholder" role="img" aria-label="no image yet">
      ${isTerminal(job.state) ? 'No image was captured for this job.' : 'The image appears here when the job is done.'}
    </div>`;
  }
  const quads = [1, 2, 3, 4].filter((i) => job.images.includes(i));
  return html`<figure class="hero">
      <img id="job-image" src="${imageUrl(ctx.base, job.id, 0)}" alt="${jobHeading(job)}" />
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
    <p>
      This job waits for you: it needs
      ${needs}${job.waitingFor.intent ? ` for ${intentLabel(job.waitingFor.intent)}` : ''}.
    </p>
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
    <h1 class="title">
      <span class="kind" data-field="label">${job.label}</span>${
        job.prompt
          ? html` ·
              <span class="prompt" data-field="prompt">${job.prompt}</span>`
          : ''
      }
    </h1>
    <div class="job-grid">
      <div>${images(ctx, job)}</div>
      <div>
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
        ${lineage(ctx, job)} ${details(job, uiUrl)} ${provenanceBlock(job.provenance)}
      </div>
    </div>
  </div>`;
}

export function jobPage(ctx: PageContext, job: ConsoleJob, uiUrl: string | undefined, flash?: string): SafeHtml {
  return layout(
    ctx,
    jobHeading({ ...job, prompt: job.prompt && shortPrompt(job.prompt) }),
    html`<nav class="crumbs" aria-label="Breadcrumb">
        <a href="${ctx.base}/jobs">Jobs</a> ›
        ${job.parent ? html`<a href="${ctx.base}/jobs/${enc(job.parent.id)}">${job.parent.label}</a> ›` : ''}
        <span aria-current="page">${job.label}</span>
      </nav>
      ${notice('info', flash)} ${jobLive(ctx, job, uiUrl)}`,
    { active: 'jobs' }
  );
}
