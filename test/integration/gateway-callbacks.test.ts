/**
 * Durable callbacks: a receiver that is down while changes happen, then up, gets every change, signed with the
 * tenant's secret, in sequence order; the delivery log records each, and replay re-sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SEQUENCE_HEADER } from '../../src/gateway/callbacks/callback-activities';
import { tenantWebhookSecret } from '../../src/gateway/secrets';
import { callbackWorkflowId } from '../../src/tenancy/task-id';
import type { JobChanged, JobMemo } from '../../src/shared/job-memo';
import { SIGNATURE_HEADER, verifyWebhook } from '../../src/webhook/signing';
import { getDeliveriesQuery, jobChangedSignal, replayDeliveriesUpdate } from '../../src/workflows/callback/messages';
import { call, startGatewayStack, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(180_000);

let stack: GatewayStack;
let key: string;
const SECRET = 'c'.repeat(64);

interface Received {
  seq: number;
  body: string;
  signature: string;
}

class Receiver {
  readonly got: Received[] = [];
  private server?: http.Server;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.got.push({
          seq: Number(req.headers[SEQUENCE_HEADER.toLowerCase()]),
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()]),
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async down(): Promise<void> {
    await new Promise<void>((r) => {
      if (!this.server) return r();
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function memo(phase: JobMemo['phase'], progress: string): JobMemo {
  return { v: 1, phase, kind: 'imagine', mode: 'FAST', submitTime: Date.now(), progress, prompt: 'hooked' };
}

beforeAll(async () => {
  stack = await startGatewayStack({
    jobWorker: false,
    gateway: {
      secret: SECRET,
      allowPrivateHooks: true,
      callbackRetry: { initialInterval: '200ms', maximumInterval: '1s' },
    },
  });
  key = (await stack.gateway.tenants.createKey('hooks')).apiKey;
});
afterAll(async () => stack?.stop());

test('a receiver down while the job changes, then up: every change, signed, in order; replay re-sends', async () => {
  const receiver = new Receiver(await freePort());
  const submit = await call(stack, 'POST', '/mj/submit/imagine', {
    key,
    body: { prompt: 'hooked', notifyHook: `http://127.0.0.1:${receiver.port}/hook` },
  });
  expect(submit.json.code).toBe(1);
  const taskId: string = submit.json.result;
  const cb = stack.env.client.workflow.getHandle(callbackWorkflowId('hooks', taskId));
  // The job's changes (signalled by the job workflow at each memo change; sent here so this test does not depend
  // on a job worker), one of them twice and out of order.
  const changes: JobChanged[] = [
    { jobId: 'j', seq: 1, memo: memo('queued', '0%') },
    { jobId: 'j', seq: 3, memo: memo('succeeded', '100%') },
    { jobId: 'j', seq: 2, memo: memo('running', '46%') },
    { jobId: 'j', seq: 2, memo: memo('running', '46%') },
  ];
  for (const c of changes) await cb.signal(jobChangedSignal, c);
  await new Promise((r) => setTimeout(r, 2_500));
  expect(receiver.got).toEqual([]);
  const pending = await cb.query(getDeliveriesQuery);
  expect(pending.records.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);

  await receiver.up();
  const deadline = Date.now() + 30_000;
  while (receiver.got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(receiver.got.map((g) => g.seq)).toEqual([1, 2, 3]);
  const secret = tenantWebhookSecret(SECRET, 'hooks');
  for (const g of receiver.got) {
    expect(verifyWebhook(secret, g.signature, g.body)).toMatchObject({ ok: true });
    expect(verifyWebhook(tenantWebhookSecret(SECRET, 'other'), g.signature, g.body)).toMatchObject({ ok: false });
    const task = JSON.parse(g.body);
    expect(task).toMatchObject({ id: taskId, sequence: g.seq });
  }
  expect(JSON.parse(receiver.got[1]!.body)).toMatchObject({ status: 'IN_PROGRESS', progress: '46%' });
  expect(JSON.parse(receiver.got[2]!.body)).toMatchObject({ status: 'SUCCESS', progress: '100%' });

  const log = await cb.query(getDeliveriesQuery);
  expect(log.records.map((r) => [r.seq, r.status, r.httpStatus])).toEqual([
    [1, 'delivered', 200],
    [2, 'delivered', 200],
    [3, 'delivered', 200],
  ]);
  expect(log.records[0]!.attempts).toBeGreaterThan(1);
  const history = JSON.stringify((await cb.fetchHistory()).events);
  expect(history).not.toContain(secret);

  expect(await cb.executeUpdate(replayDeliveriesUpdate, { args: [{ seq: 2 }] })).toEqual({ queued: 1 });
  while (receiver.got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(receiver.got[3]!.seq).toBe(2);
  await receiver.down();
});
