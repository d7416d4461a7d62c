/**
 * Serves the simulated CDN: `/__sim/images/<taskId>/<file>.png` (signed, expiring like Discord attachments, except
 * the `0_<i>.png` cells which mimic cdn.midjourney.com), `/__sim/attachments/<uploadId>/<n>.png` and
 * `/__sim/video/<taskId>/0_<i>.mp4`.
 */
import type { SimHost } from './host';
import { fakeMp4, PREVIEW_SIZE, renderGrid, renderSingle, SINGLE_SIZE } from './images';
import type { Reply } from './responses';
import type { SimTask } from './task';

/** Discord's answer for an expired or forged attachment link. */
const GONE: Reply = {
  status: 404,
  text: 'This content is no longer available.',
  contentType: 'text/plain; charset=utf-8',
};

function png(bytes: Buffer): Reply {
  return { status: 200, bytes, contentType: 'image/png', headers: { 'cache-control': 'public, max-age=86400' } };
}

const isGridLike = (t: SimTask) => t.kind === 'grid' || t.kind === 'video';

/**
 * The PNG for a task file. `file` null means "the current picture" (the gateway's proxy): final image when done,
 * else the latest preview. Undefined when the file does not exist for this task.
 */
export function renderTaskImage(core: SimHost, task: SimTask, file: string | null): Reply | undefined {
  const key = `${task.id}/${file ?? `current-${task.status}-${task.preview?.pct ?? ''}`}`;
  const make = (): Buffer | undefined => {
    if (file === null) {
      if (task.status === 'SUCCESS')
        return isGridLike(task) ? renderGrid(task.palette) : renderSingle(task.palette[0], Math.max(1, task.index));
      if (!task.preview) return undefined;
      file = `preview_${task.preview.pct}_${task.hash}.png`;
    }
    let m: RegExpExecArray | null;
    if (file === `grid_${task.hash}.png` && task.kind === 'grid') return renderGrid(task.palette);
    if (file === `upscale_${task.hash}.png` && !isGridLike(task))
      return renderSingle(task.palette[0], Math.max(1, task.index));
    if ((m = /^preview_(\d+)_(.+)\.png$/.exec(file)) && m[2] === task.hash) {
      // Previews are small and washed out, getting clearer as the job progresses.
      const washout = 1 - Number(m[1]) / 100;
      return isGridLike(task) && task.palette.length >= 4
        ? renderGrid(task.palette, PREVIEW_SIZE, washout)
        : renderSingle(task.palette[0], Math.max(1, task.index), PREVIEW_SIZE / 2, washout);
    }
    if ((m = /^0_(\d)\.png$/.exec(file)) && task.status === 'SUCCESS') {
      const i = Number(m[1]);
      if (isGridLike(task)) return i < 4 ? renderSingle(task.palette[i], i + 1, SINGLE_SIZE) : undefined;
      return i === 0 ? renderSingle(task.palette[0], Math.max(1, task.index), SINGLE_SIZE) : undefined;
    }
    return undefined;
  };
  const bytes = core.images.get(key, make);
  return bytes ? png(bytes) : undefined;
}

/** Routes `/__sim/images|attachments|video/...`; undefined when the path is not an asset path. */
export function serveAsset(core: SimHost, path: string, params: URLSearchParams): Reply | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^\/__sim\/images\/(\d+)\/([\w.-]+)$/.exec(path))) {
    const task = core.engine.get(m[1]);
    if (!task) return GONE;
    const file = m[2];
    // cdn.midjourney.com links (T's imageUrls) are unsigned and do not expire; Discord links must verify.
    if (!/^0_\d\.png$/.test(file)) {
      const check = core.signer.verify(path, params, core.now());
      if (check !== 'ok') return GONE;
    }
    return renderTaskImage(core, task, file) ?? GONE;
  }
  if ((m = /^\/__sim\/attachments\/(\d+)\/(\d+)\.png$/.exec(path))) {
    if (core.signer.verify(path, params, core.now()) !== 'ok') return GONE;
    const upload = core.uploads.get(m[1], Number(m[2]));
    return upload ? { status: 200, bytes: upload.bytes, contentType: upload.contentType } : GONE;
  }
  if ((m = /^\/__sim\/video\/(\d+)\/0_(\d)\.mp4$/.exec(path))) {
    const task = core.engine.get(m[1]);
    if (!task || task.status !== 'SUCCESS' || (task.kind !== 'video' && task.kind !== 'video-upscale'))
      return { status: 404 };
    return { status: 200, bytes: fakeMp4(), contentType: 'video/mp4' };
  }
  return undefined;
}
