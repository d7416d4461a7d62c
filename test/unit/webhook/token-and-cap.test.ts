/**
 * What the receiver's existing tests left open: that the token compare really is constant-time for every guess
 * (and that the receiver uses it), the exact body cap boundary, and that a sender WITHOUT the token cannot stream an
 * unbounded body into us either (a wrong-token request used to be drained in full).
 */
import net from 'node:net';
import { Agent, request } from 'undici';
import * as tokenModule from '../../../src/webhook/token';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/webhook/receiver';
import { makeStateKey } from '../../../src/shared/state-key';
import { fakeClient, taskBody, type FakeClient } from './fake-client';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto = require('node:crypto') as { timingSafeEqual: jest.Mock };

const TOKEN = 'tok_9b1e6f2a7c3d48e5a0f1b2c3';
const CAP = 2_048;

describe('tokenMatches is constant-time', () => {
  beforeEach(() => crypto.timingSafeEqual.mockClear());

  it('compares two 32-byte digests with timingSafeEqual for every guess, whatever its length or prefix', () => {
    const guesses = ['', 'a', TOKEN.slice(0, 1), TOKEN.slice(0, -1), TOKEN, `${TOKEN}x`, 'x'.repeat(100_000), '☃'];
    for (const g of guesses) tokenModule.tokenMatches(TOKEN, g);
    // One compare per guess: no early return on a length mismatch or a wrong first character.
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(guesses.length);
    for (const [a, b] of crypto.timingSafeEqual.mock.calls as [Buffer, Buffer][]) {
      expect([a.length, b.length]).toEqual([32, 32]);
    }
  });
});

describe('webhook receiver: token and body cap', () => {
  let fake: FakeClient;
  let receiver: WebhookReceiver;
  let agent: Agent;

  beforeEach(async () => {
    fake = fakeClient();
    receiver = await startWebhookReceiver({ client: fake.client, token: TOKEN, port: 0, maxBodyBytes: CAP });
    agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  });

  afterEach(async () => {
    await agent.close();
    await receiver.close();
  });

  const post = async (raw: string, path = `/webhook/mj/${TOKEN}`) => {
    const res = await request(`${receiver.url}${path}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  /** A task body of exactly `bytes` bytes. */
  const bodyOf = (bytes: number) => {
    const base = JSON.stringify(taskBody({ prompt: '' }));
    return JSON.stringify(taskBody({ prompt: 'p'.repeat(bytes - base.length) }));
  };

  it('checks the path segment with the constant-time compare, and every wrong guess gets the same answer', async () => {
    crypto.timingSafeEqual.mockClear();
    const answers = await Promise.all(
      ['x', TOKEN.slice(0, -1), `${TOKEN}0`, TOKEN.toUpperCase(), 'y'.repeat(300)].map((g) =>
        post(bodyOf(1_000), `/webhook/mj/${g}`)
      )
    );
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ status: 404, text: 'not found\n' })])
    );
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(answers.length);
    for (const [a, b] of crypto.timingSafeEqual.mock.calls as [Buffer, Buffer][]) {
      expect([a.length, b.length]).toEqual([32, 32]);
    }
    expect(fake.signals).toHaveLength(0);
  });

  it('accepts a body of exactly the cap and refuses one byte more', async () => {
    fake.running.add('mj-job-cap');
    const state = makeStateKey('mj-job-cap', 0);
    const exact = JSON.stringify(taskBody({ state, prompt: '' }));
    const pad = (n: number) => JSON.stringify(taskBody({ state, prompt: 'p'.repeat(n - exact.length) }));
    expect(Buffer.byteLength(pad(CAP))).toBe(CAP);
    expect((await post(pad(CAP))).status).toBe(202);
    expect((await post(pad(CAP + 1))).status).toBe(413);
    expect(fake.signals).toHaveLength(1);
  });

  it('names the field and the rule of a body that is not a task (400)', async () => {
    const noId = await post(JSON.stringify({ ...taskBody(), id: undefined }));
    expect(noId.status).toBe(400);
    expect(JSON.parse(noId.text)).toMatchObject({ error: 'bad_request', issues: expect.stringMatching(/^id: /) });
    const notJson = await post('{"id": ');
    expect(JSON.parse(notJson.text)).toEqual({ error: 'bad_request', issues: 'body: must be valid JSON' });
  });

  /** Raw HTTP on a socket; resolves with what the server answered and how much of `total` bytes it took. */
  function rawPost(path: string, headers: string, total: number): Promise<{ reply: string; sent: number }> {
    const { port } = new URL(receiver.url);
    return new Promise((resolve) => {
      let reply = '';
      let sent = 0;
      let closed = false;
      const socket = net.connect(Number(port), '127.0.0.1');
      const finish = () => {
        if (closed) return;
        closed = true;
        socket.destroy();
        resolve({ reply, sent });
      };
      socket.on('data', (d) => (reply += String(d)));
      socket.on('close', finish);
      socket.on('error', finish);
      socket.on('connect', async () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}\r\n`);
        const chunk = 'x'.repeat(1_024);
        while (sent < total && !closed) {
          const ok = socket.write(headers.includes('chunked') ? `${chunk.length.toString(16)}\r\n${chunk}\r\n` : chunk);
          sent += chunk.length;
          if (!ok) await new Promise((r) => socket.once('drain', r));
          await new Promise((r) => setImmediate(r));
        }
        // Everything was taken: give the server a moment to answer, then hang up ourselves.
        setTimeout(finish, 300);
      });
    });
  }

  it('closes the connection of a wrong-token sender who streams more than the cap, instead of draining it', async () => {
    const total = 4 * 1024 * 1024;
    const r = await rawPost('/webhook/mj/not-the-token', 'Transfer-Encoding: chunked\r\n', total);
    expect(r.reply).toMatch(/^HTTP\/1\.1 404/);
    expect(r.sent).toBeLessThan(total);
  });

  it('answers a wrong-token request that declares an oversized body without reading it', async () => {
    const r = await rawPost('/webhook/mj/not-the-token', `Content-Length: ${64 * CAP}\r\n`, CAP);
    expect(r.reply).toMatch(/^HTTP\/1\.1 404/);
    expect(r.reply.toLowerCase()).toContain('connection: close');
  });
});
