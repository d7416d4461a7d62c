/**
 * The job's read model (`src/shared/job-read-model.ts`): the memo and the progress query carry its fields with the
 * same types (checked when this file compiles) and, for the same job, the same values (checked when it runs).
 */
import { JOB_READ_KEYS, type JobReadFields } from '../../../src/shared/job-read-model';
import { type JobMemo, resultText } from '../../../src/shared/job-memo';
import type { JobInput, JobProgress, TaskSnapshot } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { FakeHost, snapshot } from '../../helpers/job-run-host';

/** True when `T` has every key of the read model, each with exactly its type (optional stays optional). */
type FieldAgrees<T> = {
  [K in keyof JobReadFields]-?: K extends keyof T
    ? [Pick<T, K>] extends [Pick<JobReadFields, K>]
      ? [Pick<JobReadFields, K>] extends [Pick<T, K>]
        ? true
        : false
      : false
    : false;
}[keyof JobReadFields];
type Carries<T> = false extends FieldAgrees<T> ? false : true;

// Compiles only while the memo and the progress query agree with the read model on every field of it.
const memoCarries = true satisfies Carries<JobMemo>;
const progressCarries = true satisfies Carries<JobProgress>;

const DESCRIBE: JobInput = {
  request: { kind: 'describe', image: { url: 'https://cdn.example/in.png' } },
  policy: { initialInterval: '1s', maxInterval: '2s' },
  captureImages: false,
};
const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare\n\n3️⃣ a owl\n\n4️⃣ a cat';

async function describeRun(answers: Partial<TaskSnapshot>[]): Promise<{ run: JobRun; host: FakeHost }> {
  let i = 0;
  const host = new FakeHost('mj-job-read-model', {
    submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
    fetchTask: async () => {
      const a = answers[Math.min(i++, answers.length - 1)]!;
      return snapshot('T1', a.status ?? 'IN_PROGRESS', { action: 'DESCRIBE', ...a });
    },
  });
  const run = new JobRun(DESCRIBE, host);
  await run.run();
  return { run, host };
}

describe('the job read model', () => {
  it('is carried by the memo and the progress query alike (type-level)', () => {
    expect([memoCarries, progressCarries]).toEqual([true, true]);
  });

  it('gives the memo and the progress query the same value for each of its fields', async () => {
    const { run, host } = await describeRun([{ status: 'SUCCESS', finalPrompt: PROMPTS, promptEn: 'a fox en' }]);
    const memo = host.published.at(-1)!.memo;
    const progress = run.progress();
    expect(progress.reported).toEqual({ prompt: 'a fox', promptEn: 'a fox en', finalPrompt: PROMPTS });
    for (const key of JOB_READ_KEYS) expect([key, progress[key]]).toEqual([key, memo[key]]);
  });

  it("reads a describe's result text from what the upstream reported, and none for other actions", () => {
    expect(resultText('DESCRIBE', { prompt: 'a fox', finalPrompt: PROMPTS })).toBe(PROMPTS);
    expect(resultText('SHORTEN', { promptEn: 'short' })).toBe('short');
    expect(resultText('IMAGINE', { prompt: 'a fox', finalPrompt: PROMPTS })).toBeUndefined();
    expect(resultText('DESCRIBE', undefined)).toBeUndefined();
  });
});
