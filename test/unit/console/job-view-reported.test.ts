/**
 * The console reads what the upstream said from the read model's `reported`: the prompt of an action (its parent's),
 * a describe's result text, the upstream's fail reason; from the memo, the progress query and the result alike.
 */
import {
  jobFromFailure,
  jobFromMemo,
  jobFromProgress,
  jobFromResult,
  type ExecutionFacts,
} from '../../../src/console/job-view';
import type { JobMemo } from '../../../src/shared/job-memo';
import type { JobProgress, JobResult } from '../../../src/shared/types';
import { snapshot } from '../../helpers/job-run-host';

const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare\n\n3️⃣ a owl\n\n4️⃣ a cat';
const facts = (executionStatus: string): ExecutionFacts => ({
  id: 'mj-job-1',
  type: 'mjJobWorkflow',
  executionStatus,
  startTime: 1_000,
});
const memo = (extra: Partial<JobMemo>): JobMemo => ({
  v: 1,
  phase: 'succeeded',
  kind: 'describe',
  mode: 'FAST',
  submitTime: 1_000,
  ...extra,
});

describe('console job views read reported', () => {
  test("a describe's memo shows its result text; an action's shows the upstream's prompt", () => {
    const describe = jobFromMemo(facts('COMPLETED'), memo({ action: 'DESCRIBE', reported: { finalPrompt: PROMPTS } }));
    expect(describe).toMatchObject({ resultText: PROMPTS, title: 'Describe' });
    expect(describe.prompt).toBeUndefined();
    const upscale = jobFromMemo(
      facts('COMPLETED'),
      memo({ kind: 'action', intent: 'U1', action: 'UPSCALE', reported: { prompt: 'a fox --ar 3:2' } })
    );
    expect(upscale).toMatchObject({ prompt: 'a fox --ar 3:2', title: 'a fox --ar 3:2' });
    expect(upscale.resultText).toBeUndefined();
  });

  test("a failed job without the job's own reason shows the upstream's", () => {
    const m = memo({ phase: 'failed', kind: 'imagine', reported: { failReason: 'banned prompt' } });
    expect(jobFromMemo(facts('FAILED'), m).failure).toBe('banned prompt');
    expect(jobFromFailure(facts('FAILED'), undefined, m).failure).toBe('banned prompt');
    expect(jobFromMemo(facts('FAILED'), { ...m, failReason: 'task T1 failed: banned prompt' }).failure).toBe(
      'task T1 failed: banned prompt'
    );
  });

  test('the progress query carries reported too', () => {
    const p = {
      phase: 'running',
      mode: 'FAST',
      action: 'SHORTEN',
      progressPct: 50,
      previewUrl: null,
      buttons: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
      wakeups: 0,
      reported: { prompt: 'a very long fox', finalPrompt: '## Shortened prompts\n1️⃣ a fox' },
    } satisfies JobProgress;
    expect(jobFromProgress(facts('RUNNING'), p)).toMatchObject({
      prompt: 'a very long fox',
      resultText: '## Shortened prompts\n1️⃣ a fox',
    });
  });

  test("a result read without a memo's reported gives the same, from the upstream task", () => {
    const r = {
      taskId: 'T1',
      task: snapshot('T1', 'SUCCESS', { action: 'DESCRIBE', prompt: '', finalPrompt: PROMPTS }),
      images: [],
      timings: { startedAt: 1_000 },
      submits: 1,
      fetches: 1,
    } satisfies JobResult;
    expect(jobFromResult(facts('COMPLETED'), r, memo({}))).toMatchObject({ resultText: PROMPTS, title: 'Describe' });
  });
});
