/**
 * The console's job page shows the provenance of the job's prompt (src/console/pages/provenance.ts), read from the
 * memo like the rest of the page, escaped like everything a user wrote, and nothing when the prompt said none.
 */
import { jobFromMemo } from '../../../src/console/job-view';
import { jobPage } from '../../../src/console/pages/job';
import type { JobMemo } from '../../../src/shared/job-memo';
import { promptProvenance } from '../../../src/shared/prompt-provenance';

const memo = (prompt: string): JobMemo => ({
  v: 1,
  phase: 'succeeded',
  kind: 'imagine',
  mode: 'FAST',
  submitTime: 1_000,
  prompt,
  provenance: promptProvenance(prompt),
});

function page(prompt: string): string {
  const job = jobFromMemo(
    { id: 'mj-job-1', type: 'mjJobWorkflow', executionStatus: 'COMPLETED', startTime: 1 },
    memo(prompt)
  );
  return String(jobPage({ base: '/console', csrf: 't' }, job, undefined));
}

describe('the job page provenance block', () => {
  test('shows the model, the parameters and the references', () => {
    const html = page(
      'https://example.com/a.png a fox --ar 3:2 --no cars, trees --oref https://example.com/o.png --v 7'
    );
    expect(html).toContain('<h2>Provenance</h2>');
    expect(html).toMatch(/Model<\/th>\s*<td>7<\/td>/);
    expect(html).toMatch(/<code>aspect<\/code><\/th>\s*<td>3:2<\/td>/);
    expect(html).toMatch(/<code>no<\/code><\/th>\s*<td>cars, trees<\/td>/);
    expect(html).toMatch(/oref<\/th>\s*<td><code>https:\/\/example.com\/o.png<\/code>/);
    expect(html).toMatch(/image-prompt<\/th>\s*<td><code>https:\/\/example.com\/a.png<\/code>/);
  });

  test('escapes what the prompt wrote', () => {
    const html = page('a fox --sref <script>alert(1)</script>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;');
  });

  test('is left out when the prompt names no parameter', () => {
    expect(page('a plain fox')).not.toContain('Provenance');
  });
});
