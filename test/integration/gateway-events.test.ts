/**
 * The job event feed over real HTTP (dev server, simulator, job worker and gateway on loopback): a task stream
 * dropped mid-job and resumed with Last-Event-ID shows every event once and in order; the typed client's gateway
 * iterator resumes by itself across a connection the test cuts; the tenant stream covers only the tenant's own jobs
 * (another tenant's task id is 404, as on fetch); a finished job's past events are served with no worker running.
 * The simulator runs on a manual clock: a job stays at its first upstream status until the test lets it finish, so
 * "mid-job" is certain, not a matter of timing.
 */
import net from 'node:net';
import { MjGatewayClient } from '../../src/client/gateway-events';
import { JOB_MEMO_KEY, type JobMemo } from '../../src/shared/job-memo';
import { ManualClock } from '../../src/simulator';
import { eventually } from '../helpers/eventually';
import type { JobEvent } from '../../src/shared/job-events';
import { isTerminalPhase } from '../../src/shared/job-phases';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(240_000);

let stack: GatewayStack;
let a: string;
let b: string;
const clock = new ManualClock();

beforeAll(async () => {
  stack = await startGatewayStack({ sim: { clock, timeScale: undefined } });
  a = (await stack.gateway.tenants.createKey('events-a')).apiKey;
  b = (await stack.gateway.tenants.createKey('events-b')).apiKey;
});
afterAll(async () => stack?.stop());

