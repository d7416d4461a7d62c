/**
 * captureImages behind the simulator's new-api gateway over loopback (behaviour 4 of the simulator's new-api model): the relay URL a SUCCESS
 * carries works while the upstream's signed link lives, and once it expired the relay's 404 ends capture at once
 * with the typed, non-retryable `ImageExpired`, without refetching a task that can only repeat the dead URL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createCaptureActivities, IMAGE_EXPIRED, isRelayGone } from '../../src/activities/capture-images';
import { toTaskSnapshot } from '../../src/activities/task-snapshot';
import { LocalAssetStore } from '../../src/assets';
import { MjClient } from '../../src/mj';
import { ManualClock, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import type { TaskSnapshot } from '../../src/shared/types';

const DAY_MS = 24 * 3_600_000;
const POLL = 15_000;

describe('captureImages behind a new-api gateway', () => {
  let clock: ManualClock;
  let sim: Simulator;
  let mj: MjClient;
  let store: LocalAssetStore;
  const cleanups: (() => Promise<unknown>)[] = [];

  async function open(gateway: SimulatorOptions['gateway'] = {}): Promise<void> {
    clock = new ManualClock();
    sim = await startSimulator({ flavour: 'gateway', clock, seed: 5, gateway });
    mj = new MjClient({ baseUrl: sim.url, flavour: 'gateway' });
    const dir = await mkdtemp(path.join(tmpdir(), 'capture-gw-'));
    store = new LocalAssetStore({ dir });
    const [client, server] = [mj, sim];
    cleanups.push(
      () => client.close(),
      () => server.close(),
      () => rm(dir, { recursive: true, force: true })
    );
  }
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function finished(prompt = 'a lighthouse at dusk'): Promise<TaskSnapshot> {
    const submitted = await mj.submitImagine({ prompt });
    if (!('taskId' in submitted)) throw new Error(`submit not accepted: ${JSON.stringify(submitted)}`);
    sim.completeNow(submitted.taskId);
    clock.advance(POLL);
    const task = toTaskSnapshot(await mj.fetchTask(submitted.taskId));
    expect(task.status).toBe('SUCCESS');
    return task;
  }

  const requestsFor = (id: string) => sim.stats().requests.filter((r) => r.path.includes(id));

  it('captures the grid through the relay at SUCCESS', async () => {
    await open();
    const task = await finished();
    expect(task.imageUrl).toBe(`${sim.url}/mj/image/${task.id}`);
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() });
    const images = await captureImages({ jobId: 'j', task });
    expect(images).toHaveLength(5);
    expect(images[0].sourceUrl).toBe(task.imageUrl);
  });

  it('fails at once with ImageExpired, no refetch and no retry, once the upstream link expired', async () => {
    await open();
    const task = await finished();
    clock.advance(DAY_MS + 60_000);
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() });
    const before = requestsFor(task.id).length;
    const err = await captureImages({ jobId: 'j', task }).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect([failure.type, failure.nonRetryable]).toEqual([IMAGE_EXPIRED, true]);
    expect(failure.message).toMatch(/relay .*\/mj\/image\/\d+ answered 404/);
    expect(failure.details?.[0]).toEqual({ taskId: task.id, field: 'imageUrl', rule: 'relay-alive', status: 404 });
    // One GET of the relay; no fetch of the task, which would only repeat the same URL.
    expect(
      requestsFor(task.id)
        .slice(before)
        .map((r) => `${r.method} ${r.path} ${r.status}`)
    ).toEqual([`GET /mj/image/${task.id} 404`]);
    // The gateway still says SUCCESS with the dead URL: refetching could not have helped.
    expect((await mj.fetchTask(task.id)).imageUrl).toBe(task.imageUrl);
  });

  it('without the relay, an expired CDN link is still refetched (a proxy may hand out a fresh one)', async () => {
    await open({ imageRelay: false });
    const task = await finished();
    clock.advance(DAY_MS + 60_000);
    // A worker clock behind the CDN's, so the stale link is tried and answered 404 by the CDN, not the relay.
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() - 2 * DAY_MS });
    const before = requestsFor(task.id).length;
    const err = (await captureImages({ jobId: 'j', task }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(err.type).not.toBe(IMAGE_EXPIRED);
    expect(
      requestsFor(task.id)
        .slice(before)
        .some((r) => r.path.endsWith('/fetch'))
    ).toBe(true);
  });

  it('recognises only a relay path answering JSON 404', () => {
    const body = JSON.stringify({ error: 'This content is no longer available.' });
    expect(isRelayGone('http://gw/mj/image/1767225600000123', 404, body)).toBe(true);
    expect(isRelayGone('http://gw/mj/image/1767225600000123', 403, body)).toBe(false);
    expect(isRelayGone('https://cdn.discordapp.com/attachments/1/2/a.png', 404, body)).toBe(false);
    expect(isRelayGone('http://gw/mj/image/1', 404, 'This content is no longer available.')).toBe(false);
  });
});
