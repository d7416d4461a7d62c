/**
 * `download(jobId, dir)`: the image files of a finished job, pipeline or batch, written to a directory. Stored
 * copies (captured images) come from the asset store; results without them fall back to the upstream URLs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import type { AssetStore } from '../assets';
import type { BatchReport, PipelineResult } from '../shared/pipeline-types';
import type { CapturedImage, ImageRef, JobResult } from '../shared/types';

/** Timeouts of a result-URL download. @unit milliseconds */
const HEADERS_TIMEOUT_MS = 30_000;
const BODY_TIMEOUT_MS = 60_000;

const EXTENSION: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** Thrown when a result URL does not answer 200. */
export class DownloadFailedError extends Error {
  override readonly name = 'DownloadFailedError';
  readonly code = 'DOWNLOAD_FAILED';
  constructor(
    readonly file: string,
    readonly status: number
  ) {
    super(`download of ${file} failed with HTTP ${status}`);
  }
}

/** Writes every image of `result` to `dir` as `<jobId>-<name>.<ext>`; returns the file paths. */
export async function downloadImages(
  store: AssetStore,
  jobId: string,
  result: unknown,
  dir: string
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const safe = jobId.replace(/[^\w.-]+/g, '_');
  const files: string[] = [];
  for (const { name, ref } of imagesOf(result)) {
    const { bytes, type } =
      'asset' in ref
        ? { bytes: await store.get(ref.asset), type: ref.asset.contentType }
        : await fetchUrl(ref.url, name);
    const file = path.join(dir, `${safe}-${name}.${EXTENSION[type ?? ''] ?? 'bin'}`);
    await writeFile(file, bytes);
    files.push(file);
  }
  return files;
}

/**
 * The images of one job: its stored copies (named by their index, 0 = the whole image or grid), else its upstream
 * result URL (which expires) as index 0; none when it has neither.
 */
export function jobImageRefs(
  images: readonly CapturedImage[],
  imageUrl: string | null | undefined
): { index: number; ref: ImageRef }[] {
  if (images.length > 0) return images.map((img) => ({ index: img.index, ref: { asset: img.asset } }));
  return imageUrl ? [{ index: 0, ref: { url: imageUrl } }] : [];
}

/** Image files of a finished job, pipeline or batch: stored assets first, else the result URLs. */
export function imagesOf(result: unknown): { name: string; ref: ImageRef }[] {
  const out: { name: string; ref: ImageRef }[] = [];
  const fromJob = (prefix: string, images: CapturedImage[], imageUrl: string | null | undefined) => {
    for (const { index, ref } of jobImageRefs(images, imageUrl)) out.push({ name: `${prefix}-${index}`, ref });
  };
  const r = result as Record<string, unknown>;
  if (Array.isArray(r.outcomes)) {
    for (const o of (result as PipelineResult).outcomes) {
      if (o.result) fromJob(`${o.step}-${o.branch}`, o.result.images, o.result.imageUrl);
    }
  } else if (Array.isArray(r.items)) {
    for (const item of (result as BatchReport).items) {
      item.images.forEach((ref, i) => out.push({ name: `${item.id}-${i}`, ref }));
    }
  } else if (r.task) {
    const job = result as JobResult;
    fromJob('image', job.images, job.task.imageUrl);
  }
  return out;
}

async function fetchUrl(url: string, name: string): Promise<{ bytes: Uint8Array; type: string | undefined }> {
  const res = await request(url, { headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_TIMEOUT_MS });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new DownloadFailedError(name, res.statusCode);
  }
  const bytes = new Uint8Array(await res.body.arrayBuffer());
  return { bytes, type: String(res.headers['content-type'] ?? '').split(';')[0] };
}
