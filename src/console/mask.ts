/**
 * The Vary (Region) mask as the proxies pass it to MidJourney: a PNG of the image's own width and height, every
 * pixel opaque black (keep) or white (repaint). The painter makes exactly that; an uploaded file is checked here:
 * from its header first (type, size, pixel cap: nothing is decoded for a file that claims more), then its pixels,
 * decoded by sharp off the event loop with the header's size as the limit, and scanned in slices.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import sharp from 'sharp';
import { checkImage, parseDataUrl, readImageHeader } from '../assets';
import { MjInputError } from '../mj/errors';
import { MAX_IMAGE_BYTES } from '../shared/defaults';

export interface MaskStats {
  width: number;
  height: number;
  white: number;
}

/** Pixels scanned between two turns of the event loop (about a millisecond's work). */
const SCAN_SLICE = 1 << 18;

/** White pixels of RGBA `data[start, end)`, or -1 at the first pixel neither opaque black nor opaque white. */
function countWhite(data: Buffer, start: number, end: number): number {
  let white = 0;
  for (let i = start; i < end; i += 4) {
    const rgb = data[i]! + data[i + 1]! + data[i + 2]!;
    if (data[i + 3] !== 255 || (rgb !== 0 && rgb !== 765)) return -1;
    if (rgb === 765) white++;
  }
  return white;
}

/**
 * Checks a mask; throws `MjInputError('mask', …)` naming the rule it breaks (an `ImageInputError` for the header's
 * rules). `expected` is the size of the image it masks, when known.
 */
export async function checkMask(bytes: Uint8Array, expected?: { width: number; height: number }): Promise<MaskStats> {
  const { width, height } = checkImage(bytes, 'mask', {
    types: ['image/png'],
    ...(expected ? { size: expected } : {}),
  });
  let data: Buffer;
  try {
    data = await sharp(bytes, { limitInputPixels: width * height })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch {
    throw new MjInputError('mask', 'must be a valid PNG image (its pixel data could not be read)');
  }
  let white = 0;
  for (let start = 0; start < data.length; start += SCAN_SLICE * 4) {
    if (start > 0) await nextTurn();
    const found = countWhite(data, start, Math.min(data.length, start + SCAN_SLICE * 4));
    if (found < 0) {
      throw new MjInputError('mask', 'must hold only opaque black and white pixels (white = repaint, black = keep)');
    }
    white += found;
  }
  if (white === 0) throw new MjInputError('mask', 'must mark a region to repaint (it is all black)');
  return { width, height, white };
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

/** Width and height of an image from its header (any type the header reader knows). */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const head = readImageHeader(bytes);
  return head ? { width: head.width, height: head.height } : undefined;
}