interface Frame {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An open SSE response, read frame by frame; `close()` drops the connection. */
async function openStream(path: string, key: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${stack.url}${path}`, {
    headers: { 'mj-api-secret': key, ...headers },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const next = async (): Promise<Frame | undefined> => {
    for (;;) {
      const end = buf.indexOf('\n\n');
      if (end >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':') && !l.startsWith('retry:'));
        if (lines.length === 0) continue;
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field('data');
        return { id: field('id'), event: field('event') ?? 'message', data: data && JSON.parse(data) };
      }
      const chunk = await reader.read();
      if (chunk.done) return undefined;
      buf += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    status: res.status,
    headers: res.headers,
    next,
    /** Frames until the stream's `end` (or its close). */
    async rest(): Promise<Frame[]> {
      const out: Frame[] = [];
      for (let f = await next(); f && f.event !== 'end'; f = await next()) out.push(f);
      return out;
    },
    close: () => ctrl.abort(),
  };
}

async function submit(key: string, prompt: string): Promise<string> {
  const r = await call(stack, 'POST', '/mj/submit/imagine', { key, body: { prompt } });
  expect(r.json.code).toBe(1);
  return r.json.result as string;
}

/** Waits until the job holds its upstream task, then lets the simulator run every task to its end. */
async function finishUpstream(tenant: string, id: string): Promise<void> {
  const handle = stack.env.client.workflow.getHandle(jobWorkflowId(tenant, id));
  await eventually(async () => ((await handle.describe()).memo?.[JOB_MEMO_KEY] as JobMemo)?.taskId, `${id} upstream`);
  clock.advance(3_600_000);
}

const seqs = (frames: Frame[]) => frames.map((f) => (f.data as JobEvent).seq);

test('a task stream dropped mid-job and resumed with Last-Event-ID shows every event once, in order', async () => {
  const id = await submit(a, 'a lighthouse at dawn');
  const first = await openStream(`/mj/task/${id}/events`, a);
  expect(first.status).toBe(200);
  expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const f1 = (await first.next())!;
  expect(f1.event).toBe('job');
  expect(f1.id).toBe(String(f1.data.seq));
  expect(f1.data.jobId).toBe(id);
  expect(f1.data.memo.owner).toBeUndefined();
  // Mid-job for sure: no worker moves the job while the stream is down.
  await stack.stopJobWorker();
  const open = await stack.env.client.workflow.getHandle(jobWorkflowId('events-a', id)).describe();
  expect(open.status.name).toBe('RUNNING');
  first.close();
  await stack.startJobWorker();
  await finishUpstream('events-a', id);

  const resumed = await openStream(`/mj/task/${id}/events`, a, { 'last-event-id': f1.id! });
  const rest = await resumed.rest();
  const seen = [f1, ...rest];
  const all = await openStream(`/mj/task/${id}/events`, a).then((s) => s.rest());
  expect(seqs(seen)).toEqual(seqs(all));
  expect(seqs(all)).toEqual([...seqs(all)].sort((x, y) => x - y));
  expect(new Set(seqs(all)).size).toBe(all.length);
  // Every memo the job published is there: whole seqs 1..n.
  const whole = seqs(all).filter((s) => Number.isInteger(s));
  expect(whole).toEqual(whole.map((_, i) => i + 1));
  const last = all[all.length - 1]!.data as JobEvent;
  expect(last.memo.phase).toBe('succeeded');
  expect(last.types).toContain('result');
  expect(all.some((f) => f.data.types.includes('progress'))).toBe(true);
  expect(all.some((f) => f.data.types.includes('buttons'))).toBe(true);
  const done = await waitForStatus(stack, a, id, ['SUCCESS']);
  expect(done.status).toBe('SUCCESS');
});

test("the typed client's gateway iterator resumes by itself across a dropped connection", async () => {
  // A loopback relay in front of the gateway whose connections the test cuts.
  const target = new URL(stack.url);
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as net.AddressInfo).port;
  try {
    const gw = new MjGatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: a, reconnectMs: 50 });
    const id = await submit(a, 'a fox in the snow');
    const got: JobEvent[] = [];
    let connectionsCut = 0;
    for await (const e of gw.events(id)) {
      got.push(e);
      if (got.length === 1) {
        await stack.stopJobWorker();
        connectionsCut = sockets.size;
        for (const s of sockets) s.destroy();
        await stack.startJobWorker();
        await finishUpstream('events-a', id);
      }
    }
    expect(connectionsCut).toBeGreaterThan(0);
    expect(got[got.length - 1]!.memo.phase).toBe('succeeded');
    const all: JobEvent[] = [];
    for await (const e of new MjGatewayClient({ baseUrl: stack.url, apiKey: a }).events(id)) all.push(e);
    expect(got.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    // The in-process iterator (Temporal-backed client) reads the same feed.
    const inProcess: JobEvent[] = [];
    for await (const e of stack.gateway.app.mj.events(jobWorkflowId('events-a', id), { after: all[0]!.seq })) {
      inProcess.push(e);
    }
    expect(inProcess.map((e) => e.seq)).toEqual(all.slice(1).map((e) => e.seq));
  } finally {
    relay.close();
    for (const s of sockets) s.destroy();
  }
});

test("the tenant stream sees only the tenant's jobs; another tenant's task is 404", async () => {
  const bStream = await openStream('/mj/events', b);
  expect(bStream.status).toBe(200);
  const aStream = await openStream('/mj/events', a);
  const aTask = await submit(a, 'a red kite over hills');
  await finishUpstream('events-a', aTask);
  await waitForStatus(stack, a, aTask, ['SUCCESS']);
  expect((await call(stack, 'GET', `/mj/task/${aTask}/events`, { key: b })).status).toBe(404);
  const never = await call(stack, 'GET', '/mj/task/1700000000000001/events', { key: b });
  expect(never.status).toBe(404);
  const theirs = await call(stack, 'GET', `/mj/task/${aTask}/events`, { key: b });
  expect(theirs.text).toBe(never.text);

  // A's stream carries A's job to its end, with a resumable cursor.
  const aFrames: Frame[] = [];
  for (let f = await aStream.next(); f; f = await aStream.next()) {
    if (f.data.jobId !== aTask) continue;
    aFrames.push(f);
    if (isTerminalPhase(f.data.memo.phase)) break;
  }
  aStream.close();
  expect(aFrames[0]!.data.seq).toBe(1);
  // Resuming after the first event gives the rest of A's job once.
  const resumed = await openStream('/mj/events', a, { 'last-event-id': aFrames[0]!.id! });
  const again: Frame[] = [];
  for (let f = await resumed.next(); f; f = await resumed.next()) {
    if (f.data.jobId === aTask) again.push(f);
    if (f.data.jobId === aTask && isTerminalPhase(f.data.memo.phase)) break;
  }
  resumed.close();
  expect(seqs(again)).toEqual(seqs(aFrames).slice(1));

  // B's stream was open all along: the first job it shows is B's own, started after A's ended.
  const bTask = await submit(b, 'a blue heron');
  await finishUpstream('events-b', bTask);
  const bFrames: Frame[] = [];
  for (let f = await bStream.next(); f; f = await bStream.next()) {
    bFrames.push(f);
    if (f.data.jobId === bTask && isTerminalPhase(f.data.memo.phase)) break;
  }
  bStream.close();
  expect(new Set(bFrames.map((f) => f.data.jobId))).toEqual(new Set([bTask]));
});

test("a finished job's past events are served with no worker running", async () => {
  const id = await submit(a, 'a quiet harbour');
  await finishUpstream('events-a', id);
  await waitForStatus(stack, a, id, ['SUCCESS']);
  const live = await openStream(`/mj/task/${id}/events`, a).then((s) => s.rest());
  await stack.stopJobWorker();
  try {
    stack.gateway.app.views?.invalidate(jobWorkflowId('events-a', id));
    // Nothing kept in memory: the feed of the finished job was dropped when its reader left.
    expect(stack.gateway.app.mj.feed.openFeeds).toBe(0);
    const past = await openStream(`/mj/task/${id}/events`, a, { 'last-event-id': '0' }).then((s) => s.rest());
    expect(past[0]!.data.seq).toBe(1);
    expect(past[past.length - 1]!.data.memo.phase).toBe('succeeded');
    expect(past.map((f) => f.data)).toEqual(live.map((f) => f.data));
  } finally {
    await stack.startJobWorker();
  }
});

test('a bad Last-Event-ID is refused naming the header', async () => {
  const id = await submit(a, 'a small boat');
  const r = await call(stack, 'GET', `/mj/task/${id}/events`, { key: a, headers: { 'last-event-id': 'yesterday' } });
  expect(r.status).toBe(400);
  expect(r.json.description).toMatch(/^Last-Event-ID /);
  const t = await call(stack, 'GET', '/mj/events', { key: a, headers: { 'last-event-id': 'x;y' } });
  expect(t.status).toBe(400);
  expect((await call(stack, 'GET', `/mj/task/${id}/events`)).status).toBe(401);
});
