/**
 * The job page's "Provenance" block: the model version, parameters and references of the prompt the job sent
 * (`JobProvenance`, docs/prompt-parameters.md), or nothing when the prompt said none.
 */
import type { JobProvenance, ProvenanceValue } from '../../shared/job-read-model';
import { html, type SafeHtml } from '../html';

function valueText(v: ProvenanceValue): string {
  return v === true ? 'on' : Array.isArray(v) ? v.join(', ') : String(v);
}

export function provenanceBlock(p: JobProvenance | undefined): SafeHtml {
  const params = Object.entries(p?.params ?? {}).filter(([name]) => name !== 'version' && name !== 'niji');
  const refs = p?.references ?? [];
  if (!p || (p.version === undefined && params.length === 0 && refs.length === 0)) return html``;
  return html`<section aria-label="provenance" data-field="provenance">
    <h2>Provenance</h2>
    <table class="facts">
      <tr>
        <th scope="row">Model</th>
        <td>${p.version ?? html`<span class="muted">the account's default</span>`}</td>
      </tr>
      ${params.map(
        ([name, v]) =>
          html`<tr>
            <th scope="row"><code>${name}</code></th>
            <td>${valueText(v)}</td>
          </tr>`
      )}
      ${refs.map(
        (r) =>
          html`<tr>
            <th scope="row">${r.role}</th>
            <td><code>${r.value}</code></td>
          </tr>`
      )}
    </table>
  </section>`;
}
