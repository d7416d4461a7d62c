import net from 'node:net';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { createLogger } from '../../../src/logger';
import { createMetrics } from '../../../src/metrics';
import { makeStateKey } from '../../../src/shared/state-key';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/webhook/receiver';
import { fakeClient, taskBody, type FakeClient } from './fake-client';

const TOKEN = 'tok_3f9a2c71e4b85d06a1c94e7f';

describe('webhook receiver', () => {
  let fake: FakeClient;
  let receiver: WebhookReceiver;
  let agent: Agent;
  let logs: string;
  const metrics = createMetrics();

  beforeEach(async () => {
    fake = fakeClient();
    logs = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs += String(chunk);
        cb();
      },
    });
    receiver = await startWebhookReceiver({
      client: fake.client,
      token: TOKEN,
      port: 0,
      maxBodyBytes: 4096,
      dedupeWindowMs: 1_000,
      metrics,
      log: createLogger({ level: 'debug', destination: sink }),
    });
    agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  });

  afterEach(async () => {
    await agent.close();
    await receiver.close();
  });

  const post = async (body: unknown, opts: { path?: string; contentType?: string; raw?: string } = {}) => {
    const res = await request(`${receiver.url}${opts.path ?? `/webhook/mj/${TOKEN}`}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': opts.contentType ?? 'application/json' },
      body: opts.raw ?? JSON.stringify(body),
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it('answers a wrong token exactly like an unknown path', async () => {
    const wrong = await post(taskBody(), { path: `/webhook/mj/${TOKEN.slice(0, -1)}x` });
    const unknown = await post(taskBody(), { path: '/nothing/here' });
    const empty = await post(taskBody(), { path: '/webhook/mj/' });
    expect(wrong).toEqual({ status: 404, text: 'not found\n' });
    expect(unknown).toEqual(wrong);
    expect(empty).toEqual(wrong);
    expect(fake.signals).toHaveLength(0);
  });

  it('wakes the owner named by state with 202, and never logs the token', async () => {
    fake.running.add('mj-job-1');
    const r = await post(taskBody({ state: makeStateKey('mj-job-1', 0) }));
    expect(r.status).toBe(202);
    expect(JSON.parse(r.text)).toEqual({ result: 'signaled' });
    expect(fake.signals).toHaveLength(1);
    expect(logs).toContain('webhook woke workflow');
    expect(logs).not.toContain(TOKEN);
  });

  it('acknowledges an unknown task with 200 and signals nobody', async () => {
    const r = await post(taskBody({ id: 'nobody-owns-this' }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ result: 'not_found' });
    expect(fake.signals).toHaveLength(0);
  });

  it('rejects non-JSON with 415 and bad bodies with 400', async () => {
    expect((await post(null, { raw: 'id=1', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(null, { raw: '{"id": ', contentType: 'application/json' })).status).toBe(400);
    expect((await post([1, 2])).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post(taskBody(), { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('answers 405 to a GET on the right path', async () => {
    const res = await request(`${receiver.url}/webhook/mj/${TOKEN}`, { dispatcher: agent });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    await res.body.dump();
  });

  it('rejects a body over the cap with 413 (declared length)', async () => {
    const big = JSON.stringify(taskBody({ prompt: 'x'.repeat(10_000) }));
    const r = await post(null, { raw: big });
    expect(r.status).toBe(413);
    expect(fake.signals).toHaveLength(0);
  });

  it('stops reading a chunked body once it passes the cap', async () => {
    // A raw socket: chunked transfer with no Content-Length, and more data than the cap.
    const { port } = new URL(receiver.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /webhook/mj/${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
        );
        const chunk = 'x'.repeat(2048);
        for (let i = 0; i < 4; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
      let data = '';
      socket.on('data', (d) => (data += String(d)));
      socket.on('close', () => resolve(data));
      socket.on('error', (err) => (data ? resolve(data) : reject(err)));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
  });

  it('treats a repeated identical delivery as a no-op within the dedupe window', async () => {
    fake.running.add('mj-job-2');
    const body = taskBody({ state: makeStateKey('mj-job-2', 0), status: 'SUCCESS', progress: '100%' });
    expect((await post(body)).status).toBe(202);
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ result: 'duplicate' });
    expect(fake.signals).toHaveLength(1);
    // A change of status is new information and is signalled.
    expect((await post({ ...body, status: 'FAILURE' })).status).toBe(202);
    expect(fake.signals).toHaveLength(2);
  });

  it('answers 503 when Temporal is unreachable, and /readyz says so while /healthz stays up', async () => {
    fake.failWith = new Error('14 UNAVAILABLE: connect ECONNREFUSED');
    expect((await post(taskBody())).status).toBe(503);
    const ready = await request(`${receiver.url}/readyz`, { dispatcher: agent });
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();
    const health = await request(`${receiver.url}/healthz`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'ok' });
  });

  it('counts outcomes in mj_webhook_wakeups_total', async () => {
    const snapshot = async () =>
      Object.fromEntries((await metrics.webhookWakeups.get()).values.map((v) => [String(v.labels.result), v.value]));
    const before = await snapshot();
    await post(taskBody(), { path: '/webhook/mj/wrong' });
    await post({ nope: 1 });
    const after = await snapshot();
    expect((after.unauthorized ?? 0) - (before.unauthorized ?? 0)).toBe(1);
    expect((after.bad_request ?? 0) - (before.bad_request ?? 0)).toBe(1);
  });

  it('refuses to start with a short token', async () => {
    await expect(startWebhookReceiver({ client: fake.client, token: 'short', port: 0 })).rejects.toThrow(TypeError);
  });
});
