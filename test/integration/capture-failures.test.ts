/**
 * captureImages against a loopback fake CDN: expiry and refetch, transient errors, size caps, grids vs singles,
 * video, redirects, cancellation. The happy path against the real simulator lives in capture-images.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import sharp from 'sharp';
import { Agent } from 'undici';
import {
  IMAGE_DOWNLOAD_FAILED,
  IMAGE_TOO_LARGE,
  IMAGE_UNAVAILABLE,
  createCaptureActivities,
  isGridTask,
  urlExpiresAt,
  type TaskFetcher,
} from '../../src/activities/capture-images';
import { LocalAssetStore } from '../../src/assets';
import { MjTaskNotFoundError, classifyButton, type MjTask } from '../../src/mj';
import type { TaskSnapshot } from '../../src/shared/types';

const W = 64;
const H = 48;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** RGB of pixel (x, y) of the test grid: each quadrant has its own base colour plus a gradient, so none are equal. */
function gridPixel(x: number, y: number): [number, number, number] {
  const q = (x >= W / 2 ? 1 : 0) + (y >= H / 2 ? 2 : 0);
  return [(q * 60 + x) % 256, (q * 37 + y * 3) % 256, (q * 90 + x + y) % 256];
}

function rawRegion(left: number, top: number, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.set(gridPixel(left + x, top + y), (y * width + x) * 3);
  }
  return out;
}

let gridPng: Buffer;
const mp4 = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42\0\0\0\0mp42isom'), Buffer.alloc(64, 7)]);

type Handler = (res: ServerResponse) => void;
interface Cdn {
  url: string;
  server: Server;
  routes: Map<string, Handler>;
  hits: Map<string, number>;
}

function startCdn(): Promise<Cdn> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const p = new URL(req.url!, 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const route = routes.get(p);
    if (!route) {
      res.statusCode = 404;
      res.end('Not Found');
      return;
    }
    route(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, routes, hits })
    )
  );
}

