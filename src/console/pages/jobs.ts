/** The Jobs gallery: the tenant's jobs newest first, filters, live cards with grid previews and the four splits. */
import { CONSOLE_STATES, type ConsoleJob, type JobFilter } from '../backend';
import { enc, html, type SafeHtml } from '../html';
import { imageUrl, isTerminal, jobUrl, progressBar, STATE_WORD, stateBadge, thumb, time } from './format';
import { layout, type PageContext } from './layout';
import { SPEED_MODES } from '../../mj/terms/speed-modes';

export function jobCard(ctx: PageContext, job: ConsoleJob): SafeHtml {
  const href = jobUrl(ctx.base, job);
  const live = !isTerminal(job.state);
  const quads = [1, 2, 3, 4].filter((i) => job.images.includes(i));
  const borrowed = job.thumbJobId !== undefined && job.thumbJobId !== job.id;
  return html`<article
    class="card"
    data-job-id="${job.id}"
    data-state="${job.state}"
    ${live ? html`data-live-id="${job.id}" data-live-src="${ctx.base}/jobs/${enc(job.id)}/card"` : ''}
  >
    <a class="thumb${borrowed ? ' borrowed' : ''}" href="${href}" tabindex="-1" aria-hidden="true">
      ${thumb(ctx.base, job, '', job.kind === 'job' ? STATE_WORD[job.state] : job.label)}
    </a>
    ${
      quads.length === 4
        ? html`<div class="quads" role="group" aria-label="the four images of the grid">
            ${quads.map(
              (i) =>
                html`<a href="${imageUrl(ctx.base, job.id, i)}" aria-label="image ${i}"
                  ><img src="${imageUrl(ctx.base, job.id, i)}" alt="image ${i}" loading="lazy"
                /></a>`
            )}
          </div>`
        : ''
    }
    <h3>
      <a href="${href}"
        ><span class="kind" data-field="label">${job.label}</span>
        <span class="prompt" data-field="prompt">${job.title === job.label ? '' : job.title}</span></a
      >
    </h3>
    <p class="meta">${stateBadge(job.state)} ${job.mode ? html`<span class="pill">${job.mode}</span>` : ''}</p>
    ${progressBar(job)}
    <p class="meta muted">${time(job.submitTime)}</p>
  </article>`;
}

function filters(ctx: PageContext, f: JobFilter): SafeHtml {
  const opt = (value: string, current: string | undefined, label = value): SafeHtml =>
    html`<option value="${value}" ${current === value ? html`selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="${ctx.base}/jobs" role="search" data-autosubmit>
    <label
      >State
      <select name="state">
        ${opt('', f.state, 'any')}${CONSOLE_STATES.map((s) => opt(s, f.state))}
      </select>
    </label>
    <label
      >Mode
      <select name="mode">
        ${opt('', f.mode, 'any')}${SPEED_MODES.map((m) => opt(m, f.mode))}
      </select>
    </label>
    <label class="grow"
      >Text <input type="search" name="q" value="${f.text ?? ''}" placeholder="prompt, id or task id"
    /></label>
    <button type="submit">Filter</button>
  </form>`;
}

export function jobsPage(ctx: PageContext, filter: JobFilter, jobs: ConsoleJob[]): SafeHtml {
  const filtered = Boolean(filter.state || filter.mode || filter.text);
  const body = html`<div class="head">
      <h1>Jobs</h1>
      <a class="button primary" href="${ctx.base}/start">Start a job</a>
    </div>
    ${filters(ctx, filter)}
    ${
      jobs.length === 0
        ? html`<section class="empty">
            ${
              filtered
                ? html`<p>No job matches these filters.</p>
                    <p><a href="${ctx.base}/jobs">Show all jobs</a></p>`
                : html`<p>No jobs yet.</p>
                    <p><a href="${ctx.base}/start">Start your first imagine</a></p>`
            }
          </section>`
        : html`<section class="gallery" aria-label="jobs, newest first" aria-live="polite">
            ${jobs.map((j) => jobCard(ctx, j))}
          </section>`
    }`;
  return layout(ctx, 'Jobs', body, { active: 'jobs' });
}
