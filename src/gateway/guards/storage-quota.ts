/**
 * Metered image writes. Every route that stores an image (uploads, Vary Region masks, the base64 inputs of
 * imagine/blend/describe/edits/video) passes the tenant's submit rate (`admitWrite`/`admitSubmit`) and this
 * per-tenant storage quota before anything is written: `storageBytesPerDay` bytes a day (the tenant's registry
 * option, else the gateway's), a byte bucket of the process's rate limiter (full at first, refilling over a day;
 * per process, like the rate limits). A refused request stores nothing.
 */
import type { AssetRef, ImageRef } from '../../shared/types';
import type { GatewayApp } from '../app';
import { GatewayError, tooMany } from '../errors';
import { bytesToStore, storePrepared, type Prepared } from '../routes/image-inputs';

const DAY_SEC = 86_400;

/**
 * Takes `bytes` from the tenant's storage quota (its registry option, else the gateway's), or refuses: 413 (more
 * than a whole day's quota) or 429 with Retry-After.
 */
export async function admitStorage(app: GatewayApp, tenant: string, bytes: number): Promise<void> {
  if (bytes === 0) return;
  const perDay = (await app.tenants.options(tenant)).storageBytesPerDay ?? app.options.storageBytesPerDay;
  if (bytes > perDay)
    throw new GatewayError(413, 4, `images of ${bytes} bytes exceed the storage quota of ${perDay} bytes per day`, {
      field: 'body',
      rule: 'storage-quota',
      properties: { bytes, quotaBytesPerDay: perDay },
    });
  const wait = app.limiter.take(`b:${tenant}`, perDay / DAY_SEC, perDay, bytes);
  if (wait > 0) throw tooMany(`storage quota of ${perDay} bytes per day reached`, wait, 'storage-quota');
}

/** The quota, then the write: the images' references (URL inputs pass through unstored). */
export async function storeMetered(
  app: GatewayApp,
  tenant: string,
  images: readonly Prepared[],
  prefix: 'inputs' | 'masks' = 'inputs'
): Promise<ImageRef[]> {
  await admitStorage(app, tenant, bytesToStore(images));
  return storePrepared(app.store, images, prefix);
}

/** A checked mask, metered and stored. */
export async function storeMeteredMask(app: GatewayApp, tenant: string, mask: Prepared): Promise<AssetRef> {
  const [ref] = await storeMetered(app, tenant, [mask], 'masks');
  if (!ref || !('asset' in ref)) throw new TypeError('a prepared mask holds bytes');
  return ref.asset;
}
