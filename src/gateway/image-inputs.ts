/**
 * Images in submit bodies: data URLs (`data:image/png;base64,…`, what FileReader gives browsers), bare base64
 * (edits: PNG assumed) or http(s) URLs. Bytes go to the asset store; only references enter workflow history.
 * All images of a request are checked before any is stored.
 */
import { parseDataUrl, sniffImageType, type AssetStore } from '../assets';
import { MAX_IMAGE_BYTES } from '../shared/defaults';
import type { AssetRef, ImageRef } from '../shared/types';
import { badInput } from './errors';

const HTTP_RE = /^https?:\/\//i;
const BARE_BASE64_RE = /^[A-Za-z0-9+/=\s]+$/;

interface Prepared {
  ref?: ImageRef;
  bytes?: Uint8Array;
  type?: string;
}

function prepare(value: string, field: string, opts: { bareBase64?: boolean; pngOnly?: boolean }): Prepared {
  const v = value.trim();
  if (HTTP_RE.test(v) && !opts.pngOnly) {
    if (!URL.canParse(v)) throw badInput(field, 'must be a valid http(s) URL or a data URL');
    return { ref: { url: v } };
  }
  let bytes: Uint8Array;
  try {
    const url = opts.bareBase64 && !v.startsWith('data:') && BARE_BASE64_RE.test(v) ? `data:image/png;base64,${v}` : v;
    bytes = parseDataUrl(url, { maxBytes: MAX_IMAGE_BYTES }).bytes;
  } catch (err) {
    throw badInput(field, `must be a data URL of an image (data:image/png;base64,…): ${(err as Error).message}`);
  }
  const type = sniffImageType(bytes);
  if (opts.pngOnly ? type !== 'image/png' : !type)
    throw badInput(field, opts.pngOnly ? 'must be a PNG image' : 'must be a PNG, JPEG, WebP or GIF image');
  return { bytes, type: type! };
}

export async function storeImages(
  store: AssetStore,
  values: readonly { value: string; field: string }[],
  opts: { bareBase64?: boolean } = {}
): Promise<ImageRef[]> {
  const prepared = values.map((v) => prepare(v.value, v.field, opts));
  return Promise.all(
    prepared.map(async (p) =>
      p.ref ? p.ref : { asset: await store.put(p.bytes!, { contentType: p.type!, prefix: 'inputs' }) }
    )
  );
}

/** A Vary (Region) mask: a PNG data URL (or bare base64). */
export async function storeMask(store: AssetStore, value: string, field = 'maskBase64'): Promise<AssetRef> {
  const p = prepare(value, field, { bareBase64: true, pngOnly: true });
  return store.put(p.bytes!, { contentType: 'image/png', prefix: 'masks' });
}
