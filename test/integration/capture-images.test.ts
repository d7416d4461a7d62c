/**
 * captureImages against the real simulator over loopback: grids split into four pixel-exact quadrants, upscales
 * stored whole, and links that expired in simulated time recovered by refetching the task.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createCaptureActivities } from '../../src/activities/capture-images';
import { toTaskSnapshot } from '../../src/activities/task-snapshot';
import { LocalAssetStore } from '../../src/assets';
import { MjClient, findButton } from '../../src/mj';
import { ManualClock, startSimulator, type Simulator } from '../../src/simulator';
import type { TaskSnapshot } from '../../src/shared/types';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const DAY_MS = 24 * 3_600_000;

async function rawPixels(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('captureImages against the simulator', () => {
  let clock: ManualClock;
  let sim: Simulator;
  let mj: MjClient;
  let dir: string;
  let store: LocalAssetStore;

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ flavour: 'trueai', clock, seed: 7 });
    mj = new MjClient({ baseUrl: sim.url, flavour: 'trueai' });
    dir = await mkdtemp(path.join(tmpdir(), 'capture-sim-'));
    store = new LocalAssetStore({ dir });
  });
  afterEach(async () => {
    await mj.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function finishedImagine(prompt = 'a lighthouse at dusk'): Promise<TaskSnapshot> {
    const submitted = await mj.submitImagine({ prompt });
    if (!('taskId' in submitted)) throw new Error(`submit not accepted: ${JSON.stringify(submitted)}`);
    sim.completeNow(submitted.taskId);
    const task = toTaskSnapshot(await mj.fetchTask(submitted.taskId));
    expect(task.status).toBe('SUCCESS');
    expect(task.imageUrl).toMatch(/[?&]ex=[0-9a-f]+/);
    return task;
  }

  function imageGets(): number {
    return sim.stats().requests.filter((r) => r.method === 'GET' && r.path.startsWith('/__sim/')).length;
  }
  function taskFetches(id: string): number {
    return sim.stats().requests.filter((r) => r.path.includes(`/task/${id}/fetch`)).length;
  }

  it('stores the grid and four distinct quadrants that match the grid pixel for pixel', async () => {
    const task = await finishedImagine();
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() });
    const images = await captureImages({ jobId: 'mj-job-sim-1', task });

    expect(images.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
    const bytes = await Promise.all(images.map((i) => store.get(i.asset)));
    for (const [i, img] of images.entries()) {
      expect(img.asset.sha256).toBe(sha(bytes[i]));
      expect(img.asset.size).toBe(bytes[i].byteLength);
      expect(img.asset.key).toBe(`images/mj-job-sim-1/${img.asset.sha256}.png`);
      expect(img.sourceUrl).toBe(task.imageUrl);
    }

    const grid = await rawPixels(bytes[0]);
    const w = grid.width / 2;
    const h = grid.height / 2;
    const quadrants = await Promise.all(bytes.slice(1).map(rawPixels));
    const origins = [
      [0, 0],
      [w, 0],
      [0, h],
      [w, h],
    ];
    for (const [q, [left, top]] of origins.entries()) {
      expect([quadrants[q].width, quadrants[q].height]).toEqual([w, h]);
      // Row by row against the grid's own raw pixels, so the check does not trust sharp's extract.
      for (let y = 0; y < h; y++) {
        const start = ((top + y) * grid.width + left) * 3;
        const expected = grid.data.subarray(start, start + w * 3);
        const actual = quadrants[q].data.subarray(y * w * 3, (y + 1) * w * 3);
        if (!expected.equals(actual)) throw new Error(`quadrant ${q + 1} differs from the grid at row ${y}`);
      }
    }
    const distinct = new Set(quadrants.map((q) => sha(q.data)));
    expect(distinct.size).toBe(4);
  });

  it('stores an upscale whole, without splitting it', async () => {
    const grid = await finishedImagine();
    const u2 = await mj.submitAction({
      taskId: grid.id,
      customId: findButton(await mj.fetchTask(grid.id), 'U2').customId,
    });
    if (!('taskId' in u2)) throw new Error(`action not accepted: ${JSON.stringify(u2)}`);
    sim.completeNow(u2.taskId);
    const upscale = toTaskSnapshot(await mj.fetchTask(u2.taskId));
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() });
    const images = await captureImages({ jobId: 'j', task: upscale });
    expect(images.map((i) => i.index)).toEqual([0]);
    const { width, height } = await rawPixels(await store.get(images[0].asset));
    expect(width).toBe(height);
  });

  it('after the link expired in simulated time: sees ex has passed, refetches, and still succeeds', async () => {
    const task = await finishedImagine();
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() });
    const fresh = await captureImages({ jobId: 'j', task });
    await rm(dir, { recursive: true, force: true });

    clock.advance(DAY_MS + 60_000);
    const fetchesBefore = taskFetches(task.id);
    const imagesBefore = imageGets();
    const images = await captureImages({ jobId: 'j', task });

    expect(taskFetches(task.id) - fetchesBefore).toBe(1);
    // Only the fresh link was requested: the stale one was known to be dead from its `ex`.
    expect(imageGets() - imagesBefore).toBe(1);
    expect(images[0].sourceUrl).not.toBe(task.imageUrl);
    // Same picture, same bytes, same keys: a capture after expiry duplicates nothing.
    expect(images.map((i) => i.asset)).toEqual(fresh.map((i) => i.asset));
    expect(await store.has(images[4].asset)).toBe(true);
  });

  it('after the link expired, with a worker clock that does not know it yet: gets 404, refetches, succeeds', async () => {
    const task = await finishedImagine();
    clock.advance(DAY_MS + 60_000);
    // A worker whose clock lags the CDN: the stale link is tried and answered 404.
    const { captureImages } = createCaptureActivities({ store, mj, now: () => clock.now() - 2 * DAY_MS });
    const stale = await fetch(task.imageUrl!);
    expect(stale.status).toBe(404);

    const fetchesBefore = taskFetches(task.id);
    const imagesBefore = imageGets();
    const images = await captureImages({ jobId: 'j', task });
    expect(taskFetches(task.id) - fetchesBefore).toBe(1);
    expect(imageGets() - imagesBefore).toBe(2);
    expect(images).toHaveLength(5);
    expect(sha(await store.get(images[0].asset))).toBe(images[0].asset.sha256);
  });
});
