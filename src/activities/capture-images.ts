/**
 * Image capture: download a finished task's image (and video) into the asset store before its CDN link expires
 * (contract §14.5), and split 2×2 grids into their four images. Workflows get {@link CapturedImage} references only.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import sharp from 'sharp';
import { getGlobalDispatcher, interceptors, request, type Dispatcher } from 'undici';
import { safeKeySegment } from '../assets/asset-keys';
import type { AssetStore } from '../assets/asset-store';
import { BodyTooLargeError, readBounded } from '../assets/bounded-body';
import { looksLikeMp4, sniffImageType } from '../assets/data-url';
import { DEFAULT_HTTP_TIMEOUT_MS } from '../shared/defaults';
import type { CapturedImage, TaskSnapshot } from '../shared/types';
import { toApplicationFailure } from './failures';
import type { MjClient, MjTask } from '../mj';
import { onlyOnGrid, SINGLE_IMAGE_KINDS } from '../mj/intents';
import type { CaptureImagesInput } from '../shared/job-activities';
import type { UpstreamSet } from '../shared/upstreams/types';
import { clientFor } from './upstream-client';

export type { CaptureImagesInput } from '../shared/job-activities';

/** `ApplicationFailure.type` when the image cannot be had even from a refetched task (retryable). */
export const IMAGE_UNAVAILABLE = 'ImageUnavailable';
/** `ApplicationFailure.type` for a transient download failure: 5xx, 429, timeout, connection (retryable). */
export const IMAGE_DOWNLOAD_FAILED = 'ImageDownloadFailed';
/** `ApplicationFailure.type` when the media is larger than the configured cap (non-retryable). */
export const IMAGE_TOO_LARGE = 'ImageTooLarge';
/**
 * `ApplicationFailure.type` when a gateway's image relay says the image is gone for good (non-retryable): new-api's
 * `/mj/image/<id>` answers 404 `{"error":"This content is no longer available."}` once the upstream's signed link
 * expired, and never polls a finished task again, so a refetched task only repeats the dead relay URL.
 * Details: `{ taskId, field: 'imageUrl', rule: 'relay-alive', status: 404 }`.
 */
export const IMAGE_EXPIRED = 'ImageExpired';

/** Bytes of a 4xx body read to recognise a gateway relay's answer; the rest is discarded. */
const ERROR_BODY_BYTES = 2048;

/** What capture needs from `MjClient`: only a fresh copy of the task, for a fresh image URL. */
export type TaskFetcher = Pick<MjClient, 'fetchTask'>;

export interface CaptureDeps {
  store: AssetStore;
  mj: TaskFetcher;
  /** undici dispatcher for downloads (redirects are followed on top of it). @default undici's global dispatcher */
  dispatcher?: Dispatcher;
  /** Deadline of one download, headers and body; keep it below the activity's startToCloseTimeout. @default 30_000 @unit milliseconds */
  timeoutMs?: number;
  /** Largest image accepted. @default 64 MiB @unit bytes */
  maxImageBytes?: number;
  /** Largest video accepted. @default 256 MiB @unit bytes */
  maxVideoBytes?: number;
  /** Clock for the `ex` expiry check of CDN links. @default Date.now */
  now?: () => number;
}

/** Actions whose result is a 2×2 grid when the task carries no buttons to tell (N has none, §5). */
const GRID_ACTIONS = new Set([
  'IMAGINE',
  'VARIATION',
  'REROLL',
  'BLEND',
  'PAN',
  'ZOOM',
  'HIGH_VARIATION',
  'LOW_VARIATION',
  'INPAINT',
  'CUSTOM_ZOOM',
]);
/**
 * True when the task's image is a 2×2 grid: buttons only a grid has (U1–U4), or a grid action with no button that
 * exists only on a single upscaled image (the intent catalogue's stages, §7, §14.3).
 */
export function isGridTask(task: Pick<TaskSnapshot, 'action' | 'buttons' | 'videoUrl'>): boolean {
  // Video "grids" are four clips, not a 2×2 still.
  if (task.videoUrl) return false;
  if (task.buttons.some((b) => onlyOnGrid(b.intent.kind))) return true;
  if (task.buttons.some((b) => SINGLE_IMAGE_KINDS.includes(b.intent.kind))) return false;
  return GRID_ACTIONS.has(task.action.toUpperCase());
}

/** Epoch ms of a Discord-style `ex=<hex unix seconds>` expiry, or null when the URL has none. */
export function urlExpiresAt(url: string): number | null {
  try {
    const ex = new URL(url).searchParams.get('ex');
    return ex && /^[0-9a-f]{1,12}$/i.test(ex) ? parseInt(ex, 16) * 1000 : null;
  } catch {
    return null;
  }
}

