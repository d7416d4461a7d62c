/** The CLI's renderings of a job read a describe's or shorten's result text from what the upstream reported. */
import { describeResult, describeStatus } from '../../src/cli/output';
import type { JobProgress, JobResult } from '../../src/shared/types';
import { snapshot } from '../helpers/job-run-host';

const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare';

describe('CLI output', () => {
  it("shows a describe result's text, and none for an imagine", () => {
    const result = (action: string, extra: Parameters<typeof snapshot>[2]): JobResult => ({
      taskId: 'T1',
      task: snapshot('T1', 'SUCCESS', { action, ...extra }),
      images: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
    });
    expect(describeResult('j1', result('DESCRIBE', { prompt: '', promptEn: 'a fox\r\na hare' }))).toContain(
      '  text: a fox\r\na hare'
    );
    expect(describeResult('j1', result('DESCRIBE', { finalPrompt: PROMPTS }))).toContain(`  text: ${PROMPTS}`);
    expect(describeResult('j1', result('IMAGINE', { finalPrompt: 'a fox' }))).not.toContain('text:');
  });

  it("shows a finished shorten's text in its status", () => {
    const progress: JobProgress = {
      phase: 'succeeded',
      mode: 'FAST',
      action: 'SHORTEN',
      progressPct: 100,
      previewUrl: null,
      buttons: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
      wakeups: 0,
      reported: { prompt: 'a very long fox', finalPrompt: '## Shortened prompts\n1️⃣ a fox' },
    };
    const text = describeStatus({ kind: 'job', jobId: 'j1', executionStatus: 'COMPLETED', progress, source: 'closed' });
    expect(text).toContain('  text: ## Shortened prompts\n1️⃣ a fox');
  });
});
