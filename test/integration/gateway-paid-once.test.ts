/**
 * "Paid once" through the gateway, against a real dev server, the simulator on loopback and a job worker: U1 pressed
 * again on a task (through `/submit/action`, `/submit/change`, at once, with an Idempotency-Key) is answered code 1
 * with the first task's id and creates one upstream task; `payAgain` and V1 create new ones. The task JSON carries
 * the seed the job read. Upstream tasks are counted on the simulator, per parent task and action.
 */
import { JOB_MEMO_KEY, type JobMemo } from '../../src/shared/job-memo';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';
import { get } from '../helpers/simulator-support';

jest.setTimeout(180_000);

let stack: GatewayStack;
let key: string;
const TENANT = 'acme';

beforeAll(async () => {
  stack = await startGatewayStack();
  key = (await stack.gateway.tenants.createKey(TENANT)).apiKey;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Our task's upstream task id, from its job's memo. */
async function upstreamIdOf(taskId: string): Promise<string> {
  const d = await stack.env.client.workflow.getHandle(jobWorkflowId(TENANT, taskId)).describe();
  return (d.memo?.[JOB_MEMO_KEY] as JobMemo).taskId!;
}

/** Upstream tasks the simulator created with `action` on the upstream task `parentTaskId`. */
function upstreamTasks(parentTaskId: string, action: string): number {
  const tasks = stack.sim.tasks() as { parentId?: string | null; action?: string }[];
  return tasks.filter((t) => t.parentId === parentTaskId && t.action === action).length;
}

/** A finished grid: our task JSON. */
async function grid(prompt: string) {
  const r = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt } });
  expect(r.json).toMatchObject({ code: 1 });
  return waitForStatus(stack, key, r.json.result, ['SUCCESS']);
}

const press = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  call(stack, 'POST', '/mj/submit/action', { key, body, headers });

const customIdOf = (task: { buttons: { customId: string }[] }, part: string): string =>
  task.buttons.find((b) => b.customId.includes(part))!.customId;

it('answers a second U1 with the first task id (action, change, at once, keyed) and pays once', async () => {
  const g = await grid('a windmill at noon');
  const u1 = customIdOf(g, 'upsample::1');
  const first = await press({ taskId: g.id, customId: u1 });
  expect(first.json).toMatchObject({ code: 1, result: expect.stringMatching(/^\d{16}$/) });
  const again = await press({ taskId: g.id, customId: u1 });
  expect(again.json).toMatchObject({ code: 1, result: first.json.result });
  const viaChange = await call(stack, 'POST', '/mj/submit/change', {
    key,
    body: { taskId: g.id, action: 'UPSCALE', index: 1 },
  });
  expect(viaChange.json).toMatchObject({ code: 1, result: first.json.result });
  const atOnce = await Promise.all([1, 2, 3].map(() => press({ taskId: g.id, customId: u1 })));
  expect(atOnce.map((r) => r.json.result)).toEqual([1, 2, 3].map(() => first.json.result));
  const keyed = await press({ taskId: g.id, customId: u1 }, { 'Idempotency-Key': 'press-u1-once' });
  expect(keyed.json).toMatchObject({ code: 1, result: first.json.result });

  const up = await waitForStatus(stack, key, first.json.result, ['SUCCESS']);
  expect(up.parentId).toBe(g.id);
  expect(upstreamTasks(await upstreamIdOf(g.id), 'UPSCALE')).toBe(1);
});

it('starts a new task for payAgain and for every V1', async () => {
  const g = await grid('a windmill at dusk');
  const u2 = customIdOf(g, 'upsample::2');
  const first = await press({ taskId: g.id, customId: u2 });
  const paid = await press({ taskId: g.id, customId: u2, payAgain: true });
  expect(paid.json).toMatchObject({ code: 1 });
  expect(paid.json.result).not.toBe(first.json.result);
  const v1 = customIdOf(g, 'variation::1');
  const [va, vb] = [await press({ taskId: g.id, customId: v1 }), await press({ taskId: g.id, customId: v1 })];
  expect(vb.json.result).not.toBe(va.json.result);
  const bad = await press({ taskId: g.id, customId: u2, payAgain: 'yes' });
  expect(bad.json).toMatchObject({ code: 4 });
  expect(bad.json.description).toMatch(/payAgain/);
  for (const id of [first, paid, va, vb].map((r) => r.json.result as string)) {
    await waitForStatus(stack, key, id, ['SUCCESS']);
  }
  const parent = await upstreamIdOf(g.id);
  expect(upstreamTasks(parent, 'UPSCALE')).toBe(2);
  expect(upstreamTasks(parent, 'VARIATION')).toBe(2);
});

it('shows the seed the job read in the task JSON, the same the upstream answers for the task', async () => {
  const g = await grid('a windmill in the rain');
  const upstream = (await get(stack.sim, `/mj/task/${await upstreamIdOf(g.id)}/image-seed`)).json.result as string;
  expect(upstream).toMatch(/^\d+$/);
  expect(g.seed).toBe(upstream);
  const viaGateway = await call(stack, 'GET', `/mj/task/${g.id}/image-seed`, { key });
  expect(viaGateway.json).toMatchObject({ code: 1, result: upstream });
});