/** The four quadrants of a grid as PNGs: top-left, top-right, bottom-left, bottom-right. */
export async function splitGrid(bytes: Uint8Array): Promise<Buffer[]> {
  const { width, height } = await sharp(bytes).metadata();
  if (!width || !height || width < 2 || height < 2) throw new Error(`grid of ${width}x${height} cannot be split`);
  const w = Math.floor(width / 2);
  const h = Math.floor(height / 2);
  const rects = [
    { left: 0, top: 0, width: w, height: h },
    { left: w, top: 0, width: width - w, height: h },
    { left: 0, top: h, width: w, height: height - h },
    { left: w, top: h, width: width - w, height: height - h },
  ];
  // PNG keeps the quadrant lossless, and encoding the same pixels gives the same bytes, hence the same keys on retry.
  return Promise.all(rects.map((r) => sharp(bytes).extract(r).png().toBuffer()));
}

type Media = 'image' | 'video';
type Attempt =
  | { ok: true; bytes: Uint8Array; contentType: string; url: string }
  | { ok: false; reason: string; relayGone?: boolean };

/**
 * True for a gateway image relay's own "gone" answer: a 404 with new-api's `{"error": "…"}` JSON on a `/mj/image/`
 * path. A CDN's 404 (Discord's plain text) is not one: a proxy may hand out a fresh link for that on refetch.
 */
export function isRelayGone(url: string, status: number, body: string): boolean {
  if (status !== 404) return false;
  try {
    if (!/\/mj\/image\/[^/]+$/.test(new URL(url).pathname)) return false;
    const json = JSON.parse(body) as unknown;
    return typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string';
  } catch {
    return false;
  }
}

/** The start of a small error body as text; '' when it is larger than we care to read or cannot be read. */
async function errorBodyText(body: Dispatcher.ResponseData['body']): Promise<string> {
  try {
    return Buffer.from(await readBounded(body, ERROR_BODY_BYTES)).toString('utf8');
  } catch {
    return '';
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (scripts, tests): no cancellation or heartbeats.
    return undefined;
  }
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const s = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 3600) * 1000 : undefined;
}

/** The non-retryable end of a capture whose gateway relay said the image is gone (see {@link IMAGE_EXPIRED}). */
function relayGoneFailure(taskId: string, url: string, media: Media): ApplicationFailure {
  return ApplicationFailure.create({
    type: IMAGE_EXPIRED,
    message:
      `${media} of task ${taskId} is gone: the gateway's relay ${redact(url)} answered 404 (the upstream's ` +
      'signed link expired and the gateway never refreshes a finished task); capture it at SUCCESS',
    nonRetryable: true,
    details: [{ taskId, field: media === 'image' ? 'imageUrl' : 'videoUrl', rule: 'relay-alive', status: 404 }],
  });
}

