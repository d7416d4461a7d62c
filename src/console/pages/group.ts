/** Pipeline and batch pages: each step and branch (or item) with its state and image. */
import { formatDeadline } from '../../shared/batch-tally';
import type { BatchControl, BatchView, PipelineView } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import { imageUrl, intentLabel, isTerminal, stateBadge } from './format';
import { batchTitle } from '../job-view';
import { answerHref } from './inbox';
import { csrfField, layout, type PageContext } from './layout';

function branchStatus(status: string): SafeHtml {
  return html`<span class="badge status-${status}">${status}</span>`;
}

export function pipelineLive(ctx: PageContext, p: PipelineView): SafeHtml {
  const live = !isTerminal(p.state);
  return html`<div
    id="group-live"
    ${live ? html`data-refresh-src="${ctx.base}/pipelines/${enc(p.id)}?fragment=1"` : ''}
  >
    <p>${stateBadge(p.state)}</p>
    ${p.steps.length === 0 ? html`<p class="muted">Loading the pipeline’s steps…</p>` : ''}
    ${p.steps.map(
      (s) =>
        html`<section class="step" aria-label="step ${s.step}">
          <h2>${s.step} <span class="muted">${s.kind}</span></h2>
          <div class="gallery small">
            ${s.branches.map(
              (b) =>
                html`<article class="card" data-branch="${s.step}/${b.branch}" data-status="${b.status}">
                  ${
                    b.status === 'succeeded'
                      ? html`<a class="thumb" href="${ctx.base}/jobs/${enc(b.jobId)}"
                          ><img src="${imageUrl(ctx.base, b.jobId, 0)}" alt="${s.step} ${b.branch}" loading="lazy"
                        /></a>`
                      : html`<span class="thumb placeholder">${b.status}</span>`
                  }
                  <h3>
                    <a href="${ctx.base}/jobs/${enc(b.jobId)}">${b.branch}</a>
                    ${b.intent ? html`<span class="pill">${intentLabel(b.intent)}</span>` : ''}
                  </h3>
                  <p>${branchStatus(b.status)}</p>
                  ${b.failure ? html`<p class="notice error">${b.failure}</p>` : ''}
                  ${b.waiting ? html`<a class="button primary" href="${answerHref(ctx.base, b.waiting)}">Answer</a>` : ''}
                </article>`
            )}
          </div>
        </section>`
    )}
  </div>`;
}

export function pipelinePage(ctx: PageContext, p: PipelineView): SafeHtml {
  return layout(
    ctx,
    `Pipeline ${p.name}`,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${ctx.base}/jobs">Jobs</a> › <span>Pipeline</span></nav>
      <h1>Pipeline ${p.name}</h1>
      ${pipelineLive(ctx, p)}`,
    { active: 'jobs' }
  );
}

/** A paged batch: what did not start, the deadline, its control buttons and the manifest link. */
function pagedPanel(ctx: PageContext, b: BatchView): SafeHtml {
  const p = b.paged!;
  const dl = p.deadline;
  const button = (what: BatchControl, label: string) =>
    html`<form method="post" action="${ctx.base}/batches/${enc(b.id)}/${what}" class="inline">
      ${csrfField(ctx)}<button type="submit" data-batch-control="${what}">${label}</button>
    </form>`;
  const open = p.state === 'running' || p.state === 'paused';
  return html`<section class="batch-paged" data-state="${p.state}">
    ${p.budgetStopped ? html`<p class="muted">Stopped at the budget: the rest is listed as not started.</p>` : ''}
    ${
      dl
        ? html`<p class="${dl.reachable === false ? 'notice error' : 'muted'}" data-deadline="${String(dl.reachable)}">
            Deadline ${formatDeadline(dl)}
          </p>`
        : ''
    }
    <p>
      ${open && p.state !== 'paused' ? button('pause', 'Pause') : ''}
      ${p.state === 'paused' ? button('resume', 'Resume') : ''} ${open ? button('cancel', 'Cancel') : ''}
      ${!open && p.failed > 0 ? button('retry-failed', 'Retry failed') : ''}
      <a href="${ctx.base}/batches/${enc(b.id)}/manifest.jsonl" download>Manifest (JSON Lines)</a>
    </p>
  </section>`;
}

export function batchLive(ctx: PageContext, b: BatchView): SafeHtml {
  const live = !isTerminal(b.state);
  const c = b.counts;
  if (b.paged) {
    return html`<div
      id="group-live"
      ${live ? html`data-refresh-src="${ctx.base}/batches/${enc(b.id)}?fragment=1"` : ''}
    >
      <p data-field="batch-progress">${stateBadge(b.state)} ${b.progressLine}</p>
      ${pagedPanel(ctx, b)}
    </div>`;
  }
  return html`<div id="group-live" ${live ? html`data-refresh-src="${ctx.base}/batches/${enc(b.id)}?fragment=1"` : ''}>
    <p data-field="batch-progress">
      ${stateBadge(b.state)}
      ${
        b.progressLine ??
        `${c.succeeded} done · ${c.running} running · ${c.pending} pending · ${c.failed} failed · ${c.cancelled} cancelled of ${c.total}`
      }
    </p>
    ${b.items.length === 0 ? html`<p class="muted">Loading the batch’s items…</p>` : ''}
    <div class="gallery small">
      ${b.items.map(
        (i) =>
          html`<article class="card" data-item="${i.id}" data-status="${i.status}">
            ${
              i.status === 'succeeded' && !i.upstreamUrl
                ? html`<a class="thumb" href="${ctx.base}/jobs/${enc(i.jobId)}"
                    ><img src="${imageUrl(ctx.base, i.jobId, 0)}" alt="${i.id}" loading="lazy"
                  /></a>`
                : html`<span class="thumb placeholder">${i.status}</span>`
            }
            <h3><a href="${ctx.base}/jobs/${enc(i.jobId)}">${i.id}</a></h3>
            <p>${branchStatus(i.status)}</p>
            ${
              i.upstreamUrl
                ? html`<p class="muted">
                    No stored copy:
                    <a href="${i.upstreamUrl}" rel="noreferrer noopener" target="_blank">upstream URL (expires)</a>
                  </p>`
                : ''
            }
            ${i.failure ? html`<p class="notice error">${i.failure}</p>` : ''}
          </article>`
      )}
    </div>
  </div>`;
}

export function batchPage(ctx: PageContext, b: BatchView): SafeHtml {
  // A batch without a name is called by its size, not by its workflow id.
  const title = batchTitle(b.name === b.id ? undefined : b.name, b.counts.total || undefined);
  return layout(
    ctx,
    title,
    html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${ctx.base}/jobs">Jobs</a> › <span>Batch</span></nav>
      <h1>${title}</h1>
      ${batchLive(ctx, b)}`,
    { active: 'jobs' }
  );
}
