import { inspect } from 'node:util';
import type { MockAgent } from 'undici';
import {
  isMjError,
  MjAuthError,
  MjBannedPromptError,
  MjClient,
  type MjClientOptions,
  MjConnectionError,
  type MjError,
  MjGatewayError,
  MjInputError,
  MjNoInstanceError,
  MjParentUnavailableError,
  MjQueueFullError,
  MjRateLimitedError,
  MjResponseError,
  MjServerError,
  MjSystemError,
  MjTaskNotFoundError,
  MjTimeoutError,
  MjUnsupportedError,
  MjValidationError,
  parseRetryAfter,
} from '../../../src/mj';
import { JPEG_DATA_URL, loadFixture, lockedAgent, ORIGIN, PNG_DATA_URL } from './support';

const KEY = 'sk-TOPSECRET-4f9d2a';
const TASK_ID = '1748339029401828';
const taskBody = { id: TASK_ID, action: 'IMAGINE', status: 'SUCCESS', progress: '100%', buttons: [] };

let agent: MockAgent;

beforeEach(() => {
  agent = lockedAgent();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

function client(options: Partial<MjClientOptions> = {}): MjClient {
  return new MjClient({ baseUrl: ORIGIN, apiKey: KEY, dispatcher: agent, ...options });
}

function pool() {
  return agent.get(ORIGIN);
}

function calls() {
  return agent.getCallHistory()?.calls() ?? [];
}

async function caught(p: Promise<unknown>): Promise<MjError> {
  try {
    await p;
  } catch (e) {
    if (isMjError(e)) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('auth header per flavour (§1)', () => {
  test.each<[MjClientOptions['flavour'], string, string]>([
    ['novicezk', 'mj-api-secret', KEY],
    ['plus', 'mj-api-secret', KEY],
    ['trueai', 'authorization', KEY],
    ['gateway', 'authorization', `Bearer ${KEY}`],
  ])('%s sends %s', async (flavour, name, value) => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, taskBody);
    await client({ flavour }).fetchTask(TASK_ID);
    const headers = calls()[0]!.headers as Record<string, string>;
    expect(headers[name]).toBe(value);
    const other = name === 'authorization' ? 'mj-api-secret' : 'authorization';
    expect(headers[other]).toBeUndefined();
  });

  test('authScheme overrides the flavour default; no key, no auth header', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, taskBody)
      .times(2);
    await client({ flavour: 'gateway', authScheme: 'raw-authorization' }).fetchTask(TASK_ID);
    await new MjClient({ baseUrl: ORIGIN, dispatcher: agent }).fetchTask(TASK_ID);
    const [first, second] = calls().map((c) => c.headers as Record<string, string>);
    expect(first!.authorization).toBe(KEY);
    expect(second!.authorization).toBeUndefined();
    expect(second!['mj-api-secret']).toBeUndefined();
  });

  test('userAgent is sent; JSON bodies carry content-type', async () => {
    pool()
      .intercept({ path: '/mj/submit/imagine', method: 'POST' })
      .reply(200, { code: 1, description: 'ok', result: '1' });
    await client({ userAgent: 'mj-test/1.0' }).submitImagine({ prompt: 'a fox' });
    const headers = calls()[0]!.headers as Record<string, string>;
    expect(headers['user-agent']).toBe('mj-test/1.0');
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(calls()[0]!.body))).toEqual({ prompt: 'a fox' });
  });
});