/** Builds the capture activity with its dependencies injected. */
export function createCaptureActivities(deps: CaptureDeps) {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBytes: Record<Media, number> = {
    image: deps.maxImageBytes ?? 64 * 2 ** 20,
    video: deps.maxVideoBytes ?? 256 * 2 ** 20,
  };
  const now = deps.now ?? Date.now;
  // A gateway's /mj/image/<id> may redirect to the CDN.
  const dispatcher = (deps.dispatcher ?? getGlobalDispatcher()).compose(interceptors.redirect({ maxRedirections: 3 }));

  async function download(url: string, media: Media, ctx: Context | undefined): Promise<Attempt> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = ctx ? AbortSignal.any([ctx.cancellationSignal, deadline]) : deadline;
    let lastBeat = 0;
    try {
      const res = await request(url, { dispatcher, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const bytes = await readBounded(res.body, maxBytes[media], res.headers['content-length'], () => {
          // Heartbeats carry cancellation to us; throttled here so a fast transfer does not flood the SDK.
          if (!ctx || Date.now() - lastBeat < 1000) return;
          lastBeat = Date.now();
          ctx.heartbeat();
        });
        const contentType = media === 'image' ? sniffImageType(bytes) : looksLikeMp4(bytes) ? 'video/mp4' : null;
        // An HTML error page served with 200 is as good as gone.
        return contentType
          ? { ok: true, bytes, contentType, url }
          : { ok: false, reason: `HTTP ${res.statusCode} but not ${media} data` };
      }
      const s = res.statusCode;
      // Expired CDN links answer 403/404/410 (§14.5); other 4xx will not heal by waiting either, so refetch for them too.
      if (s >= 400 && s < 500 && s !== 408 && s !== 429) {
        const relayGone = isRelayGone(url, s, await errorBodyText(res.body));
        return {
          ok: false,
          reason: relayGone ? `HTTP ${s}, the gateway's relay says the image is gone` : `HTTP ${s}`,
          relayGone,
        };
      }
      await res.body.dump();
      throw ApplicationFailure.create({
        type: IMAGE_DOWNLOAD_FAILED,
        message: `${media} download from ${redact(url)} failed with HTTP ${s}`,
        nextRetryDelay: retryAfterMs(res.headers['retry-after']),
        details: [{ status: s }],
      });
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      // Let the worker see its own cancellation as such.
      if (ctx?.cancellationSignal.aborted) throw err;
      if (err instanceof BodyTooLargeError) {
        throw ApplicationFailure.create({
          type: IMAGE_TOO_LARGE,
          message: `${media} at ${redact(url)}: ${err.message}`,
          nonRetryable: true,
        });
      }
      const what = deadline.aborted
        ? `timed out after ${timeoutMs} ms`
        : `failed (${(err as { code?: string }).code ?? (err as Error).name})`;
      throw ApplicationFailure.create({
        type: IMAGE_DOWNLOAD_FAILED,
        message: `${media} download from ${redact(url)} ${what}`,
      });
    }
  }

  async function fetchFresh(taskId: string, ctx: Context | undefined): Promise<MjTask> {
    try {
      return await deps.mj.fetchTask(taskId, { signal: ctx?.cancellationSignal });
    } catch (err) {
      // Our own cancellation must reach the worker unchanged; everything else goes through the one mapping point.
      if (ctx?.cancellationSignal.aborted) throw err;
      throw toApplicationFailure(err);
    }
  }

  async function captureImages(input: CaptureImagesInput): Promise<CapturedImage[]> {
    const { task } = input;
    const ctx = activityContext();
    const prefix = `images/${safeKeySegment(input.jobId)}`;
    let fresh: Promise<MjTask> | undefined;

    // One try with the URL we have (skipped when its `ex` has passed), then one with a refetched task's URL.
    async function obtain(url: string, media: Media): Promise<Attempt & { ok: true }> {
      const expiresAt = urlExpiresAt(url);
      let reason = `link expired at ${expiresAt === null ? '?' : new Date(expiresAt).toISOString()}`;
      if (expiresAt === null || expiresAt > now()) {
        const first = await download(url, media, ctx);
        if (first.ok) return first;
        if (first.relayGone) throw relayGoneFailure(task.id, url, media);
        reason = first.reason;
      }
      const refreshed = await (fresh ??= fetchFresh(task.id, ctx));
      const next = media === 'image' ? refreshed.imageUrl : refreshed.videoUrl;
      const second = next
        ? await download(next, media, ctx)
        : { ok: false as const, reason: `refetched task has no ${media} URL` };
      if (second.ok) return second;
      if ('relayGone' in second && second.relayGone) throw relayGoneFailure(task.id, next as string, media);
      throw ApplicationFailure.create({
        type: IMAGE_UNAVAILABLE,
        message: `${media} of task ${task.id} unavailable (${reason}; after refetch: ${second.reason})`,
        details: [{ taskId: task.id, status: refreshed.status }],
      });
    }

    const out: CapturedImage[] = [];
    // T reports a video task's video URL as imageUrl too (§5): store it once, as video.
    const imageUrl = task.imageUrl && task.imageUrl !== task.videoUrl ? task.imageUrl : null;
    if (imageUrl) {
      const image = await obtain(imageUrl, 'image');
      out.push({
        asset: await deps.store.put(image.bytes, { contentType: image.contentType, prefix }),
        index: 0,
        sourceUrl: image.url,
      });
      if (isGridTask(task)) {
        let quadrants: Buffer[];
        try {
          quadrants = await splitGrid(image.bytes);
        } catch (err) {
          throw ApplicationFailure.create({
            type: IMAGE_UNAVAILABLE,
            message: `grid of task ${task.id} cannot be decoded: ${(err as Error).message}`,
          });
        }
        for (const [i, q] of quadrants.entries()) {
          out.push({
            asset: await deps.store.put(q, { contentType: 'image/png', prefix }),
            index: i + 1,
            sourceUrl: image.url,
          });
        }
      }
      ctx?.heartbeat();
    }
    if (task.videoUrl) {
      const video = await obtain(task.videoUrl, 'video');
      out.push({
        asset: await deps.store.put(video.bytes, { contentType: video.contentType, prefix }),
        index: 0,
        sourceUrl: video.url,
      });
    }
    return out;
  }

  return { captureImages };
}

/**
 * The capture activities of a task's owner: `deps.mj`'s for the single upstream (no owner), else one set per routed
 * upstream, built on first use and kept.
 */
export function captureByOwner(
  deps: CaptureDeps & { mj: MjClient },
  upstreams: UpstreamSet | undefined
): (upstreamId?: string) => ReturnType<typeof createCaptureActivities> {
  const single = createCaptureActivities(deps);
  const byUpstream = new Map<string, ReturnType<typeof createCaptureActivities>>();
  return (upstreamId) => {
    if (upstreamId === undefined) return single;
    let c = byUpstream.get(upstreamId);
    if (!c)
      byUpstream.set(
        upstreamId,
        (c = createCaptureActivities({ ...deps, mj: clientFor(deps.mj, upstreams, upstreamId) }))
      );
    return c;
  };
}
