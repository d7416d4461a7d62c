/**
 * The Vary (Region) mask as the proxies pass it to MidJourney: a PNG of the image's own width and height, every
 * pixel opaque black (keep) or white (repaint). The painter makes exactly that; an uploaded file is checked here.
 */
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { parseDataUrl } from '../assets';
import { MjInputError } from '../mj/errors';
import { MAX_IMAGE_BYTES } from '../shared/defaults';

export interface MaskStats {
  width: number;
  height: number;
  white: number;
}

/** Decodes and checks a mask; throws `MjInputError('mask', …)` naming the rule it breaks. */
export function checkMask(bytes: Uint8Array, expected?: { width: number; height: number }): MaskStats {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch {
    throw new MjInputError('mask', 'must be a PNG image');
  }
  if (expected && (png.width !== expected.width || png.height !== expected.height)) {
    throw new MjInputError(
      'mask',
      `must be ${expected.width}×${expected.height} px, the image's own size (it is ${png.width}×${png.height})`
    );
  }
  let white = 0;
  const d = png.data;
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b, a] = [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
    const isWhite = r === 255 && g === 255 && b === 255;
    if (a !== 255 || (!isWhite && (r !== 0 || g !== 0 || b !== 0))) {
      throw new MjInputError('mask', 'must hold only opaque black and white pixels (white = repaint, black = keep)');
    }
    if (isWhite) white++;
  }
  if (white === 0) throw new MjInputError('mask', 'must mark a region to repaint (it is all black)');
  return { width: png.width, height: png.height, white };
}

/** The mask of a form: the painter's data URL field, or an uploaded file. */
export function maskBytes(dataUrl: string | undefined, files: Uint8Array[]): Uint8Array | undefined {
  if (files[0]) return files[0];
  if (!dataUrl) return undefined;
  if (!dataUrl.startsWith('data:image/png;base64,')) throw new MjInputError('mask', 'must be a PNG data URL');
  try {
    return parseDataUrl(dataUrl, { maxBytes: MAX_IMAGE_BYTES }).bytes;
  } catch (err) {
    throw new MjInputError('mask', `must be a valid PNG data URL (${(err as Error).message})`);
  }
}

/** Width and height of an image (any format sharp reads). */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number } | undefined> {
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => undefined);
  return meta?.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
}
