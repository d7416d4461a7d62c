/**
 * A job that waits for a person does not hold its account slot: on a real dev server with the real worker and the
 * simulator, a Vary (Region) job with `slots: { limit: 1 }` waits for its prompt and mask (nothing pressed
 * upstream), and meanwhile another job of the same account and mode takes the only slot and finishes. Before this
 * rule the waiting job held the slot, so the account stood still until somebody answered, perhaps days later.
 */
import { eventually as until } from '../helpers/eventually';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { LocalAssetStore } from '../../src/assets';
import { MjJobsClient } from '../../src/client';
import { parseIntent } from '../../src/mj/buttons';
import { parseStateKey } from '../../src/shared/state-key';
import type { JobInput, JobResult } from '../../src/shared/types';
import { getSlotsQuery, slotManagerId } from '../../src/workflows/slots/messages';
import { startClientStack, type ClientStack } from '../helpers/client-stack';

jest.setTimeout(180_000);

const FAST = { initialInterval: '300ms', maxInterval: '1s', jitter: 0.1 } as const;
const dir = mkdtempSync(path.join(tmpdir(), 'slots-person-'));
let stack: ClientStack;
let jobs: MjJobsClient;
let store: LocalAssetStore;

beforeAll(async () => {
  stack = await startClientStack({ name: 'slots-person', assetDir: path.join(dir, 'assets'), sim: { seed: 3 } });
  store = new LocalAssetStore({ dir: path.join(dir, 'assets') });
  jobs = new MjJobsClient({ client: stack.env.client, store, taskQueue: stack.taskQueue });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

function maskPng(): Uint8Array {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(255);
  return PNG.sync.write(png);
}

it('waits for the person without the slot; another job of the account runs meanwhile; then both finish', async () => {
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const client = stack.env.client;
  const start = (id: string, input: JobInput) =>
    client.workflow.start('mjJobWorkflow', { taskQueue: stack.taskQueue, workflowId: id, args: [input] });
  const common = { account, mode: 'FAST', slots: { limit: 1 }, policy: FAST } as const;

  const grid = await jobs.imagine('a grid for the slot test', { policy: FAST });
  await grid.result();
  const up = await jobs.action(grid.jobId, 'U1', { policy: FAST });
  const upTask = (await up.result()).taskId;

  const regionId = `mj-job-region-${randomUUID().slice(0, 8)}`;
  const region = await start(regionId, {
    ...common,
    request: { kind: 'action', parentTaskId: upTask, intent: parseIntent('vary-region') },
  });
  await until(
    async () => ((await jobs.progress(regionId)).phase === 'waiting-input' ? true : undefined),
    'input',
    60_000
  );

  // The only slot is free: another job of the same account × mode gets it and finishes while the person thinks.
  const other = await start(`mj-job-other-${randomUUID().slice(0, 8)}`, {
    ...common,
    request: { kind: 'imagine', prompt: 'a job that must not wait for a person' },
  });
  const otherResult = (await other.result()) as JobResult;
  expect(otherResult.task.status).toBe('SUCCESS');
  const slots = await client.workflow.getHandle(slotManagerId(account, 'FAST')).query(getSlotsQuery);
  expect(slots.holders).toEqual([]);
  expect(slots.waiting).toEqual([]);

  await jobs.provideModalInput(regionId, { prompt: 'a hat', mask: maskPng() });
  const regionResult = (await region.result()) as JobResult;
  expect(regionResult.task.status).toBe('SUCCESS');
  // One press of Vary (Region) and one modal submit upstream (the job counts both), after the answer only.
  expect(regionResult.submits).toBe(2);
  const pressed = Object.entries(stack.sim.stats().submitsByState).filter(
    ([k]) => parseStateKey(k)?.workflowId === regionId
  );
  expect(pressed.map(([, n]) => n)).toEqual([1]);
});