const send =
  (body: Buffer | string, status = 200, headers: Record<string, string> = {}): Handler =>
  (res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

function gridButtons(): TaskSnapshot['buttons'] {
  const ids = [1, 2, 3, 4].flatMap((i) => [`MJ::JOB::upsample::${i}::h`, `MJ::JOB::variation::${i}::h`]);
  return [...ids, 'MJ::JOB::reroll::0::h::SOLO'].map((customId) => {
    const b = { customId, emoji: '', label: '', type: 2, style: 2 };
    return { ...b, intent: classifyButton(b) };
  });
}

function snapshot(over: Partial<TaskSnapshot>): TaskSnapshot {
  return {
    id: 'task-1',
    action: 'IMAGINE',
    status: 'SUCCESS',
    prompt: 'cat',
    finalPrompt: 'cat',
    progress: '100%',
    progressPct: 100,
    imageUrl: null,
    imageUrls: [],
    videoUrl: null,
    videoUrls: [],
    failReason: null,
    parentId: null,
    mode: 'FAST',
    submitTime: 1,
    startTime: 2,
    finishTime: 3,
    buttons: [],
    ...over,
  };
}

function fetcherReturning(over: Partial<MjTask>): TaskFetcher & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetchTask: async (id: string) => {
      calls.push(id);
      return {
        ...(snapshot({}) as unknown as MjTask),
        promptEn: '',
        description: '',
        state: null,
        properties: {},
        ...over,
      };
    },
  };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('captureImages against a fake CDN', () => {
  let cdn: Cdn;
  let dir: string;
  let store: LocalAssetStore;
  const exFuture = (Math.floor(Date.now() / 1000) + 86_400).toString(16);
  const exPast = (Math.floor(Date.now() / 1000) - 60).toString(16);

  beforeAll(async () => {
    gridPng = await sharp(rawRegion(0, 0, W, H), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    cdn = await startCdn();
  });
  afterAll(async () => {
    await new Promise((r) => cdn.server.close(r));
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'capture-'));
    store = new LocalAssetStore({ dir });
    cdn.routes.clear();
    cdn.hits.clear();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a grid and its four quadrants, pixel-exact, top-left to bottom-right', async () => {
    cdn.routes.set('/grid.png', send(gridPng, 200, { 'content-type': 'image/png' }));
    const mj = fetcherReturning({});
    const { captureImages } = createCaptureActivities({ store, mj });
    const url = `${cdn.url}/grid.png?ex=${exFuture}&is=0&hm=abc`;
    const images = await captureImages({
      jobId: 'mj-job-a',
      task: snapshot({ imageUrl: url, buttons: gridButtons() }),
    });

    expect(images.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
    expect(images.every((i) => i.sourceUrl === url)).toBe(true);
    expect(images[0].asset).toMatchObject({ sha256: sha(gridPng), size: gridPng.length, contentType: 'image/png' });
    expect(images[0].asset.key).toBe(`images/mj-job-a/${sha(gridPng)}.png`);
    const rects = [
      [0, 0],
      [W / 2, 0],
      [0, H / 2],
      [W / 2, H / 2],
    ];
    for (const [i, [left, top]] of rects.entries()) {
      const bytes = await store.get(images[i + 1].asset);
      expect(sha(bytes)).toBe(images[i + 1].asset.sha256);
      const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([W / 2, H / 2]);
      expect(data.equals(rawRegion(left, top, W / 2, H / 2))).toBe(true);
    }
    expect(new Set(images.map((i) => i.asset.sha256)).size).toBe(5);
    expect(mj.calls).toEqual([]);
  });

  it('is idempotent: a second run (an activity retry) stores nothing new', async () => {
    cdn.routes.set('/grid.png', send(gridPng));
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}) });
    const task = snapshot({ imageUrl: `${cdn.url}/grid.png`, buttons: gridButtons() });
    const first = await captureImages({ jobId: 'j', task });
    const second = await captureImages({ jobId: 'j', task });
    expect(second).toEqual(first);
    expect((await readdir(path.join(dir, 'images', 'j'))).sort()).toEqual(
      first.map((i) => i.asset.key.split('/')[2]).sort()
    );
  });

  it('does not split an upscale', async () => {
    cdn.routes.set('/u.png', send(gridPng));
    const up = ['MJ::JOB::upsample_v7_2x_subtle::1::h::SOLO', 'MJ::Inpaint::1::h::SOLO'].map((customId) => {
      const b = { customId, emoji: '', label: '', type: 2, style: 2 };
      return { ...b, intent: classifyButton(b) };
    });
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}) });
    const images = await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/u.png`, buttons: up }),
    });
    expect(images.map((i) => i.index)).toEqual([0]);
  });

  it('decides grid vs single from buttons first, then from the action', () => {
    expect(isGridTask(snapshot({ buttons: gridButtons(), action: 'WHATEVER' }))).toBe(true);
    expect(isGridTask(snapshot({ action: 'IMAGINE' }))).toBe(true);
    expect(isGridTask(snapshot({ action: 'blend' }))).toBe(true);
    expect(isGridTask(snapshot({ action: 'UPSCALE' }))).toBe(false);
    expect(isGridTask(snapshot({ action: 'DESCRIBE' }))).toBe(false);
    expect(isGridTask(snapshot({ action: 'VIDEO', videoUrl: 'http://x/v.mp4' }))).toBe(false);
    const hd = { customId: 'MJ::JOB::upsample_v6_2x_creative::1::h::SOLO', emoji: '', label: '', type: 2, style: 2 };
    expect(isGridTask(snapshot({ action: 'VARIATION', buttons: [{ ...hd, intent: classifyButton(hd) }] }))).toBe(false);
  });

  it('reads ex as hex unix seconds', () => {
    expect(urlExpiresAt('https://cdn.discordapp.com/a.png?ex=6650a1b2&is=1&hm=2')).toBe(0x6650a1b2 * 1000);
    expect(urlExpiresAt('https://cdn.example/a.png')).toBeNull();
    expect(urlExpiresAt('not a url')).toBeNull();
  });

  it('refetches the task after a 404 and succeeds with the fresh URL', async () => {
    cdn.routes.set('/fresh.png', send(gridPng));
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/fresh.png?ex=${exFuture}` });
    const { captureImages } = createCaptureActivities({ store, mj });
    const images = await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/stale.png?ex=${exFuture}` }),
    });
    expect(mj.calls).toEqual(['task-1']);
    expect(cdn.hits.get('/stale.png')).toBe(1);
    expect(images).toHaveLength(1);
    expect(images[0].sourceUrl).toBe(`${cdn.url}/fresh.png?ex=${exFuture}`);
  });

  it.each([403, 410])('treats HTTP %i as an expired link', async (status) => {
    cdn.routes.set('/old.png', send('AccessDenied', status));
    cdn.routes.set('/fresh.png', send(gridPng));
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/fresh.png` });
    const { captureImages } = createCaptureActivities({ store, mj });
    await captureImages({ jobId: 'j', task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/old.png` }) });
    expect(mj.calls).toHaveLength(1);
  });

  it('skips a link whose ex has passed and goes straight to a refetch', async () => {
    cdn.routes.set('/stale.png', send(gridPng));
    cdn.routes.set('/fresh.png', send(gridPng));
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/fresh.png?ex=${exFuture}` });
    const { captureImages } = createCaptureActivities({ store, mj });
    await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/stale.png?ex=${exPast}` }),
    });
    expect(cdn.hits.get('/stale.png')).toBeUndefined();
    expect(cdn.hits.get('/fresh.png')).toBe(1);
  });

  it('uses the injected clock for the ex check', async () => {
    cdn.routes.set('/a.png', send(gridPng));
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/a.png` });
    const { captureImages } = createCaptureActivities({ store, mj, now: () => Date.now() + 2 * 86_400_000 });
    await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/a.png?ex=${exFuture}` }),
    });
    expect(mj.calls).toHaveLength(1);
  });

  it('refetches when a 200 carries no image (an HTML error page)', async () => {
    cdn.routes.set('/html.png', send('<html>expired</html>', 200, { 'content-type': 'text/html' }));
    cdn.routes.set('/fresh.png', send(gridPng));
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/fresh.png` });
    const { captureImages } = createCaptureActivities({ store, mj });
    const images = await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/html.png` }),
    });
    expect(images[0].asset.sha256).toBe(sha(gridPng));
  });

  it('fails retryably with ImageUnavailable when the refetched URL fails too', async () => {
    const mj = fetcherReturning({ imageUrl: `${cdn.url}/also-gone.png`, status: 'SUCCESS' });
    const { captureImages } = createCaptureActivities({ store, mj });
    const f = await failureOf(
      captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/gone.png?ex=${exFuture}&hm=secret` }) })
    );
    expect(f.type).toBe(IMAGE_UNAVAILABLE);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('HTTP 404');
    expect(f.details).toEqual([{ taskId: 'task-1', status: 'SUCCESS' }]);
    expect(cdn.hits.get('/gone.png')).toBe(1);
    expect(cdn.hits.get('/also-gone.png')).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails with ImageUnavailable when the refetched task has no image URL', async () => {
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({ imageUrl: null }) });
    const f = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/gone.png` }) }));
    expect(f.type).toBe(IMAGE_UNAVAILABLE);
    expect(f.message).toContain('no image URL');
  });

  it('maps a refetch error from the MJ client by its retryable flag', async () => {
    const mj: TaskFetcher = {
      fetchTask: async (id: string) => {
        throw new MjTaskNotFoundError(id, { status: 404 });
      },
    };
    const { captureImages } = createCaptureActivities({ store, mj });
    const f = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/gone.png` }) }));
    expect(f.type).toBe('MjTaskNotFoundError');
    expect(f.nonRetryable).toBe(false);
    expect(f.details).toEqual([{ code: 'MJ_TASK_NOT_FOUND', status: 404 }]);
  });

  it('fails retryably on 5xx without a refetch, and honours Retry-After on 429', async () => {
    cdn.routes.set('/busy.png', send('oops', 503));
    cdn.routes.set('/slow.png', send('slow down', 429, { 'retry-after': '7' }));
    const mj = fetcherReturning({});
    const { captureImages } = createCaptureActivities({ store, mj });
    const f = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/busy.png` }) }));
    expect([f.type, f.nonRetryable]).toEqual([IMAGE_DOWNLOAD_FAILED, false]);
    const g = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/slow.png` }) }));
    expect(g.type).toBe(IMAGE_DOWNLOAD_FAILED);
    expect(g.nextRetryDelay).toBe(7000);
    expect(mj.calls).toEqual([]);
  });

  it('caps the size, by Content-Length and while streaming', async () => {
    cdn.routes.set('/big.png', send(gridPng));
    cdn.routes.set('/chunked.png', (res) => {
      res.writeHead(200);
      res.write(gridPng.subarray(0, 100));
      res.end(gridPng.subarray(100));
    });
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}), maxImageBytes: 200 });
    for (const p of ['/big.png', '/chunked.png']) {
      const f = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}${p}` }) }));
      expect([f.type, f.nonRetryable]).toEqual([IMAGE_TOO_LARGE, true]);
    }
  });

  it('times out a stalled download', async () => {
    cdn.routes.set('/stall.png', (res) => {
      res.writeHead(200);
      res.write(gridPng.subarray(0, 10));
    });
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}), timeoutMs: 300 });
    const f = await failureOf(captureImages({ jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/stall.png` }) }));
    expect(f.type).toBe(IMAGE_DOWNLOAD_FAILED);
    expect(f.message).toMatch(/timed out after 300 ms/);
  });

  it('follows a redirect (gateway /mj/image/<id> to the CDN)', async () => {
    cdn.routes.set('/mj/image/task-1', send('', 302, { location: '/grid.png' }));
    cdn.routes.set('/grid.png', send(gridPng));
    const agent = new Agent();
    try {
      const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}), dispatcher: agent });
      const images = await captureImages({
        jobId: 'j',
        task: snapshot({ action: 'UPSCALE', imageUrl: `${cdn.url}/mj/image/task-1` }),
      });
      expect(images[0].asset.sha256).toBe(sha(gridPng));
      expect(cdn.hits.get('/mj/image/task-1')).toBe(1);
    } finally {
      await agent.close();
    }
  });

  it('captures a video once when imageUrl repeats it (T), and next to the image otherwise', async () => {
    cdn.routes.set('/v.mp4', send(mp4, 200, { 'content-type': 'video/mp4' }));
    cdn.routes.set('/thumb.webp', send(await sharp(gridPng).webp().toBuffer()));
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}) });
    const v = `${cdn.url}/v.mp4`;
    const only = await captureImages({ jobId: 'j', task: snapshot({ action: 'VIDEO', imageUrl: v, videoUrl: v }) });
    expect(only).toHaveLength(1);
    expect(only[0]).toMatchObject({ index: 0, sourceUrl: v, asset: { contentType: 'video/mp4', sha256: sha(mp4) } });
    expect(only[0].asset.key).toMatch(/\.mp4$/);
    const both = await captureImages({
      jobId: 'j',
      task: snapshot({ action: 'VIDEO', imageUrl: `${cdn.url}/thumb.webp`, videoUrl: v }),
    });
    expect(both.map((i) => [i.index, i.asset.contentType])).toEqual([
      [0, 'image/webp'],
      [0, 'video/mp4'],
    ]);
  });

  it('returns nothing for a task without media', async () => {
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}) });
    expect(await captureImages({ jobId: 'j', task: snapshot({ action: 'SHORTEN' }) })).toEqual([]);
  });

  it('heartbeats inside an activity and stops on cancellation', async () => {
    cdn.routes.set('/grid.png', send(gridPng));
    cdn.routes.set('/hang.png', (res) => {
      res.writeHead(200);
      res.write(gridPng.subarray(0, 10));
    });
    const { captureImages } = createCaptureActivities({ store, mj: fetcherReturning({}), timeoutMs: 10_000 });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await env.run(captureImages, { jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/grid.png` }) });
    expect(beats).toBeGreaterThan(0);

    const cancelEnv = new MockActivityEnvironment();
    const started = Date.now();
    const run = cancelEnv.run(captureImages, { jobId: 'j', task: snapshot({ imageUrl: `${cdn.url}/hang.png` }) });
    setTimeout(() => cancelEnv.cancel('CANCELLED'), 100);
    const err = await run.catch((e: unknown) => e);
    // The worker reports an activity as cancelled only for a CancelledFailure or an AbortError while cancelled.
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(['CancelledFailure', 'AbortError']).toContain((err as Error).name);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
