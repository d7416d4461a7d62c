/**
 * Turns the references a workflow carries into what the proxy accepts: stored assets become data URLs here, in the
 * activity, so image bytes never enter workflow history.
 */
import type { AssetStore } from '../assets/asset-store';
import { bytesToDataUrl, sniffImageType } from '../assets/data-url';
import type { AssetRef, ImageRef } from '../shared/types';
import { invalidInput } from './failures';

/** Reads a stored image and encodes it as `data:<type>;base64,…`, trusting the bytes' signature over the ref. */
export async function assetToDataUrl(store: AssetStore, ref: AssetRef, want?: 'image/png'): Promise<string> {
  const bytes = await store.get(ref);
  const type = sniffImageType(bytes);
  if (!type) throw invalidInput(`asset ${ref.key} is not an image (png, jpeg, webp or gif)`);
  if (want && type !== want) throw invalidInput(`asset ${ref.key} must be ${want}, but its bytes are ${type}`);
  return bytesToDataUrl(bytes, type);
}

/** `{url}` stays a URL; `{asset}` becomes a data URL. */
export async function resolveImageRef(store: AssetStore, ref: ImageRef): Promise<string> {
  return 'asset' in ref ? assetToDataUrl(store, ref.asset) : ref.url;
}

/** For endpoints that take only data URLs (blend, reference images as `base64Array`). */
export async function requireDataUrl(store: AssetStore, ref: ImageRef, what: string): Promise<string> {
  if ('asset' in ref) return assetToDataUrl(store, ref.asset);
  throw invalidInput(`${what} takes stored images only; store the image and pass {asset} instead of a URL`);
}
