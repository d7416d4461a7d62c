/**
 * `JobMemo.reported`: what the upstream task said reaches the memo readers use, and never causes a memo publish of
 * its own (an upsert histories recorded before it lack; sdk-core matches an upsert-memo command by type only, so
 * only the number and place of publishes matter for replay).
 */
import type { JobInput, JobResult, TaskSnapshot } from '../../../src/shared/types';
import { reportedTask, reportedTexts } from '../../../src/shared/job-memo';
import { JobRun } from '../../../src/workflows/job/job-run';
import { FakeHost, snapshot } from '../../helpers/job-run-host';

const DESCRIBE: JobInput = {
  request: { kind: 'describe', image: { url: 'https://cdn.example/in.png' } },
  policy: { initialInterval: '1s', maxInterval: '2s' },
  captureImages: false,
};
const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare\n\n3️⃣ a owl\n\n4️⃣ a cat';

/** Runs a describe whose fetches answer `answers` in turn (the last one repeats). */
async function runWith(answers: Partial<TaskSnapshot>[]): Promise<{ host: FakeHost; result: JobResult }> {
  let i = 0;
  const host = new FakeHost('mj-job-reported', {
    submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
    fetchTask: async () => {
      const a = answers[Math.min(i++, answers.length - 1)]!;
      return snapshot('T1', a.status ?? 'IN_PROGRESS', { action: 'DESCRIBE', ...a });
    },
  });
  const result = await new JobRun(DESCRIBE, host).run();
  return { host, result };
}

describe('JobRun: the memo carries what the upstream reported', () => {
  it("a finished describe's memo has its prompts, Chinese twin and promptEn", async () => {
    const { host } = await runWith([
      { progress: '50%', progressPct: 50 },
      { status: 'SUCCESS', finalPrompt: PROMPTS, finalZhPrompt: '1️⃣ 狐狸', promptEn: 'a fox\r\na hare' },
    ]);
    expect(host.published.at(-1)?.memo).toMatchObject({
      phase: 'succeeded',
      reported: { prompt: 'a fox', finalPrompt: PROMPTS, finalZhPrompt: '1️⃣ 狐狸', promptEn: 'a fox\r\na hare' },
    });
  });

  it('a change of reported text alone publishes nothing: the same publishes as without it', async () => {
    const steady = { progress: '50%', progressPct: 50 };
    const plain = await runWith([steady, steady, steady, { status: 'SUCCESS' }]);
    const wordy = await runWith([
      steady,
      { ...steady, promptEn: 'first words', description: 'one' },
      { ...steady, promptEn: 'other words', description: 'two', videoUrl: 'https://cdn.example/v.mp4' },
      { status: 'SUCCESS', finalPrompt: PROMPTS },
    ]);
    expect(wordy.host.published.map((p) => p.memo.phase)).toEqual(plain.host.published.map((p) => p.memo.phase));
    expect(wordy.host.published.length).toBe(plain.host.published.length);
    expect(wordy.host.published.at(-1)?.memo.reported?.finalPrompt).toBe(PROMPTS);
  });
});

describe('reportedTask and reportedTexts', () => {
  it('keep each prompt text once and give it back through the fallbacks', () => {
    const echo = reportedTask(snapshot('T1', 'SUCCESS', { prompt: 'a fox', promptEn: 'a fox', finalPrompt: 'a fox' }));
    expect(echo).toMatchObject({ prompt: 'a fox' });
    expect(echo).not.toHaveProperty('promptEn');
    expect(echo).not.toHaveProperty('finalPrompt');
    expect(reportedTexts(echo, 'sent')).toEqual({ prompt: 'a fox', promptEn: 'a fox', finalPrompt: 'a fox' });
    const own = reportedTask(snapshot('T1', 'SUCCESS', { prompt: '', promptEn: 'p en', finalPrompt: PROMPTS }));
    expect(reportedTexts(own, 'sent')).toEqual({ prompt: 'sent', promptEn: 'p en', finalPrompt: PROMPTS });
    expect(reportedTexts(undefined, 'sent')).toEqual({ prompt: 'sent', promptEn: 'sent', finalPrompt: 'sent' });
  });

  it('leave out what the upstream left empty', () => {
    const r = reportedTask(snapshot('T1', 'SUCCESS', { prompt: '', failReason: '', finalZhPrompt: null }));
    expect(r).toBeUndefined();
  });
});
