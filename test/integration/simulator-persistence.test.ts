/**
 * `stateFile`: a simulator stopped and started again on the same file resumes its tasks, clock, queues, uploads and
 * pending webhooks, over real loopback HTTP. Each "restart" closes one simulator and starts a new one (new port,
 * new clock object) on the file, as `npm start` after Ctrl-C does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, SimStateError, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import {
  agent,
  decodePng,
  fetchTask,
  finishedAction,
  finishedImagine,
  get,
  http,
  imagine,
  pngDataUrl,
  post,
} from '../helpers/simulator-support';

afterAll(() => agent.close());

let dir: string;
let file: string;
const open: Simulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sim-state-'));
  file = path.join(dir, 'nested', 'simulator.json');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function boot(opts: SimulatorOptions = {}): Promise<{ sim: Simulator; clock: ManualClock }> {
  const clock = new ManualClock();
  const sim = await startSimulator({ seed: 1, stateFile: file, clock, ...opts });
  open.push(sim);
  return { sim, clock };
}

async function restart(sim: Simulator, opts: SimulatorOptions = {}) {
  await sim.close();
  return boot(opts);
}

const MINUTE = 60_000;

describe('simulator stateFile', () => {
  it('a RELAX task keeps running across a restart and reaches SUCCESS with one submit', async () => {
    let { sim, clock } = await boot();
    const id = await imagine(sim, 'a sleeping fox', { state: 'job-1' }, '/mj-relax/mj/submit/imagine');
    clock.advance(5 * MINUTE + 3 * MINUTE);
    const before = await fetchTask(sim, id);
    expect(before).toMatchObject({ status: 'IN_PROGRESS', mode: 'RELAX' });
    const savedAt = clock.now();

    ({ sim, clock } = await restart(sim));
    expect(clock.now()).toBe(savedAt);
    const after = await fetchTask(sim, id);
    expect(after).toMatchObject({ status: 'IN_PROGRESS', progress: before.progress, submitTime: before.submitTime });

    clock.advance(10 * MINUTE);
    const done = await fetchTask(sim, id);
    expect(done).toMatchObject({ status: 'SUCCESS', state: 'job-1' });
    expect(sim.stats()).toMatchObject({
      submitsByState: { 'job-1': 1 },
      submitsByEndpoint: { 'submit/imagine': 1 },
      tasks: 1,
    });
    // Links issued after the restart verify, and so do the buttons' hashes.
    const img = await http(done.imageUrl as string, 'GET', '');
    expect(img.status).toBe(200);
    expect(done.buttons[0].customId).toContain(after.properties.messageHash);
  });

  it('a scaled clock resumes at the saved simulated time, not at the wall clock', async () => {
    const first = await startSimulator({ stateFile: file, timeScale: 3_600, clock: undefined });
    open.push(first);
    const id = await imagine(first, 'a fox');
    await new Promise((r) => setTimeout(r, 200)); // 12 simulated minutes
    await first.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')).clockNow as number;
    expect(saved).toBeGreaterThan(Date.now() + 5 * MINUTE);
    const second = await startSimulator({ stateFile: file, timeScale: 3_600 });
    open.push(second);
    expect(second.clock.now()).toBeGreaterThanOrEqual(saved);
    expect(second.clock.now()).toBeLessThan(saved + 5 * MINUTE);
    expect((await fetchTask(second, id)).status).toBe('SUCCESS');
  });

  it('the task is on disk before the submit is answered', async () => {
    const { sim } = await boot();
    const id = await imagine(sim, 'a cat');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.engine.tasks.map((t: { id: string }) => t.id)).toEqual([id]);
  });

  it('queued tasks keep their places, and a second restart resumes again', async () => {
    let { sim } = await boot({ concurrency: { FAST: 1 } });
    let clock: ManualClock;
    const first = await imagine(sim, 'one');
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'two' });
    expect(res.json.code).toBe(22);
    const second = String(res.json.result);
    ({ sim, clock } = await restart(sim, { concurrency: { FAST: 1 } }));
    expect((await fetchTask(sim, second)).status).toBe('NOT_START');
    clock.advance(50_000);
    expect((await fetchTask(sim, first)).status).toBe('SUCCESS');
    expect((await fetchTask(sim, second)).status).toBe('SUBMITTED');
    ({ sim, clock } = await restart(sim, { concurrency: { FAST: 1 } }));
    clock.advance(50_000);
    expect((await fetchTask(sim, second)).status).toBe('SUCCESS');
    // A resumed run hands out fresh ids and hashes, never one it already gave.
    const third = await imagine(sim, 'three');
    expect([first, second]).not.toContain(third);
  });

  it('a MODAL child survives a restart and takes its modal afterwards', async () => {
    const first = (await boot()).sim;
    const up = await finishedAction(first, await finishedImagine(first), 'upsample::1::');
    const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::')).customId;
    const child = String((await post(first, '/mj/submit/action', { taskId: up.id, customId: region })).json.result);
    const { sim, clock } = await restart(first);
    expect((await fetchTask(sim, child)).status).toBe('MODAL');
    const res = await post(sim, '/mj/submit/modal', { taskId: child, prompt: 'a hat', maskBase64: pngDataUrl() });
    expect(res.json.code).toBe(1);
    clock.advance(MINUTE);
    expect((await fetchTask(sim, child)).status).toBe('SUCCESS');
  });

  it('uploads are kept: a reference image link still serves its bytes after a restart', async () => {
    let { sim } = await boot();
    const id = await imagine(sim, 'a cat', { base64Array: [pngDataUrl(4)] });
    const link = /\S+\/__sim\/attachments\/\S+/.exec((await fetchTask(sim, id)).promptEn as string)![0];
    const attachment = link.slice(link.indexOf('/__sim/'));
    ({ sim } = await restart(sim));
    const res = await get(sim, attachment);
    expect(res.status).toBe(200);
    expect(decodePng(res.bytes).width).toBe(4);
  });

  it('the gateway one-hour timeout keeps counting across a restart', async () => {
    let { sim, clock } = await boot({ flavour: 'gateway' });
    const id = await imagine(sim, 'a slow fox --sim-duration 7200');
    clock.advance(30 * MINUTE);
    ({ sim, clock } = await restart(sim, { flavour: 'gateway' }));
    clock.advance(30 * MINUTE);
    expect((await fetchTask(sim, id)).status).toBe('IN_PROGRESS');
    clock.advance(15_000);
    expect((await fetchTask(sim, id)).status).toBe('FAILURE');
  });

  it('the gateway table and its poller resume: a stub answered before the stop becomes SUCCESS after it', async () => {
    const first = (await boot({ flavour: 'gateway' })).sim;
    const id = await imagine(first, 'a cat', { state: 'g-1' });
    expect((await fetchTask(first, id)).status).toBe('');
    const { sim, clock } = await restart(first, { flavour: 'gateway' });
    expect((await fetchTask(sim, id)).status).toBe('');
    clock.advance(60_000);
    expect(await fetchTask(sim, id)).toMatchObject({ status: 'SUCCESS', state: 'g-1' });
    expect(sim.stats().submitsByState).toEqual({ 'g-1': 1 });
  });

  it('a webhook cut off by the stop is delivered after the start', async () => {
    const bodies: { status: string }[] = [];
    const hung: ServerResponse[] = [];
    let hang = true;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (hang) hung.push(res);
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      let { sim } = await boot({ webhookTimeoutMs: 60_000 });
      const id = await imagine(sim, 'a cat', { notifyHook: hook });
      await waitFor(() => bodies.length === 1);
      hang = false;
      ({ sim } = await restart(sim));
      await sim.webhooksIdle();
      expect(bodies.map((b) => b.status)).toEqual(['SUBMITTED', 'SUBMITTED']);
      expect((await fetchTask(sim, id)).status).toBe('SUBMITTED');
      // Delivered once now: the saved state no longer lists it.
      await sim.close();
      expect(JSON.parse(readFileSync(file, 'utf8')).webhooks).toEqual([]);
    } finally {
      for (const res of hung) res.destroy();
      await new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeAllConnections();
      });
    }
  });

  it('refuses a file of another flavour or one that is not a state, naming the file', async () => {
    const { sim } = await boot();
    await imagine(sim, 'a cat');
    await sim.close();
    await expect(boot({ flavour: 'plus' })).rejects.toThrow(/holds a trueai simulator, not plus/);
    writeFileSync(file, '{"hello":1}');
    await expect(boot()).rejects.toThrow(SimStateError);
    writeFileSync(file, 'not json');
    await expect(boot()).rejects.toThrow(new RegExp(`stateFile ${file.replace(/[/\\.]/g, '\\$&')}: is not JSON`));
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
