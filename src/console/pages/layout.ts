/** The page shell: head, navigation, the signed-in tenant, sign-out. Scripts are modules served by the console. */
import { html, type SafeHtml } from '../html';

export interface PageContext {
  /** Mount path, e.g. `/console`. */
  base: string;
  tenant?: string;
  csrf?: string;
  /** Waiting items, shown as a count on the Inbox link. */
  inboxCount?: number;
}

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;
}

export function layout(
  ctx: PageContext,
  title: string,
  body: SafeHtml,
  opts: { scripts?: string[]; active?: string } = {}
): SafeHtml {
  const nav = (href: string, label: string, key: string): SafeHtml =>
    html`<a href="${ctx.base}${href}" ${opts.active === key ? html`aria-current="page"` : ''}>${label}</a>`;
  const scripts = ['console.js', ...(opts.scripts ?? [])];
  // The brand leads where "Jobs" does, so it takes no tab stop of its own (a pointer still follows it).
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · mj-temporal console</title>
      <link rel="icon" href="${ctx.base}/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="${ctx.base}/static/console.css" />
      ${scripts.map((s) => html`<script type="module" src="${ctx.base}/static/${s}"></script>`)}
    </head>
    <body data-base="${ctx.base}">
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="${ctx.base}/jobs" tabindex="-1">mj-temporal</a>
        ${
          ctx.tenant
            ? html`<nav aria-label="Main">
                  ${nav('/jobs', 'Jobs', 'jobs')}
                  ${nav('/inbox', ctx.inboxCount ? `Inbox (${ctx.inboxCount})` : 'Inbox', 'inbox')}
                  ${nav('/start', 'Start', 'start')} ${nav('/spend', 'Spend', 'spend')}
                </nav>
                <form class="who" method="post" action="${ctx.base}/sign-out">
                  ${csrfField(ctx)}<span>tenant <strong>${ctx.tenant}</strong></span>
                  <button type="submit" class="link">Sign out</button>
                </form>`
            : ''
        }
      </header>
      <main id="main" tabindex="-1">${body}</main>
    </body>
  </html>`;
}

/** A message box: `error` is announced to screen readers. */
export function notice(kind: 'error' | 'info', text: string | undefined): SafeHtml {
  if (!text) return html``;
  return kind === 'error'
    ? html`<p class="notice error" role="alert">${text}</p>`
    : html`<p class="notice info" role="status">${text}</p>`;
}

export function errorPage(ctx: PageContext, status: number, title: string, message: string): SafeHtml {
  return layout(
    ctx,
    title,
    html`<section class="empty">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a href="${ctx.base}/jobs">Back to your jobs</a></p>
      <p class="muted">HTTP ${status}</p>
    </section>`
  );
}
