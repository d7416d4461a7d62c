/**
 * The seed document's curl flow through the gateway (imagine → poll fetch → U1 by customId → poll), against a real
 * dev server, the simulator and a job worker; plus the answers real clients rely on along the way.
 */
import { PNG } from 'pngjs';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { JOB_PATHS_VERSION } from '../../src/workflows/job/patches';
import { extractNumberedPrompts } from '../../src/mj/terms/numbered-prompts';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let key: string;

beforeAll(async () => {
  stack = await startGatewayStack();
  key = (await stack.gateway.tenants.createKey('acme')).apiKey;
});
afterAll(async () => stack?.stop());

test('imagine, poll, U1 with the customId, poll: the seed flow', async () => {
  const submit = await call(stack, 'POST', '/mj/submit/imagine', {
    headers: { authorization: `Bearer ${key}` },
    body: { botType: 'MID_JOURNEY', prompt: 'a cute cat --v 6.1', accountFilter: { modes: ['FAST'] } },
  });
  expect(submit.status).toBe(200);
  expect(submit.text).toMatch(/^\{"code":1,/);
  expect(submit.json.result).toMatch(/^\d{16}$/);
  const id: string = submit.json.result;

  const first = await call(stack, 'GET', `/mj/task/${id}/fetch`, { key });
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({ id, progress: expect.any(String), failReason: '' });
  expect(typeof first.json.submitTime).toBe('number');
  expect(Math.abs(first.json.submitTime - Date.now())).toBeLessThan(30_000);

  const done = await waitForStatus(stack, key, id, ['SUCCESS', 'FAILURE']);
  expect(done.status).toBe('SUCCESS');
  expect(done.progress).toBe('100%');
  expect(done.imageUrl).toMatch(/^http:\/\//);
  const u1 = done.buttons.find((b: { label: string }) => b.label === 'U1');
  expect(u1.customId).toMatch(/^MJ::JOB::upsample::1::/);
  for (const b of done.buttons) {
    expect(typeof b.customId).toBe('string');
    expect(typeof b.emoji).toBe('string');
    expect(typeof b.label).toBe('string');
  }

  const act = await call(stack, 'POST', '/mj/submit/action', { key, body: { taskId: id, customId: u1.customId } });
  expect(act.json).toMatchObject({ code: 1 });
  expect(act.json.result).toMatch(/^\d{16}$/);
  expect(act.json.result).not.toBe(id);
  const up = await waitForStatus(stack, key, act.json.result, ['SUCCESS', 'FAILURE']);
  expect(up).toMatchObject({ status: 'SUCCESS', action: 'UPSCALE', parentId: id, progress: '100%' });
  // Both jobs started on today's paths: no patch marker in their histories (2 events a job).
  for (const taskId of [id, act.json.result as string]) {
    const events = (await stack.env.client.workflow.getHandle(jobWorkflowId('acme', taskId)).fetchHistory()).events;
    const input = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(input ?? []).toString('utf8'))).toMatchObject({ pathsVersion: JOB_PATHS_VERSION });
    expect(events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
  }

  const listed = await call(stack, 'POST', '/mj/task/list-by-condition', {
    key,
    body: { ids: [id, Number(act.json.result), '9999999999999999'] },
  });
  expect(listed.status).toBe(200);
  expect(listed.json.map((t: { id: string }) => t.id).sort()).toEqual([id, act.json.result].sort());
});

test("describe and shorten: the seed flow's other entries answer their result text", async () => {
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(200);
  const base64 = `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
  const described = await call(stack, 'POST', '/mj/submit/describe', { key, body: { base64 } });
  expect(described.json).toMatchObject({ code: 1, result: expect.stringMatching(/^\d{16}$/) });
  const d = await waitForStatus(stack, key, described.json.result, ['SUCCESS', 'FAILURE']);
  expect(d).toMatchObject({ status: 'SUCCESS', action: 'DESCRIBE' });
  // Four numbered prompts, as every proxy answers a describe (not the empty text the gateway once gave).
  for (const n of ['1️⃣', '2️⃣', '3️⃣', '4️⃣']) expect(d.properties.finalPrompt).toContain(n);
  expect(d.promptEn.length).toBeGreaterThan(0);

  // A describe pick prefills the prompt it picks, and a bare {taskId} modal (chatgpt-web, MjProxy) runs that prompt.
  const line2 = extractNumberedPrompts(d.properties.finalPrompt)[1];
  const pick = d.buttons.find((b: { customId: string }) => /PicReader::2$/.test(b.customId));
  const picked = await call(stack, 'POST', '/mj/submit/action', {
    key,
    body: { taskId: d.id, customId: pick.customId },
  });
  expect(picked.json).toMatchObject({ code: 21, properties: { finalPrompt: line2 } });
  const confirmed = await call(stack, 'POST', '/mj/submit/modal', { key, body: { taskId: picked.json.result } });
  expect(confirmed.json).toMatchObject({ code: 1, result: picked.json.result });
  const imagined = await waitForStatus(stack, key, picked.json.result, ['SUCCESS', 'FAILURE']);
  expect(imagined).toMatchObject({ status: 'SUCCESS', prompt: line2, parentId: d.id });

  const long = 'a very long and wordy prompt about a small red fox sitting in deep fresh snow at golden hour';
  const shortened = await call(stack, 'POST', '/mj/submit/shorten', { key, body: { prompt: long } });
  expect(shortened.json).toMatchObject({ code: 1 });
  const s = await waitForStatus(stack, key, shortened.json.result, ['SUCCESS', 'FAILURE']);
  expect(s).toMatchObject({ status: 'SUCCESS', action: 'SHORTEN', prompt: long });
  expect(s.properties.finalPrompt).toContain('Shortened prompts');
  expect(s.properties.finalPrompt).not.toBe(long);
});
