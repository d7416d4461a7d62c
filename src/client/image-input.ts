/**
 * Image and mask inputs: an http(s) URL is sent as is; bytes, a data URL or a file path are checked from their header
 * (type, bytes, width × height against the pixel cap: `checkImage`) and stored in the asset store first, so only a
 * reference (key, sha256, size) enters workflow history.
 */
import { readFile, stat } from 'node:fs/promises';
import { checkImage, parseDataUrl, type AssetStore } from '../assets';
import { MjInputError } from '../mj/errors';
import { MAX_IMAGE_BYTES } from '../shared/defaults';
import type { AssetRef, ImageRef, ModalInput } from '../shared/types';
import type { ImageInput, ModalInputArg } from './options';
import { checkGenerationPrompt } from './validation';

type Prepared = { ref: ImageRef } | { bytes: Uint8Array; type: string };

export class ImageInputs {
  constructor(private readonly store: AssetStore) {}

  /** References for `inputs`; all are validated before any is stored, so a bad third image stores nothing. */
  async images(inputs: ImageInput[], field: string): Promise<ImageRef[]> {
    const prepared = await Promise.all(
      inputs.map((img, i) => prepareImage(img, inputs.length > 1 ? `${field}[${i}]` : field))
    );
    return Promise.all(
      prepared.map(async (p) =>
        'ref' in p ? p.ref : { asset: await this.store.put(p.bytes, { contentType: p.type, prefix: 'inputs' }) }
      )
    );
  }

  /** One image reference (describe, edits, video frames). */
  async image(input: ImageInput, field: string): Promise<ImageRef> {
    const [ref] = await this.images([input], field);
    return ref!;
  }

  /** The modal input as the workflow takes it: the prompt checked, the mask (PNG only) stored. */
  async modalInput(input: ModalInputArg): Promise<ModalInput> {
    const out: ModalInput = {};
    if (input.prompt !== undefined) out.prompt = checkGenerationPrompt(input.prompt);
    if (input.mask !== undefined) out.mask = await this.storeMask(input.mask);
    return out;
  }

  private async storeMask(img: Uint8Array | string): Promise<AssetRef> {
    const bytes = await readImageBytes(img, 'mask');
    checkImage(bytes, 'mask', { types: ['image/png'] });
    return this.store.put(bytes, { contentType: 'image/png', prefix: 'masks' });
  }
}

function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s) && URL.canParse(s);
}

function isImageRef(v: unknown): v is ImageRef {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && ('url' in v || 'asset' in v);
}

async function prepareImage(img: ImageInput, field: string): Promise<Prepared> {
  if (isImageRef(img)) {
    if ('url' in img && !isHttpUrl(img.url)) throw new MjInputError(field, 'url must be an http(s) URL');
    return { ref: img };
  }
  if (typeof img === 'string' && isHttpUrl(img)) return { ref: { url: img } };
  const bytes = await readImageBytes(img, field);
  return { bytes, type: checkImage(bytes, field).type };
}

async function readImageBytes(img: Uint8Array | string, field: string): Promise<Uint8Array> {
  // Bytes in memory are capped by checkImage; a file is capped before it is read.
  if (img instanceof Uint8Array) return img;
  if (typeof img !== 'string' || img.length === 0) {
    throw new MjInputError(field, 'must be an http(s) URL, a data URL, a file path or bytes');
  }
  if (img.startsWith('data:')) {
    try {
      return parseDataUrl(img, { maxBytes: MAX_IMAGE_BYTES }).bytes;
    } catch (err) {
      throw new MjInputError(field, `must be a valid image data URL (${(err as Error).message})`);
    }
  }
  const info = await stat(img).catch(() => null);
  if (!info?.isFile()) throw new MjInputError(field, 'must be an http(s) URL, a data URL, or an existing file');
  if (info.size > MAX_IMAGE_BYTES) throw new MjInputError(field, `must be at most ${MAX_IMAGE_BYTES} bytes`);
  return new Uint8Array(await readFile(img));
}