describe('base URL and speed-mode prefix (§1, §12)', () => {
  test('client mode prefixes every route; a request mode wins', async () => {
    pool()
      .intercept({ path: '/mj-relax/mj/submit/imagine', method: 'POST' })
      .reply(200, { code: 1, description: 'ok', result: '1' });
    pool()
      .intercept({ path: `/mj-turbo/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, taskBody);
    const c = client({ mode: 'RELAX' });
    await c.submitImagine({ prompt: 'a fox' });
    await c.fetchTask(TASK_ID, { mode: 'TURBO' });
    expect(calls().map((x) => x.path)).toEqual(['/mj-relax/mj/submit/imagine', `/mj-turbo/mj/task/${TASK_ID}/fetch`]);
  });

  test('flavours without mode routes leave a request mode out (novicezk answers 404 to /mj-fast/…)', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, taskBody);
    const c = client({ flavour: 'novicezk' });
    expect(c.supports('mode-prefix')).toBe(false);
    await c.fetchTask(TASK_ID, { mode: 'RELAX' });
    expect(calls().map((x) => x.path)).toEqual([`/mj/task/${TASK_ID}/fetch`]);
  });

  test.each(['http://mj.test/', 'http://mj.test/mj', 'http://mj.test/mj/'])(
    'baseUrl %s is tolerated',
    async (baseUrl) => {
      pool()
        .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
        .reply(200, taskBody);
      const c = client({ baseUrl });
      expect(c.baseUrl).toBe(ORIGIN);
      await c.fetchTask(TASK_ID);
    }
  );

  test('a path prefix in baseUrl is kept; ids are percent-encoded', async () => {
    pool()
      .intercept({ path: '/api/mj/task/a%2Fb%3Fc%23d/fetch', method: 'GET' })
      .reply(200, { ...taskBody, id: 'a/b?c#d' });
    const task = await client({ baseUrl: `${ORIGIN}/api/mj` }).fetchTask('a/b?c#d');
    expect(task.id).toBe('a/b?c#d');
    expect(calls()[0]!.path).toBe('/api/mj/task/a%2Fb%3Fc%23d/fetch');
  });
});

describe('fetchTask not-found shapes (§2.3, §14.6)', () => {
  test.each<[string, () => void]>([
    [
      'N: 200 with an empty body',
      () =>
        pool()
          .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
          .reply(200, ''),
    ],
    [
      'T: 204 No Content',
      () =>
        pool()
          .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
          .reply(204, ''),
    ],
    [
      'G: 400 code 4 task_no_found',
      () =>
        pool()
          .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
          .reply(400, { description: 'task_no_found ', type: 'upstream_error', code: 4 }),
    ],
    [
      '404',
      () =>
        pool()
          .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
          .reply(404, 'Not Found'),
    ],
    [
      '200 with JSON null',
      () =>
        pool()
          .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
          .reply(200, 'null'),
    ],
  ])('%s → MjTaskNotFoundError', async (_name, arrange) => {
    arrange();
    const err = await caught(client({ flavour: 'gateway' }).fetchTask(TASK_ID));
    expect(err).toBeInstanceOf(MjTaskNotFoundError);
    expect((err as MjTaskNotFoundError).taskId).toBe(TASK_ID);
    expect(err.retryable).toBe(true);
    expect(err.outcomeUnknown).toBe(false);
    expect(err.endpoint).toBe(`/mj/task/${TASK_ID}/fetch`);
  });

  test('a non-task 200 body is MjResponseError with a summary, not the body', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, { hello: 'BODY-MARKER' });
    const err = await caught(client().fetchTask(TASK_ID));
    expect(err).toBeInstanceOf(MjResponseError);
    expect(err.message).toContain('id');
    expect(err.message).not.toContain('BODY-MARKER');
    expect(err.body).toContain('BODY-MARKER');
  });

  test('5xx on fetch is MjServerError without outcomeUnknown', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(502, '<html>bad gateway</html>');
    const err = await caught(client().fetchTask(TASK_ID));
    expect(err).toBeInstanceOf(MjServerError);
    expect(err.code).toBe('MJ_UPSTREAM_5XX');
    expect(err.outcomeUnknown).toBe(false);
    expect(err.message).not.toContain('bad gateway');
  });
});

describe('submit outcomes over HTTP (§4)', () => {
  function reply(status: number, body: unknown, headers?: Record<string, string>) {
    pool()
      .intercept({ path: '/mj/submit/imagine', method: 'POST' })
      .reply(status, body as object, headers ? { headers } : undefined);
  }

  test('1 → accepted, 22 → queued, 21 → existed (N)', async () => {
    reply(200, loadFixture('n-submit-success.json'));
    reply(200, loadFixture('n-submit-queued.json'));
    reply(200, loadFixture('n-submit-existed.json'));
    const c = client({ flavour: 'novicezk' });
    expect(await c.submitImagine({ prompt: 'x' })).toMatchObject({ kind: 'accepted', taskId: '8498455807619990' });
    expect(await c.submitImagine({ prompt: 'x' })).toMatchObject({ kind: 'queued', ahead: 1 });
    expect(await c.submitImagine({ prompt: 'x' })).toMatchObject({ kind: 'existed', status: 'SUCCESS' });
  });

  test('21 on action → modal child (T)', async () => {
    pool()
      .intercept({ path: '/mj/submit/action', method: 'POST' })
      .reply(200, {
        code: 21,
        description: 'Waiting for window confirm',
        result: '1748339029401999',
        properties: { finalPrompt: 'a fox', remix: true },
      });
    const outcome = await client().submitAction({ taskId: TASK_ID, customId: 'MJ::Inpaint::1::h::SOLO' });
    expect(outcome).toEqual({
      kind: 'modal',
      taskId: '1748339029401999',
      finalPrompt: 'a fox',
      description: 'Waiting for window confirm',
    });
  });

  test.each<[string, number, unknown, new (...a: never[]) => MjError, boolean]>([
    ['23 queue full', 200, loadFixture('n-submit-queue-full.json'), MjQueueFullError, true],
    ['24 banned', 200, loadFixture('n-submit-banned.json'), MjBannedPromptError, false],
    ['4 validation', 200, { code: 4, description: '禁止上传' }, MjValidationError, false],
    ['3 no instance', 200, { code: 3, description: '无可用的账号实例' }, MjNoInstanceError, true],
    ['9 queue full (T)', 200, { code: 9, description: '提交失败，队列已满，请稍后重试' }, MjQueueFullError, true],
    ['9 system', 200, { code: 9, description: '提交失败，系统异常' }, MjSystemError, true],
    ['9 unsupported', 200, { code: 9, description: '当前账号不支持编辑/重绘任务' }, MjUnsupportedError, false],
    [
      'T envelope 服务暂不可用',
      200,
      { success: false, code: -1, message: '服务暂不可用', timestamp: '1' },
      MjSystemError,
      true,
    ],
    ['T envelope logic error', 200, { success: false, code: -1, message: '超出限制' }, MjValidationError, false],
    ['T 500 操作失败', 500, { success: false, code: -1, message: '操作失败' }, MjSystemError, true],
    ['G 400 code 5', 400, { description: 'do_request_failed ', type: 'upstream_error', code: 5 }, MjGatewayError, true],
    [
      'G 400 code 4',
      400,
      { description: 'quota_not_enough ', type: 'upstream_error', code: 4 },
      MjValidationError,
      false,
    ],
    ['G 429 code 30', 429, { description: 'busy ', type: 'upstream_error', code: 30 }, MjRateLimitedError, true],
    ['401 empty', 401, '', MjAuthError, false],
    ['403 未登录', 403, '未登录', MjAuthError, false],
    ['502 html', 502, '<html>bad gateway</html>', MjServerError, true],
  ])('%s', async (_name, status, body, cls, retryable) => {
    reply(status, body);
    const err = await caught(client().submitImagine({ prompt: 'a fox', state: 'mjt1|wf|0' }));
    expect(err).toBeInstanceOf(cls);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
    expect(err.endpoint).toBe('/mj/submit/imagine');
    // A 5xx on a submit may have created the task upstream.
    expect(err.outcomeUnknown).toBe(status >= 500);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  test('banned prompt carries the banned word', async () => {
    reply(200, loadFixture('n-submit-banned.json'));
    const err = (await caught(client().submitImagine({ prompt: 'x' }))) as MjBannedPromptError;
    expect(err.bannedWord).toBe('nude');
    expect(err.upstreamCode).toBe(24);
  });

  test('T action with a missing parent: 404 + code 3 → MjParentUnavailableError', async () => {
    pool()
      .intercept({ path: '/mj/submit/action', method: 'POST' })
      .reply(404, { code: 3, description: '关联任务不存在或已失效' });
    const err = await caught(client().submitAction({ taskId: TASK_ID, customId: 'MJ::JOB::upsample::1::h' }));
    expect(err).toBeInstanceOf(MjParentUnavailableError);
    expect(err.retryable).toBe(true);
  });

  test('G action on an unknown parent → MjTaskNotFoundError naming the parent', async () => {
    pool()
      .intercept({ path: '/mj/submit/action', method: 'POST' })
      .reply(400, { description: 'task_not_found ', type: 'upstream_error', code: 4 });
    const err = await caught(
      client({ flavour: 'gateway' }).submitAction({ taskId: TASK_ID, customId: 'MJ::JOB::upsample::1::h' })
    );
    expect(err).toBeInstanceOf(MjTaskNotFoundError);
    expect((err as MjTaskNotFoundError).taskId).toBe(TASK_ID);
  });

  test('an unreadable 2xx submit body is MjResponseError with outcomeUnknown', async () => {
    reply(200, 'OK');
    const err = await caught(client().submitImagine({ prompt: 'x' }));
    expect(err).toBeInstanceOf(MjResponseError);
    expect(err.retryable).toBe(false);
    expect(err.outcomeUnknown).toBe(true);
  });
});

describe('Retry-After', () => {
  test.each<[Record<string, string>, number]>([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 250],
  ])('429 with %j → retryAfterMs %d', async (headers, ms) => {
    pool().intercept({ path: '/mj/submit/imagine', method: 'POST' }).reply(429, '', { headers });
    const err = await caught(client().submitImagine({ prompt: 'x' }));
    expect(err).toBeInstanceOf(MjRateLimitedError);
    expect(err.retryAfterMs).toBe(ms);
  });

  test('an HTTP date is converted relative to now', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(429, '', { headers: { 'retry-after': at } });
    const err = await caught(client().fetchTask(TASK_ID));
    expect(err).toBeInstanceOf(MjRateLimitedError);
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('parseRetryAfter edge cases', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});

describe('transport errors (no retries, typed, outcomeUnknown)', () => {
  function err(code: string): Error {
    return Object.assign(new Error(`simulated ${code}`), { code });
  }

  test.each<[string, new (...a: never[]) => MjError, boolean]>([
    ['ECONNREFUSED', MjConnectionError, false],
    ['ENOTFOUND', MjConnectionError, false],
    ['UND_ERR_CONNECT_TIMEOUT', MjConnectionError, false],
    ['UND_ERR_SOCKET', MjConnectionError, true],
    ['ECONNRESET', MjConnectionError, true],
    ['UND_ERR_HEADERS_TIMEOUT', MjTimeoutError, true],
    ['UND_ERR_BODY_TIMEOUT', MjTimeoutError, true],
  ])('%s on a submit', async (code, cls, unknown) => {
    pool().intercept({ path: '/mj/submit/imagine', method: 'POST' }).replyWithError(err(code));
    const e = await caught(client().submitImagine({ prompt: 'x' }));
    expect(e).toBeInstanceOf(cls);
    expect(e.retryable).toBe(true);
    expect(e.outcomeUnknown).toBe(unknown);
    expect((e as MjConnectionError).causeCode).toBe(code);
    expect(e.cause).toBeInstanceOf(Error);
    expect(calls()).toHaveLength(1);
  });

  test.each(['UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT'])(
    '%s on a fetch never marks the outcome unknown',
    async (code) => {
      pool()
        .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
        .replyWithError(err(code));
      const e = await caught(client().fetchTask(TASK_ID));
      expect(e.outcomeUnknown).toBe(false);
    }
  );

  test('our deadline (timeoutMs) fires as MjTimeoutError; a per-request timeoutMs overrides it', async () => {
    pool()
      .intercept({ path: '/mj/submit/imagine', method: 'POST' })
      .reply(200, { code: 1, description: '', result: '1' })
      .delay(500);
    const started = Date.now();
    const e = await caught(client({ timeoutMs: 5_000 }).submitImagine({ prompt: 'x' }, { timeoutMs: 40 }));
    expect(Date.now() - started).toBeLessThan(400);
    expect(e).toBeInstanceOf(MjTimeoutError);
    expect(e.outcomeUnknown).toBe(true);
    expect(e.message).toContain('40 ms');
  });

  test("a caller's abort is rethrown as the signal's reason", async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(200, taskBody)
      .delay(500);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 20);
    await expect(client().fetchTask(TASK_ID, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('the API key never leaks', () => {
  test('not in messages, JSON, stacks or inspect output of any error, nor of the client', async () => {
    const c = client({ flavour: 'gateway' });
    const errors: unknown[] = [];
    const collect = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        errors.push(e);
      }
    };
    // An upstream that echoes the key back in its body and description.
    pool().intercept({ path: '/mj/submit/imagine', method: 'POST' }).reply(401, `bad key ${KEY}`);
    pool()
      .intercept({ path: '/mj/submit/blend', method: 'POST' })
      .reply(200, { code: 4, description: `invalid token ${KEY}` });
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/fetch`, method: 'GET' })
      .reply(500, { error: KEY });
    pool()
      .intercept({ path: '/mj/submit/describe', method: 'POST' })
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    pool().intercept({ path: '/mj/submit/shorten', method: 'POST' }).reply(200, { weird: KEY });
    await collect(c.submitImagine({ prompt: 'x' }));
    await collect(c.submitBlend({ base64Array: [PNG_DATA_URL, JPEG_DATA_URL] }));
    await collect(c.fetchTask(TASK_ID));
    await collect(c.submitDescribe({ base64: PNG_DATA_URL }));
    await collect(c.submitShorten({ prompt: 'x' }));
    await collect(c.submitModal({ taskId: TASK_ID, maskBase64: 'nope' }));
    await collect(c.cancelTask(TASK_ID));
    expect(errors).toHaveLength(7);
    for (const e of errors) {
      expect(isMjError(e)).toBe(true);
      const text = [
        String(e),
        (e as Error).message,
        (e as Error).stack,
        JSON.stringify(e),
        inspect(e, { depth: 5 }),
      ].join('\n');
      expect(text).not.toContain(KEY);
    }
    expect(JSON.stringify(c)).not.toContain(KEY);
    expect(inspect(c, { depth: 5, showHidden: true })).not.toContain(KEY);
    expect(Object.keys(c).join()).not.toMatch(/key/i);
  });
});

