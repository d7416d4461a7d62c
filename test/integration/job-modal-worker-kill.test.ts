/**
 * Jobs v2 across a worker death between the two upstream calls of an always-modal intent (Vary Region): the job
 * presses the button (`/submit/action`) and submits the modal (`/submit/modal`) back to back, and a SIGKILLed worker
 * in between must not make the next one press again or submit twice. The simulator counts both calls; a real dev
 * server and worker processes run the job.
 */
import { LocalAssetStore } from '../../src/assets';
import type { AssetRef, JobInput } from '../../src/shared/types';
import { getProgressQuery, mjJobWorkflow, provideModalInputUpdate } from '../../src/workflows';
import { uniqueId } from '../helpers/job-env';
import { bandMaskPng } from '../helpers/mask-png';
import { startWorkerProcessLane, type WorkerProcessLane } from '../helpers/worker-process-lane';

jest.setTimeout(120_000);

let lane: WorkerProcessLane;
let mask: AssetRef;
/** The upscaled image every test varies (Vary Region exists only there, contract §14.3). */
let parentTaskId: string;
const POLICY = { initialInterval: '300ms', maxInterval: '600ms' } as const;

async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const start = (input: Partial<JobInput> & Pick<JobInput, 'request'>) =>
  lane.env.client.workflow.start(mjJobWorkflow, {
    taskQueue: lane.config.taskQueue,
    workflowId: uniqueId('modal-kill'),
    args: [{ policy: POLICY, ...input }],
  });

const counts = () => {
  const s = lane.sim.stats();
  return {
    action: s.submitsByEndpoint['submit/action'] ?? 0,
    modal: s.submitsByEndpoint['submit/modal'] ?? 0,
    acceptedModal: s.acceptedByEndpoint['submit/modal'] ?? 0,
  };
};
/** Upstream tasks whose parent is the upscaled image: each one a press of one of its buttons. */
const children = () => (lane.sim.tasks() as { parentId?: string }[]).filter((t) => t.parentId === parentTaskId);

beforeAll(async () => {
  lane = await startWorkerProcessLane(__filename, { flavour: 'trueai', timeScale: 100, seed: 9 });
  mask = await new LocalAssetStore({ dir: lane.config.assetDir }).put(bandMaskPng(), {
    contentType: 'image/png',
    prefix: 'masks',
  });
  await lane.spawn();
  const grid = await (await start({ request: { kind: 'imagine', prompt: 'a hat stand --v 7' } })).result();
  const up = await (
    await start({ request: { kind: 'action', parentTaskId: grid.taskId, intent: { kind: 'upscale', index: 1 } } })
  ).result();
  parentTaskId = up.taskId;
}, 120_000);

afterAll(() => lane?.close());

afterEach(() => lane.sim.faults.clear());

it('a worker killed while the button press is answered: the next one adopts the MODAL child, one action, one modal', async () => {
  const before = counts();
  const childrenBefore = children().length;
  // The proxy creates the MODAL child at once and holds the answer; the worker dies waiting for it.
  lane.sim.faults.add({ endpoint: 'submit/action', kind: 'slow', delayMs: 60_000, times: 1 });
  const handle = await start({
    request: { kind: 'action', parentTaskId, intent: { kind: 'vary-region' } },
    modal: { prompt: 'a red hat on the stand --v 7', mask },
  });
  await until(() => counts().action === before.action + 1);
  expect(counts().modal).toBe(before.modal);
  expect(await lane.live().kill('SIGKILL')).toBe('SIGKILL');

  await lane.spawn();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(counts()).toEqual({
    action: before.action + 1,
    modal: before.modal + 1,
    acceptedModal: before.acceptedModal + 1,
  });
  expect(children().length).toBe(childrenBefore + 1);
});

it('a worker killed while the modal submit is answered: the next one sees the child moved on and submits nothing again', async () => {
  const before = counts();
  const childrenBefore = children().length;
  const handle = await start({ request: { kind: 'action', parentTaskId, intent: { kind: 'vary-region' } } });
  await until(async () => (await handle.query(getProgressQuery)).phase === 'waiting-input');
  // Asked first: nothing pressed upstream while the person thinks.
  expect(counts()).toEqual(before);
  expect(children().length).toBe(childrenBefore);

  lane.sim.faults.add({ endpoint: 'submit/modal', kind: 'slow', delayMs: 60_000, times: 1 });
  const answered = handle
    .executeUpdate(provideModalInputUpdate, { args: [{ prompt: 'a blue hat on the stand --v 7', mask }] })
    .catch((err: unknown) => err);
  await until(() => counts().modal === before.modal + 1);
  expect(counts().action).toBe(before.action + 1);
  expect(await lane.live().kill('SIGKILL')).toBe('SIGKILL');

  await lane.spawn();
  const result = await handle.result();
  expect(result.task.status).toBe('SUCCESS');
  expect(await answered).toMatchObject({ accepted: true });
  expect(counts()).toEqual({
    action: before.action + 1,
    modal: before.modal + 1,
    acceptedModal: before.acceptedModal + 1,
  });
  expect(children().length).toBe(childrenBefore + 1);
});
