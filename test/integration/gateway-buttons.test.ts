/**
 * The current buttons through the gateway on the simulator (trueai): Animate and Pan with a prompt (the button pressed
 * with `enableRemix`, code 21, the prompt sent with `/submit/modal` reaches the upstream), and the video's virtual
 * upscale with the extend buttons it offers.
 */
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let key: string;
let upscaled: { id: string; buttons: { customId: string; label: string }[] };

interface UpstreamTask {
  id: string;
  action: string;
  prompt: string;
  status: string;
}

/** The upstream (simulator) task our task ran as, found by the prompt nobody else sends. */
function upstreamByPrompt(prompt: string): UpstreamTask | undefined {
  return (stack.sim.tasks() as UpstreamTask[]).find((t) => t.prompt === prompt);
}

function button(buttons: { customId: string }[], re: RegExp): string {
  const found = buttons.find((b) => re.test(b.customId));
  if (!found) throw new Error(`no button ${re} among ${buttons.map((b) => b.customId).join(', ')}`);
  return found.customId;
}

beforeAll(async () => {
  stack = await startGatewayStack();
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
  const imagine = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt: 'a quiet harbour --v 7' } });
  const grid = await waitForStatus(stack, key, imagine.json.result, ['SUCCESS', 'FAILURE']);
  expect(grid.status).toBe('SUCCESS');
  const u1 = await call(stack, 'POST', '/mj/submit/action', {
    key,
    body: { taskId: grid.id, customId: button(grid.buttons, /^MJ::JOB::upsample::1::/) },
  });
  upscaled = await waitForStatus(stack, key, u1.json.result, ['SUCCESS', 'FAILURE']);
  expect(upscaled).toMatchObject({ status: 'SUCCESS', action: 'UPSCALE' });
});
afterAll(async () => stack?.stop());

test('Animate with a prompt: code 21, the modal prompt animates, and a clip upscales to the extend buttons', async () => {
  const animate = button(upscaled.buttons, /^MJ::JOB::animate_high::1::/);
  const act = await call(stack, 'POST', '/mj/submit/action', {
    key,
    body: { taskId: upscaled.id, customId: animate, enableRemix: true },
  });
  expect(act.json).toMatchObject({ code: 21, result: expect.stringMatching(/^\d{16}$/), properties: { remix: true } });
  const childId: string = act.json.result;
  expect((await call(stack, 'GET', `/mj/task/${childId}/fetch`, { key })).json).toMatchObject({
    status: 'MODAL',
    action: 'VIDEO',
  });
  // Held by us: nothing was pressed upstream before the prompt arrived.
  expect((stack.sim.tasks() as UpstreamTask[]).filter((t) => t.action === 'VIDEO')).toEqual([]);

  const prompt = 'a quiet harbour, waves rolling in slowly --v 7';
  const modal = await call(stack, 'POST', '/mj/submit/modal', { key, body: { taskId: childId, prompt } });
  expect(modal.json).toMatchObject({ code: 1, result: childId });
  const video = await waitForStatus(stack, key, childId, ['SUCCESS', 'FAILURE']);
  expect(video).toMatchObject({ status: 'SUCCESS', action: 'VIDEO', parentId: upscaled.id });
  // The upstream ran the person's prompt: the button was pressed under Remix and its MODAL answered.
  expect(upstreamByPrompt(prompt)).toMatchObject({ action: 'VIDEO', status: 'SUCCESS' });

  const clip2 = button(video.buttons, /^MJ::JOB::video_virtual_upscale::2::/);
  const up = await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: video.id, customId: clip2 } });
  expect(up.json).toMatchObject({ code: 1 });
  const upVideo = await waitForStatus(stack, key, up.json.result, ['SUCCESS', 'FAILURE']);
  expect(upVideo).toMatchObject({ status: 'SUCCESS', action: 'UPSCALE', parentId: video.id });
  expect(upVideo.buttons.map((b: { customId: string }) => b.customId)).toEqual([
    expect.stringMatching(/^MJ::JOB::animate_high_extend::2::/),
    expect.stringMatching(/^MJ::JOB::animate_low_extend::2::/),
  ]);
});

test('Pan with a prompt: the pan button under Remix asks first and pans with the new prompt', async () => {
  const pan = button(upscaled.buttons, /^MJ::JOB::pan_left::1::/);
  const act = await call(stack, 'POST', '/mj/submit/action', {
    key,
    body: { taskId: upscaled.id, customId: pan, enableRemix: true },
  });
  expect(act.json).toMatchObject({ code: 21 });
  const prompt = 'a quiet harbour with a lighthouse on the left --v 7';
  const modal = await call(stack, 'POST', '/mj/submit/modal', { key, body: { taskId: act.json.result, prompt } });
  expect(modal.json).toMatchObject({ code: 1, result: act.json.result });
  const panned = await waitForStatus(stack, key, act.json.result, ['SUCCESS', 'FAILURE']);
  expect(panned).toMatchObject({ status: 'SUCCESS', action: 'PAN' });
  expect(upstreamByPrompt(prompt)).toMatchObject({ action: 'PAN', status: 'SUCCESS' });

  // Without Remix the pan button goes straight through, as before.
  const plain = await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: upscaled.id, customId: pan } });
  expect(plain.json).toMatchObject({ code: 1 });
  expect(await waitForStatus(stack, key, plain.json.result, ['SUCCESS', 'FAILURE'])).toMatchObject({
    status: 'SUCCESS',
    action: 'PAN',
  });
});