describe('input validation happens before any request', () => {
  test.each<[string, (c: MjClient) => Promise<unknown>, string]>([
    ['blend with one image', (c) => c.submitBlend({ base64Array: [PNG_DATA_URL] }), 'base64Array'],
    ['modal with a JPEG mask', (c) => c.submitModal({ taskId: TASK_ID, maskBase64: JPEG_DATA_URL }), 'maskBase64'],
    ['imagine with a long state', (c) => c.submitImagine({ prompt: 'x', state: 'x'.repeat(256) }), 'state'],
    ['imagine with a blank prompt', (c) => c.submitImagine({ prompt: '   ' }), 'prompt'],
    ['fetch with an empty id', (c) => c.fetchTask(''), 'taskId'],
    ['fetch with a dot segment', (c) => c.fetchTask('..'), 'taskId'],
    ['list-by-condition with a bad id', (c) => c.listTasksByIds(['ok', '']), 'ids[1]'],
    ['video extend without a task', (c) => c.submitVideo({ action: 'extend', index: 1 }), 'taskId'],
  ])('%s', async (_name, call, field) => {
    const e = await caught(call(client()));
    expect(e).toBeInstanceOf(MjInputError);
    expect((e as MjInputError).field).toBe(field);
    expect(e.message).toContain(field);
    expect(calls()).toHaveLength(0);
  });

  test('blend message names the operation, field and rule', async () => {
    const e = await caught(client().submitBlend({ base64Array: [PNG_DATA_URL] }));
    expect(e.message).toBe('blend: base64Array must hold 2–5 images (got 1)');
  });
});

