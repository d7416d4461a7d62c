/** The CLI's renderings of a job read a describe's or shorten's result text from what the upstream reported. */
import { describeResult, describeStatus } from '../../src/cli/output';
import type { JobProgress, JobResult } from '../../src/shared/types';
import { snapshot } from '../helpers/job-run-host';
import { closedJobProgress } from '../../src/client/job-status';
import { JOB_MEMO_KEY, JOB_MEMO_VERSION, type JobMemo } from '../../src/shared/job-memo';
import { promptProvenance } from '../../src/shared/prompt-provenance';

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

  it("shows what a job's prompt asked for in its status, from the memo of a closed job", async () => {
    const prompt = 'https://example.com/a.png a fox --ar 3:2 --no cars, trees --tile --sref 12 --v 6.1';
    // A closed job's handle: its result from history (an imagine that succeeded).
    const handle = {
      result: async (): Promise<JobResult> => ({
        taskId: 'T1',
        task: snapshot('T1', 'SUCCESS', { action: 'IMAGINE' }),
        images: [],
        timings: { startedAt: 1_000 },
        submits: 1,
        fetches: 1,
      }),
    } as unknown as Parameters<typeof closedJobProgress>[0];
    const progress = await closedJobProgress(handle, {
      status: { name: 'COMPLETED' },
      startTime: new Date(1_000),
      memo: { [JOB_MEMO_KEY]: memoWith(prompt) },
    });
    const text = describeStatus({ kind: 'job', jobId: 'j1', executionStatus: 'COMPLETED', progress, source: 'closed' });
    expect(text).toContain('  model: 6.1\n  params: aspect=3:2 no=cars,trees tile=on sref=12\n');
    expect(text).toContain('  image-prompt: https://example.com/a.png\n  sref: 12');
  });
});

function memoWith(prompt: string): JobMemo {
  return {
    v: JOB_MEMO_VERSION,
    phase: 'succeeded',
    kind: 'imagine',
    mode: 'FAST',
    submitTime: 1_000,
    prompt,
    provenance: promptProvenance(prompt),
  };
}
