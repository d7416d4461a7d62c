/**
 * The mode a client start puts into the job: a job that names neither `mode` nor `modes` carries no mode,
 * so with several upstreams the pool's `routing.modePreference` applies; a configured default mode (MJ_MODE) and a
 * named mode are passed as that single mode.
 */
import type { Client } from '@temporalio/client';
import { LocalAssetStore } from '../../../src/assets';
import { MjJobsClient } from '../../../src/client';
import type { JobInput } from '../../../src/shared/types';

function fakeClient(): { client: Client; inputs: JobInput[]; modeAttrs: unknown[] } {
  const inputs: JobInput[] = [];
  const modeAttrs: unknown[] = [];
  const client = {
    connection: {},
    workflow: {
      start: async (_type: string, options: { args: [JobInput]; typedSearchAttributes: { value: unknown }[] }) => {
        inputs.push(options.args[0]);
        modeAttrs.push(options.typedSearchAttributes[0]?.value);
        return {};
      },
    },
  } as unknown as Client;
  return { client, inputs, modeAttrs };
}

const store = new LocalAssetStore({ dir: '/tmp/mj-start-mode-unit' });

describe('MjJobsClient: the mode of a started job', () => {
  it('names no mode when neither mode nor modes is given and no default is configured', async () => {
    const { client, inputs, modeAttrs } = fakeClient();
    const mj = new MjJobsClient({ client, store, taskQueue: 'q' });
    await mj.imagine('a fox');
    await mj.imagine('a fox', { modes: ['RELAX', 'FAST'] });
    await mj.imagine('a fox', { mode: 'TURBO' });
    expect(inputs.map((i) => [i.mode, i.modes])).toEqual([
      [undefined, undefined],
      [undefined, ['RELAX', 'FAST']],
      ['TURBO', undefined],
    ]);
    // The MjMode search attribute still says something until routing names the mode (the job upserts it then).
    expect(modeAttrs).toEqual(['FAST', 'RELAX', 'TURBO']);
  });

  it('passes a configured default mode (MJ_MODE) as that single mode', async () => {
    const { client, inputs } = fakeClient();
    await new MjJobsClient({ client, store, taskQueue: 'q', mode: 'RELAX' }).imagine('a fox');
    expect(inputs[0]).toMatchObject({ mode: 'RELAX' });
    expect(inputs[0].modes).toBeUndefined();
  });
});