describe('features by flavour', () => {
  test('supports()', () => {
    const table = Object.fromEntries(
      (['novicezk', 'plus', 'trueai', 'gateway'] as const).map((flavour) => {
        const c = new MjClient({ baseUrl: ORIGIN, flavour, dispatcher: agent });
        const features = [
          'action',
          'change',
          'modal',
          'list',
          'cancel',
          'video',
          'edits',
          'shorten',
          'upload',
          'retexture',
        ] as const;
        return [flavour, features.filter((f) => c.supports(f)).join(',')];
      })
    );
    expect(table).toEqual({
      novicezk: 'change,list',
      plus: 'action,change,modal,list,shorten',
      trueai: 'action,modal,list,cancel,video,edits,shorten,upload,retexture',
      gateway: 'action,change,modal,video,edits,shorten,upload',
    });
  });

  test.each<[MjClientOptions['flavour'], (c: MjClient) => Promise<unknown>]>([
    ['novicezk', (c) => c.submitAction({ taskId: TASK_ID, customId: 'MJ::JOB::upsample::1::h' })],
    ['novicezk', (c) => c.submitModal({ taskId: TASK_ID, prompt: 'x' })],
    ['novicezk', (c) => c.submitShorten({ prompt: 'x' })],
    ['plus', (c) => c.submitVideo({ prompt: 'x' })],
    ['trueai', (c) => c.submitChange({ taskId: TASK_ID, action: 'UPSCALE', index: 1 })],
    ['trueai', (c) => c.submitSimpleChange({ content: `${TASK_ID} U1` })],
    ['gateway', (c) => c.listTasks()],
    ['gateway', (c) => c.cancelTask(TASK_ID)],
    ['plus', (c) => c.cancelTask(TASK_ID)],
    ['gateway', (c) => c.submitRetexture({ prompt: 'x', image: 'https://a.example/x.png' })],
    ['plus', (c) => c.uploadDiscordImages({ base64Array: [PNG_DATA_URL] })],
  ])('%s refuses before sending', async (flavour, call) => {
    const e = await caught(call(client({ flavour })));
    expect(e).toBeInstanceOf(MjUnsupportedError);
    expect(e.retryable).toBe(false);
    expect(calls()).toHaveLength(0);
  });
});

