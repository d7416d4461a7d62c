/**
 * `provenance` in the job's read model: the version, parameters and references of the prompt the job sends reach
 * the memo and the progress query alike, and they cause no memo publish of their own (the same publishes as a job
 * whose prompt has no parameters, so histories recorded before them replay).
 */
import { promptProvenance } from '../../../src/shared/prompt-provenance';
import type { JobInput } from '../../../src/shared/types';
import { JobRun } from '../../../src/workflows/job/job-run';
import { FakeHost, snapshot } from '../../helpers/job-run-host';

const PROMPT =
  'https://example.com/a.png a fox::2 in snow --ar 16:9 --no cars, people --sref 123 https://example.com/s.png ' +
  '--oref https://example.com/o.png --p m42 abc --v 7 --vibe 2';

async function imagine(prompt: string) {
  const input: JobInput = {
    request: { kind: 'imagine', prompt },
    policy: { initialInterval: '1s', maxInterval: '2s' },
    captureImages: false,
  };
  let fetches = 0;
  const host = new FakeHost('mj-job-provenance', {
    submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
    fetchTask: async () =>
      snapshot('T1', ++fetches < 3 ? 'IN_PROGRESS' : 'SUCCESS', { action: 'IMAGINE', progress: `${fetches}0%` }),
  });
  const run = new JobRun(input, host);
  await run.run();
  return { run, host };
}

describe('provenance of a job', () => {
  it('is what the prompt asked for, in the memo and the progress query alike', async () => {
    const { run, host } = await imagine(PROMPT);
    const expected = {
      version: '7',
      params: {
        aspect: '16:9',
        no: ['cars', 'people'],
        version: '7',
        sref: ['123', 'https://example.com/s.png'],
        oref: ['https://example.com/o.png'],
        personalize: ['m42', 'abc'],
      },
      references: [
        { role: 'image-prompt', value: 'https://example.com/a.png' },
        { role: 'sref', value: '123' },
        { role: 'sref', value: 'https://example.com/s.png' },
        { role: 'oref', value: 'https://example.com/o.png' },
        { role: 'moodboard', value: 'm42' },
        { role: 'profile', value: 'abc' },
      ],
    };
    for (const p of host.published) expect(p.memo.provenance).toEqual(expected);
    expect(run.progress().provenance).toEqual(expected);
  });

  it('publishes the memo exactly as often as a job without parameters', async () => {
    const plain = await imagine('a fox in snow');
    const rich = await imagine(PROMPT);
    expect(rich.host.published.map((p) => p.memo.phase)).toEqual(plain.host.published.map((p) => p.memo.phase));
    expect(plain.host.published.at(-1)!.memo.provenance).toBeUndefined();
  });

  it('ends in the result too, with the seed the job read, so a batch keeps it without asking again', async () => {
    let fetches = 0;
    const host = new FakeHost('mj-job-seed', {
      submitTask: async () => ({ kind: 'accepted', taskId: 'T1' }),
      fetchTask: async () => snapshot('T1', ++fetches < 2 ? 'IN_PROGRESS' : 'SUCCESS', { action: 'IMAGINE' }),
      fetchImageSeed: async () => ({ seed: '987' }),
    });
    const input: JobInput = {
      request: { kind: 'imagine', prompt: 'a fox --v 7' },
      policy: { initialInterval: '1s', maxInterval: '2s' },
      captureImages: false,
    };
    const r = await new JobRun(input, host).run();
    expect(r.provenance).toEqual({ version: '7', params: { version: '7' }, seed: '987' });
    expect(host.activities.fetchImageSeed).toHaveBeenCalledTimes(1);
  });

  it('names niji models and leaves the version out when the prompt names none', () => {
    expect(promptProvenance('a fox --niji')).toMatchObject({ version: 'niji 7', params: { niji: true } });
    expect(promptProvenance('a fox --s 50')).toEqual({ params: { stylize: 50 } });
    expect(promptProvenance(undefined)).toBeUndefined();
  });
});
