/**
 * `GET /mj/image/{id}` (the whole image) and `/mj/image/{id}/{1-4}` (grid quadrants): our stored copies, with CORS
 * (chatgpt-web draws them on a canvas). An `<img>` sends no API key, so the URLs we hand out carry a grant bound to
 * tenant, task, expiry and the tenant's key generation (`?t=`, image-urls.ts); a request with the tenant's key works
 * too. Without either, with an expired grant or one made before a key of the tenant was revoked, or for another
 * tenant's task, the answer is the same 404 as for a task that never existed. `GET /mj/upload/<grant>.<ext>` serves
 * a stored input under the same rules (a grant only, as upload-discord-images hands out).
 */
import type http from 'node:http';
import { AssetNotFoundError, contentTypeForKey, InvalidAssetKeyError } from '../../assets';
import type { GatewayApp } from '../app';
import { readTask } from '../tasks/read-path';
import type { UrlGrant } from '../tasks/image-urls';
import { normaliseTaskId } from '../../tenancy/task-id';

/** Longest a client may cache what it was served. @unit s */
const MAX_CACHE_S = 86_400;

/** `maxAgeS`: how long the client may keep the bytes (no longer than the grant they were served under lives). */
function sendBytes(res: http.ServerResponse, bytes: Uint8Array, type: string, cors: string, maxAgeS: number): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': bytes.byteLength,
    'cache-control': `private, max-age=${Math.max(0, Math.min(MAX_CACHE_S, maxAgeS))}`,
    'access-control-allow-origin': cors,
  });
  res.end(bytes);
}

/** The grant's tenant while the tenant's key generation is still the grant's (no key revoked since). */
async function liveGrant(app: GatewayApp, grant: UrlGrant | undefined): Promise<UrlGrant | undefined> {
  return grant && grant.gen === (await app.tenants.keyGeneration(grant.tenant)) ? grant : undefined;
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
  const grant = auth.tenant ? undefined : await liveGrant(app, app.urls.openImage(auth.token, taskId));
  const tenant = auth.tenant ?? grant?.tenant;
  if (!tenant) return notFound();
  const maxAgeS = grant ? grant.exp - app.urls.nowS() : MAX_CACHE_S;
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
    sendBytes(res, bytes, asset.contentType ?? 'image/png', app.options.corsOrigin, maxAgeS);
  } catch (err) {
    if (err instanceof AssetNotFoundError) return notFound();
    throw err;
  }
}

export async function serveUpload(
  app: GatewayApp,
  res: http.ServerResponse,
  name: string,
  notFound: () => void
): Promise<void> {
  const grant = await liveGrant(app, app.urls.openUpload(name));
  if (!grant) return notFound();
  try {
    const bytes = await app.store.get(grant.subject);
    sendBytes(res, bytes, contentTypeForKey(grant.subject), app.options.corsOrigin, grant.exp - app.urls.nowS());
  } catch (err) {
    if (err instanceof AssetNotFoundError || err instanceof InvalidAssetKeyError) return notFound();
    throw err;
  }
}