describe('other endpoints', () => {
  test('change and simple-change (N)', async () => {
    pool()
      .intercept({ path: '/mj/submit/change', method: 'POST' })
      .reply(200, { code: 1, description: '成功', result: '2' });
    pool()
      .intercept({ path: '/mj/submit/simple-change', method: 'POST' })
      .reply(200, { code: 1, description: '成功', result: '3' });
    const c = client({ flavour: 'novicezk' });
    expect(await c.submitChange({ taskId: TASK_ID, action: 'VARIATION', index: 2 })).toMatchObject({ taskId: '2' });
    expect(await c.submitSimpleChange({ content: `${TASK_ID} V2` })).toMatchObject({ taskId: '3' });
    expect(JSON.parse(String(calls()[0]!.body))).toEqual({ taskId: TASK_ID, action: 'VARIATION', index: 2 });
  });

  test('listTasksByIds: [] sends nothing; ids are posted and tasks parsed', async () => {
    const c = client();
    expect(await c.listTasksByIds([])).toEqual([]);
    expect(calls()).toHaveLength(0);
    pool()
      .intercept({ path: '/mj/task/list-by-condition', method: 'POST' })
      .reply(200, [taskBody, { ...taskBody, id: '2', status: 'FAILURE', failReason: '任务超时' }]);
    const tasks = await c.listTasksByIds([TASK_ID, '2']);
    expect(tasks.map((t) => [t.id, t.status, t.failReason])).toEqual([
      [TASK_ID, 'SUCCESS', null],
      ['2', 'FAILURE', '任务超时'],
    ]);
    expect(JSON.parse(String(calls()[0]!.body))).toEqual({ ids: [TASK_ID, '2'] });
  });

  test('listTasks', async () => {
    pool().intercept({ path: '/mj/task/list', method: 'GET' }).reply(200, [taskBody]);
    expect((await client({ flavour: 'novicezk' }).listTasks()).map((t) => t.id)).toEqual([TASK_ID]);
  });

  test('getImageSeed: seed, and 404 code 3 → task not found', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/image-seed`, method: 'GET' })
      .reply(200, loadFixture('p-image-seed.json') as object);
    pool()
      .intercept({ path: '/mj/task/404/image-seed', method: 'GET' })
      .reply(404, { code: 3, description: '关联任务不存在或已失效' });
    pool()
      .intercept({ path: '/mj/task/5/image-seed', method: 'GET' })
      .reply(400, { code: 4, description: '关联任务状态错误' });
    const c = client({ flavour: 'plus' });
    expect(await c.getImageSeed(TASK_ID)).toBe('636646138');
    expect(await caught(c.getImageSeed('404'))).toBeInstanceOf(MjTaskNotFoundError);
    expect(await caught(c.getImageSeed('5'))).toBeInstanceOf(MjParentUnavailableError);
  });

  test('cancelTask (T): 200 empty; demo mode 400 → validation', async () => {
    pool()
      .intercept({ path: `/mj/task/${TASK_ID}/cancel`, method: 'POST' })
      .reply(200, '');
    pool().intercept({ path: '/mj/task/2/cancel', method: 'POST' }).reply(400, '演示模式，禁止操作');
    const c = client();
    await expect(c.cancelTask(TASK_ID)).resolves.toBeUndefined();
    const e = await caught(c.cancelTask('2'));
    expect(e).toBeInstanceOf(MjValidationError);
    expect(e.message).toContain('演示模式');
  });

  test('uploadDiscordImages returns the URLs', async () => {
    const urls = ['https://cdn.discordapp.com/attachments/1/2/a.jpg'];
    pool()
      .intercept({ path: '/mj/submit/upload-discord-images', method: 'POST' })
      .reply(200, { code: 1, description: 'success', result: urls });
    expect(await client().uploadDiscordImages({ base64Array: [JPEG_DATA_URL] })).toEqual(urls);
  });

  test('modal, video, edits, retexture, shorten, describe reach their routes', async () => {
    const routes = ['modal', 'video', 'edits', 'retexture', 'shorten', 'describe'];
    for (const r of routes)
      pool()
        .intercept({ path: `/mj/submit/${r}`, method: 'POST' })
        .reply(200, { code: 1, description: '', result: r });
    const c = client();
    const results = [
      await c.submitModal({ taskId: TASK_ID, prompt: 'x', maskBase64: PNG_DATA_URL }),
      await c.submitVideo({ action: 'extend', taskId: TASK_ID, index: 3 }),
      await c.submitEdits({ prompt: 'x', image: PNG_DATA_URL }),
      await c.submitRetexture({ prompt: 'x', image: 'https://a.example/x.png' }),
      await c.submitShorten({ prompt: 'x' }),
      await c.submitDescribe({ link: 'https://a.example/x.png' }),
    ];
    expect(results.map((o) => (o.kind === 'accepted' ? o.taskId : o.kind))).toEqual(routes);
  });
});

describe('construction', () => {
  test.each<[string, MjClientOptions, RegExp]>([
    ['non-http baseUrl', { baseUrl: 'ftp://mj.test' }, /http\(s\)/],
    ['relative baseUrl', { baseUrl: '/mj' }, /absolute/],
    ['credentials in baseUrl', { baseUrl: 'http://user:pw@mj.test' }, /credentials/],
    ['query in baseUrl', { baseUrl: 'http://mj.test/?key=1' }, /query/],
    ['unknown flavour', { baseUrl: ORIGIN, flavour: 'midjourney' as never }, /flavour/],
    ['bad timeout', { baseUrl: ORIGIN, timeoutMs: 0 }, /timeoutMs/],
    ['empty apiKey', { baseUrl: ORIGIN, apiKey: ' ' }, /apiKey/],
    ['apiKey with a line break', { baseUrl: ORIGIN, apiKey: 'sk-a\r\nX-Injected: 1' }, /apiKey/],
    ['mode twice', { baseUrl: `${ORIGIN}/mj-relax`, mode: 'FAST' }, /speed-mode/],
    [
      'mode on a flavour without mode routes',
      { baseUrl: ORIGIN, flavour: 'novicezk', mode: 'FAST' },
      /speed-mode routes/,
    ],
  ])('%s → TypeError', (_name, options, message) => {
    expect(() => new MjClient(options)).toThrow(TypeError);
    expect(() => new MjClient(options)).toThrow(message);
  });

  test('connectTimeoutMs conflicts with an injected dispatcher', () => {
    expect(() => new MjClient({ baseUrl: ORIGIN, dispatcher: agent, connectTimeoutMs: 1_000 })).toThrow(
      /connectTimeoutMs/
    );
  });

  test('a TypeError about the apiKey does not echo it', () => {
    expect(() => new MjClient({ baseUrl: ORIGIN, apiKey: `${KEY}\n` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(KEY) })
    );
  });

  test('defaults: trueai flavour', () => {
    const c = new MjClient({ baseUrl: `${ORIGIN}/`, dispatcher: agent });
    expect(c.flavour).toBe('trueai');
    expect(c.mode).toBeUndefined();
  });
});
