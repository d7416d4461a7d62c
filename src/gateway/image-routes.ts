/**
 * `GET /mj/image/{id}` (the whole image) and `/mj/image/{id}/{1-4}` (grid quadrants): our stored copies, with CORS
 * (chatgpt-web draws them on a canvas). An `<img>` sends no API key, so the URLs we hand out carry a token bound to
 * tenant and task (`?t=`); a request with the tenant's key works too. Without either, or for another tenant's task,
 * the answer is the same 404 as for a task that never existed. `GET /mj/upload/<key>` serves uploaded images
 * (content-addressed keys).
 */
import type http from 'node:http';
import { AssetNotFoundError, contentTypeForKey, InvalidAssetKeyError } from '../assets';
import type { GatewayApp } from './app';
import { readTask } from './read-path';
import { checkImageToken } from './secrets';
import { normaliseTaskId } from './task-id';

function sendBytes(res: http.ServerResponse, bytes: Uint8Array, type: string, cors: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': bytes.byteLength,
    'cache-control': 'private, max-age=86400, immutable',
    'access-control-allow-origin': cors,
  });
  res.end(bytes);
}

export async function serveImage(
  app: GatewayApp,
  res: http.ServerResponse,
  params: string[],
  auth: { tenant?: string; token?: string },
  notFound: () => void
): Promise<void> {
  const taskId = normaliseTaskId(params[0]);
  const index = params[1] === undefined ? 0 : Number(params[1]);
  if (!taskId || !Number.isInteger(index) || index < 0 || index > 4) return notFound();
  const tenant = auth.tenant ?? (auth.token ? checkImageToken(app.options.secret, auth.token, taskId) : undefined);
  if (!tenant) return notFound();
  const view = await readTask(app.client, tenant, taskId);
  const asset = view?.job?.assets?.find((a) => a.index === index);
  if (!view || !asset) {
    // Not captured (yet): the upstream's own URL for the whole image, else nothing.
    if (view?.job?.imageUrl && index === 0) {
      res.writeHead(302, { location: view.job.imageUrl, 'access-control-allow-origin': app.options.corsOrigin });
      res.end();
      return;
    }
    return notFound();
  }
  try {
    const bytes = await app.store.get(asset.key);
    sendBytes(res, bytes, asset.contentType ?? 'image/png', app.options.corsOrigin);
  } catch (err) {
    if (err instanceof AssetNotFoundError) return notFound();
    throw err;
  }
}

export async function serveUpload(
  app: GatewayApp,
  res: http.ServerResponse,
  key: string,
  notFound: () => void
): Promise<void> {
  if (!/^inputs\/[0-9a-f]{64}\.[a-z0-9]{2,5}$/.test(key)) return notFound();
  try {
    const bytes = await app.store.get(key);
    sendBytes(res, bytes, contentTypeForKey(key), app.options.corsOrigin);
  } catch (err) {
    if (err instanceof AssetNotFoundError || err instanceof InvalidAssetKeyError) return notFound();
    throw err;
  }
}
