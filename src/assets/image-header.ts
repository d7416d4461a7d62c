/**
 * Width and height of an image read from its header alone — the PNG IHDR chunk, the JPEG SOF segment, the WebP
 * VP8/VP8L/VP8X chunk or the GIF logical screen — without decoding a pixel. Every image input (gateway, console,
 * client) goes through {@link checkImage} before anything decodes or stores it: a 48 KB PNG whose header says
 * 20000 × 20000 is refused here in microseconds instead of being inflated to 1.6 GB. Pure and synchronous.
 */
import { MjInputError } from '../mj/errors';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../shared/defaults';
import { sniffImageType, type SniffedImageType } from './data-url';

export interface ImageHeader {
  type: SniffedImageType;
  /** @unit px */
  width: number;
  /** @unit px */
  height: number;
}

/** Every type {@link sniffImageType} knows, with the name messages use. */
export const IMAGE_TYPE_NAMES: Readonly<Record<SniffedImageType, string>> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
  'image/gif': 'GIF',
};

const ALL_TYPES = Object.keys(IMAGE_TYPE_NAMES) as SniffedImageType[];

/** PNG allows up to 2^31 − 1 per side; a header beyond that is corrupt. */
const PNG_MAX_SIDE = 0x7fffffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function size(width: number, height: number): { width: number; height: number } | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

function pngSize(b: Uint8Array): { width: number; height: number } | null {
  // Signature (8), then the first chunk, which must be IHDR: length 13, type, width, height (big-endian).
  if (b.length < 24) return null;
  const d = view(b);
  if (d.getUint32(8) !== 13 || d.getUint32(12) !== 0x49484452) return null;
  const width = d.getUint32(16);
  const height = d.getUint32(20);
  return width <= PNG_MAX_SIDE && height <= PNG_MAX_SIDE ? size(width, height) : null;
}

function gifSize(b: Uint8Array): { width: number; height: number } | null {
  // "GIF89a", then the logical screen's width and height (little-endian).
  if (b.length < 10) return null;
  const d = view(b);
  return size(d.getUint16(6, true), d.getUint16(8, true));
}

/** Start-of-frame markers: 0xC0–0xCF except DHT (0xC4), JPG (0xC8) and DAC (0xCC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  const d = view(b);
  let i = 2; // after SOI
  while (i < b.length) {
    // Stray bytes between segments are skipped, as libjpeg does (with a warning); then fill bytes.
    while (i < b.length && b[i] !== 0xff) i++;
    while (i < b.length && b[i] === 0xff) i++;
    if (i >= b.length) return null;
    const marker = b[i++]!;
    // Markers without a length: TEM, RSTn, a stray SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    // Scan data or the end before any frame header: no size to read.
    if (marker === 0xda || marker === 0xd9 || marker === 0x00) return null;
    if (i + 2 > b.length) return null;
    const length = d.getUint16(i);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      // length (2), sample precision (1), height (2), width (2). A height of 0 (defined later by DNL) is refused.
      if (length < 7 || i + 7 > b.length) return null;
      return size(d.getUint16(i + 5), d.getUint16(i + 3));
    }
    i += length;
  }
  return null;
}

function webpSize(b: Uint8Array): { width: number; height: number } | null {
  // RIFF header (12), then the first chunk: fourcc, size (4), data at 20.
  if (b.length < 30) return null;
  const d = view(b);
  const fourcc = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (fourcc === 'VP8X') {
    // Flags (1), reserved (3), canvas width − 1 and height − 1 (24-bit little-endian each).
    const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    return size(u24(24) + 1, u24(27) + 1);
  }
  if (fourcc === 'VP8L') {
    // Signature 0x2f, then 14 bits width − 1 and 14 bits height − 1.
    if (b[20] !== 0x2f) return null;
    const bits = d.getUint32(21, true);
    return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (fourcc === 'VP8 ') {
    // Frame tag (3, key frame when bit 0 is clear), start code 9d 01 2a, then 14-bit width and height.
    if ((b[20]! & 1) !== 0 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return size(d.getUint16(26, true) & 0x3fff, d.getUint16(28, true) & 0x3fff);
  }
  return null;
}

/** The image's type and size as its header states them; null when the type is unknown or the header unreadable. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const type = sniffImageType(bytes);
  if (!type) return null;
  const dims =
    type === 'image/png'
      ? pngSize(bytes)
      : type === 'image/jpeg'
        ? jpegSize(bytes)
        : type === 'image/webp'
          ? webpSize(bytes)
          : gifSize(bytes);
  return dims ? { type, ...dims } : null;
}

/** The header rule an image broke, stable for callers and tests to match on. */
export type ImageRule = 'image-bytes' | 'image-type' | 'image-header' | 'image-pixels' | 'image-size';

/** An image input refused from its bytes' length or header: which field, which {@link ImageRule}. */
export class ImageInputError extends MjInputError {
  constructor(
    field: string,
    readonly check: ImageRule,
    rule: string
  ) {
    super(field, rule);
  }
}

export interface ImageLimits {
  /** Types the input may have. @default PNG, JPEG, WebP and GIF */
  types?: readonly SniffedImageType[];
  /** The exact size it must have (a mask: the size of the image it masks). */
  size?: { width: number; height: number };
  /** @default MAX_IMAGE_PIXELS */
  maxPixels?: number;
  /** @default MAX_IMAGE_BYTES */
  maxBytes?: number;
}

function typeList(types: readonly SniffedImageType[]): string {
  const names = types.map((t) => IMAGE_TYPE_NAMES[t]);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * Checks an image input from its length and header only, in this order: byte cap, type, readable header, pixel
 * cap, exact size. Returns the header; throws {@link ImageInputError} naming `field` and the rule.
 */
export function checkImage(bytes: Uint8Array, field: string, limits: ImageLimits = {}): ImageHeader {
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  const types = limits.types ?? ALL_TYPES;
  if (bytes.byteLength > maxBytes) {
    throw new ImageInputError(field, 'image-bytes', `must be at most ${maxBytes} bytes (it is ${bytes.byteLength})`);
  }
  const type = sniffImageType(bytes);
  if (!type || !types.includes(type))
    throw new ImageInputError(field, 'image-type', `must be a ${typeList(types)} image`);
  const head = readImageHeader(bytes);
  if (!head) {
    throw new ImageInputError(field, 'image-header', `must be a ${IMAGE_TYPE_NAMES[type]} image with a valid header`);
  }
  const { width, height } = head;
  if (width * height > maxPixels) {
    throw new ImageInputError(
      field,
      'image-pixels',
      `must have at most ${maxPixels} pixels (its header says ${width}×${height})`
    );
  }
  const want = limits.size;
  if (want && (width !== want.width || height !== want.height)) {
    throw new ImageInputError(
      field,
      'image-size',
      `must be ${want.width}×${want.height} px, the size of the image it masks (it is ${width}×${height})`
    );
  }
  return head;
}
