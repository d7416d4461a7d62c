/** The tenant's spend (cost ledger): all time and today (UTC) per currency, and the budgets that count it. */
import type { TenantSpend } from '../backend';
import { PRICES_WHERE } from '../cost-view';
import { html, type SafeHtml } from '../html';
import { layout, type PageContext } from './layout';

function amounts(byCurrency: TenantSpend['total'], field: string): SafeHtml {
  const rows = Object.entries(byCurrency);
  if (rows.length === 0) return html`<span class="muted" data-field="${field}">nothing yet</span>`;
  return html`<span data-field="${field}"
    >${rows.map(
      ([currency, t], i) =>
        html`${i > 0 ? ', ' : ''}${t.net} ${currency}
          <span class="muted">(${t.charges} tasks${t.refunds ? `, ${t.refunds} refunded` : ''})</span>`
    )}</span
  >`;
}

/** `spend`: undefined when the service keeps no ledger, null when the ledger did not answer in time. */
export function spendPage(ctx: PageContext, spend: TenantSpend | undefined | null): SafeHtml {
  if (spend === null) {
    const body = html`<h1>Spend</h1>
      <p class="notice error" role="alert">The cost ledger did not answer in time; try again in a moment.</p>`;
    return layout(ctx, 'Spend', body, { active: 'spend' });
  }
  const body = spend
    ? html`<h1>Spend</h1>
        <table class="facts" aria-label="spend">
          <tr>
            <th scope="row">Today (UTC)</th>
            <td>
              ${amounts(spend.today, 'spend-today')}${spend.todayComplete ? '' : html` <span class="muted">(at least)</span>`}
            </td>
          </tr>
          <tr>
            <th scope="row">All time</th>
            <td>${amounts(spend.total, 'spend-total')}</td>
          </tr>
        </table>
        ${
          Object.keys(spend.total).length === 0
            ? html`<p class="muted" data-field="spend-why">
                Nothing is charged yet. The cost ledger charges jobs routed over configured upstreams, at the prices set
                in ${PRICES_WHERE}; an upstream without prices charges 0.
              </p>`
            : ''
        }
        <h2>Budgets</h2>
        ${
          spend.budgets.length === 0
            ? html`<p class="muted">No budget counts this tenant's spend.</p>`
            : html`<table class="facts" aria-label="budgets">
                ${spend.budgets.map(
                  (b) =>
                    html`<tr>
                      <th scope="row">${b.name}</th>
                      <td data-budget="${b.name}">
                        ${b.spent} of ${b.limit} ${b.currency} (${b.window}); when passed:
                        ${b.onExceed === 'refuse' ? 'new jobs are refused' : 'new jobs wait'}
                      </td>
                    </tr>`
                )}
              </table>`
        }`
    : html`<h1>Spend</h1>
        <p class="muted">This service keeps no cost ledger.</p>`;
  return layout(ctx, 'Spend', body, { active: 'spend' });
}
