/** Per-upstream webhook tokens: derivation, and the receiver mapping a token to its upstream. */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { makeStateKey } from '../../../src/shared/state-key';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/webhook/receiver';
import { matchToken, upstreamToken } from '../../../src/webhook/token';
import { fakeClient, taskBody, type FakeClient } from './fake-client';

const TOKEN = 'tok_3f9a2c71e4b85d06a1c94e7f';

describe('upstreamToken', () => {
  it('is HMAC-SHA256(token, id) hex, 32 characters, different per upstream and per secret', () => {
    // A fixed derivation, so a receiver in another language can compute the same paths.
    const expected = createHmac('sha256', TOKEN).update('b').digest('hex').slice(0, 32);
    expect(upstreamToken(TOKEN, 'b')).toBe(expected);
    expect(upstreamToken(TOKEN, 'b')).toMatch(/^[0-9a-f]{32}$/);
    expect(upstreamToken(TOKEN, 'a')).not.toBe(upstreamToken(TOKEN, 'b'));
    expect(upstreamToken(`${TOKEN}x`, 'b')).not.toBe(upstreamToken(TOKEN, 'b'));
  });

  it('matchToken tells the legacy token, an upstream token and a stranger apart', () => {
    expect(matchToken(TOKEN, ['a', 'b'], TOKEN)).toEqual({ upstreamId: undefined });
    expect(matchToken(TOKEN, ['a', 'b'], upstreamToken(TOKEN, 'b'))).toEqual({ upstreamId: 'b' });
    expect(matchToken(TOKEN, ['a'], upstreamToken(TOKEN, 'b'))).toBeNull();
    expect(matchToken(TOKEN, ['a', 'b'], '')).toBeNull();
  });
});

describe('webhook receiver with upstream tokens', () => {
  let fake: FakeClient;
  let receiver: WebhookReceiver;
  let agent: Agent;

  beforeEach(async () => {
    fake = fakeClient();
    fake.running.add('mj-job-a');
    receiver = await startWebhookReceiver({ client: fake.client, token: TOKEN, upstreamIds: ['a', 'b'], port: 0 });
    agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  });

  afterEach(async () => {
    await agent.close();
    await receiver.close();
  });

  const post = async (token: string) => {
    const res = await request(`${receiver.url}/webhook/mj/${token}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(taskBody({ state: makeStateKey('mj-job-a', 0) })),
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it("a delivery with upstream B's token wakes the job with upstreamId B", async () => {
    expect((await post(upstreamToken(TOKEN, 'b'))).status).toBe(202);
    expect(fake.signals).toHaveLength(1);
    expect(fake.signals[0]!.arg).toMatchObject({ taskId: '1730000000000001', upstreamId: 'b' });
  });

  it('the legacy token still works and names no upstream', async () => {
    expect((await post(TOKEN)).status).toBe(202);
    expect(fake.signals[0]!.arg).not.toHaveProperty('upstreamId');
  });

  it("a wrong token, or an unconfigured upstream's token, gets the same 404 as today", async () => {
    expect(await post(upstreamToken(TOKEN, 'c'))).toEqual({ status: 404, text: 'not found\n' });
    expect(await post(upstreamToken('another-secret-of-enough-length', 'b'))).toEqual({
      status: 404,
      text: 'not found\n',
    });
    expect(fake.signals).toHaveLength(0);
  });

  it('the same task reported through two upstream tokens is not deduplicated across them', async () => {
    await post(upstreamToken(TOKEN, 'a'));
    await post(upstreamToken(TOKEN, 'b'));
    expect(fake.signals.map((s) => (s.arg as { upstreamId: string }).upstreamId)).toEqual(['a', 'b']);
  });
});
