/**
 * Images in submit bodies: data URLs (`data:image/png;base64,…`, what FileReader gives browsers), bare base64
 * (edits: PNG assumed) or http(s) URLs. Bytes go to the asset store; only references enter workflow history.
 * All images of a request are checked ({@link prepareImages}) before any is stored ({@link storePrepared}), from
 * their header only (`checkImage`: type, bytes, width × height against the pixel cap and, for a mask, the size of the
 * image it masks); nothing here decodes. The routes meter the writes in between (storage-quota.ts).
 */
import { checkImage, ImageInputError, parseDataUrl, type AssetStore, type ImageLimits } from '../../assets';
import { MAX_IMAGE_BYTES } from '../../shared/defaults';
import type { ImageRef } from '../../shared/types';
import { badInput, GatewayError } from '../errors';

const HTTP_RE = /^https?:\/\//i;
const BARE_BASE64_RE = /^[A-Za-z0-9+/=\s]+$/;

/** A checked image of a request: a URL reference, or bytes not stored yet. */
export interface Prepared {
  ref?: ImageRef;
  bytes?: Uint8Array;
  type?: string;
}

/** `checkImage` with its refusal as the gateway answers bad input: 400, code 4, the field and the header rule. */
function checked(bytes: Uint8Array, field: string, limits: ImageLimits) {
  try {
    return checkImage(bytes, field, limits);
  } catch (err) {
    if (err instanceof ImageInputError) throw new GatewayError(400, 4, err.message, { field, rule: err.check });
    throw err;
  }
}

function prepare(
  value: string,
  field: string,
  opts: { bareBase64?: boolean; pngOnly?: boolean; size?: ImageLimits['size'] }
): Prepared {
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
  const head = checked(bytes, field, {
    ...(opts.pngOnly ? { types: ['image/png'] } : {}),
    ...(opts.size ? { size: opts.size } : {}),
  });
  return { bytes, type: head.type };
}

export function prepareImages(
  values: readonly { value: string; field: string }[],
  opts: { bareBase64?: boolean } = {}
): Prepared[] {
  return values.map((v) => prepare(v.value, v.field, opts));
}

/**
 * A Vary (Region) mask: a PNG data URL (or bare base64), of `size` (the image it masks) when that is known. Checked
 * from its header; its pixels are the upstream's to judge.
 */
export function prepareMask(value: string, opts: { field?: string; size?: ImageLimits['size'] } = {}): Prepared {
  return prepare(value, opts.field ?? 'maskBase64', { bareBase64: true, pngOnly: true, size: opts.size });
}

/** Bytes that storing `images` writes (URL references write none). */
export function bytesToStore(images: readonly Prepared[]): number {
  return images.reduce((n, p) => n + (p.bytes?.byteLength ?? 0), 0);
}

/** Writes the images' bytes under `prefix` (`inputs`, or `masks` for Vary Region masks); URLs pass through. */
export async function storePrepared(
  store: AssetStore,
  images: readonly Prepared[],
  prefix: 'inputs' | 'masks' = 'inputs'
): Promise<ImageRef[]> {
  return Promise.all(
    images.map(async (p) => (p.ref ? p.ref : { asset: await store.put(p.bytes!, { contentType: p.type!, prefix }) }))
  );
}
