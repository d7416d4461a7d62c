/**
 * The prompt table through the gateway over loopback (a real dev server and gateway, no job worker: nothing needs to
 * run): a refused prompt answers code 4 naming the field, the rule, the parameter and its page, and starts nothing;
 * a valid one is accepted (code 1), with unknown parameters in `X-Mj-Prompt-Warnings`; the video endpoint reads
 * `--motion` without `--video`; the task JSON shows the prompt's provenance under `properties.provenance`.
 */
import { PROMPT_WARNINGS_HEADER } from '../../src/gateway/routes/submit-common';
import { PROMPT_ROWS } from '../fixtures/mj/prompt-params-table';
import { call, startGatewayStack, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

let stack: GatewayStack;
let key: string;

beforeAll(async () => {
  stack = await startGatewayStack({ jobWorker: false, gateway: { submitsPerMinute: 6000 } });
  key = (await stack.gateway.tenants.createKey('params')).apiKey;
});
afterAll(async () => {
  await stack?.stop();
});

describe('POST /mj/submit/imagine and the prompt table', () => {
  it.each(PROMPT_ROWS.map((r) => [r.prompt, r] as const))('%s', async (prompt, row) => {
    const r = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt } });
    expect(r.status).toBe(200);
    if (row.refused) {
      expect(r.json).toMatchObject({
        code: 4,
        result: null,
        properties: { field: 'prompt', rule: row.refused, param: row.param, source: row.source },
      });
      expect(r.json.description).toContain(row.param);
    } else expect(r.json).toMatchObject({ code: 1, result: expect.stringMatching(/^\d{16}$/) as string });
    const warning = r.headers[PROMPT_WARNINGS_HEADER];
    if (row.warns) expect(warning).toContain(row.warns);
    else expect(warning).toBeUndefined();
  });
});

describe('other doors of the gateway', () => {
  it('the video endpoint takes --motion without --video, and refuses --cref on V7', async () => {
    const image = 'https://example.com/frame.png';
    const ok = await call(stack, 'POST', '/mj/submit/video', { key, body: { prompt: 'waves --motion high', image } });
    expect(ok.json).toMatchObject({ code: 1 });
    const refused = await call(stack, 'POST', '/mj/submit/video', {
      key,
      body: { prompt: 'waves --cref https://example.com/c.png --v 7', image },
    });
    expect(refused.json).toMatchObject({ code: 4, properties: { field: 'prompt', rule: 'cref-version' } });
  });

  it('an imagine on the niji bot is checked against the niji versions', async () => {
    const body = { prompt: 'a fox --oref https://example.com/o.png', botType: 'NIJI_JOURNEY' };
    const r = await call(stack, 'POST', '/mj/submit/imagine', { key, body });
    expect(r.json).toMatchObject({ code: 4, properties: { field: 'prompt', rule: 'oref-version' } });
  });

  it("a modal's prompt meets the rules before the task is looked up", async () => {
    const r = await call(stack, 'POST', '/mj/submit/modal', {
      key,
      body: { taskId: '1796465118917768', prompt: 'a fox --oref https://example.com/o.png --v 6.1' },
    });
    expect(r.json).toMatchObject({ code: 4, properties: { field: 'prompt', rule: 'oref-version', param: '--oref' } });
  });

  it('a speed flag in the prompt, read by the parser, sets the mode', async () => {
    for (const [prompt, mode] of [
      ['a fox --relax --v 7', 'RELAX'],
      ['a fox \u2014turbo', 'TURBO'],
      ['a fox', 'FAST'],
    ] as const) {
      const submitted = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt } });
      const task = await call(stack, 'GET', `/mj/task/${submitted.json.result}/fetch`, { key });
      expect([prompt, task.json.mode]).toEqual([prompt, mode]);
    }
  });

  it('the task JSON shows the provenance of the prompt', async () => {
    const prompt = 'https://example.com/a.png a fox --ar 3:2 --sref 77 --v 6.1 --vibe 1';
    const submitted = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt } });
    const task = await call(stack, 'GET', `/mj/task/${submitted.json.result}/fetch`, { key });
    expect(task.json.properties.provenance).toEqual({
      version: '6.1',
      params: { aspect: '3:2', version: '6.1', sref: ['77'] },
      references: [
        { role: 'image-prompt', value: 'https://example.com/a.png' },
        { role: 'sref', value: '77' },
      ],
    });
  });
});
