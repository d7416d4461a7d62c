/**
 * `data:` URL and image-signature helpers. The proxies take masks and reference images as
 * `data:image/png;base64,…` (contract §8, §14.4), while the asset store holds raw bytes.
 */
import { MAX_IMAGE_BYTES } from '../shared/defaults';

/** Image types recognised by {@link sniffImageType}. */
export type SniffedImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** Thrown when a string is not a well-formed `data:` URL, or decodes to more bytes than allowed. */
export class InvalidDataUrlError extends Error {
  override readonly name = 'InvalidDataUrlError';
  readonly code = 'INVALID_DATA_URL';
}

export interface DataUrlOptions {
  /** Largest decoded size accepted; checked before decoding so a huge string never allocates its bytes. @default MAX_IMAGE_BYTES (10 MiB) */
  maxBytes?: number;
}

/** A decoded `data:` URL. */
export interface ParsedDataUrl {
  /** The media type without parameters, lower-cased; `text/plain` when the URL names none (RFC 2397). */
  contentType: string;
  bytes: Uint8Array;
}

// RFC 2397: data:[<mediatype>][;base64],<data>. The media type may carry parameters (charset=…).
const DATA_URL_RE = /^data:([^,]*?),(.*)$/s;
// Strict: Buffer.from(…, 'base64') silently skips bad characters, which would turn garbage into a "valid" image.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;
const MEDIA_TYPE_RE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;

/** Parses a `data:` URL (base64 or percent-encoded) into its media type and bytes. */
export function parseDataUrl(url: string, opts: DataUrlOptions = {}): ParsedDataUrl {
  const maxBytes = opts.maxBytes ?? MAX_IMAGE_BYTES;
  const m = DATA_URL_RE.exec(url.trim());
  if (!m) throw new InvalidDataUrlError('not a data: URL');
  const params = m[1].split(';').map((p) => p.trim());
  const isBase64 = params.length > 1 && params[params.length - 1].toLowerCase() === 'base64';
  const mediaType = params[0] === '' ? 'text/plain' : params[0].toLowerCase();
  if (!MEDIA_TYPE_RE.test(mediaType)) throw new InvalidDataUrlError(`invalid media type in data: URL`);
  const body = m[2];
  if (isBase64) {
    // Whitespace is legal inside data URLs copied from HTML or JSON; everything else must be base64.
    const b64 = body.replace(/\s+/g, '');
    if (Math.floor((b64.length * 3) / 4) > maxBytes + 2)
      throw new InvalidDataUrlError(`data: URL exceeds ${maxBytes} bytes`);
    // A length of 4n+1 cannot come from any base64 encoder.
    if (b64.length % 4 === 1 || (!BASE64_RE.test(b64) && !BASE64URL_RE.test(b64))) {
      throw new InvalidDataUrlError('data: URL has invalid base64');
    }
    const bytes = new Uint8Array(Buffer.from(b64, BASE64_RE.test(b64) ? 'base64' : 'base64url'));
    if (bytes.length > maxBytes) throw new InvalidDataUrlError(`data: URL exceeds ${maxBytes} bytes`);
    return { contentType: mediaType, bytes };
  }
  let text: string;
  try {
    text = decodeURIComponent(body);
  } catch {
    throw new InvalidDataUrlError('data: URL has invalid percent-encoding');
  }
  const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
  if (bytes.length > maxBytes) throw new InvalidDataUrlError(`data: URL exceeds ${maxBytes} bytes`);
  return { contentType: mediaType, bytes };
}

/** The bytes of a `data:` URL; see {@link parseDataUrl} for the media type too. */
export function dataUrlToBytes(url: string, opts: DataUrlOptions = {}): Uint8Array {
  return parseDataUrl(url, opts).bytes;
}

/** Encodes bytes as `data:<contentType>;base64,…`, the exact form the proxies strip (`data:image/png;base64,`). */
export function bytesToDataUrl(bytes: Uint8Array, contentType: string): string {
  const type = contentType.trim().toLowerCase();
  // A comma or semicolon in the type would change what the receiver parses as the payload.
  if (!MEDIA_TYPE_RE.test(type)) throw new InvalidDataUrlError(`invalid media type "${contentType}"`);
  return `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

function startsWith(bytes: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + sig.length) return false;
  return sig.every((b, i) => bytes[offset + i] === b);
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIG = [0xff, 0xd8, 0xff];
const GIF87_SIG = [0x47, 0x49, 0x46, 0x38, 0x37, 0x61];
const GIF89_SIG = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61];
const RIFF_SIG = [0x52, 0x49, 0x46, 0x46];
const WEBP_SIG = [0x57, 0x45, 0x42, 0x50];

/** The image type named by the file signature, or null. Trusts bytes, not a server's Content-Type. */
export function sniffImageType(bytes: Uint8Array): SniffedImageType | null {
  if (startsWith(bytes, PNG_SIG)) return 'image/png';
  if (startsWith(bytes, JPEG_SIG)) return 'image/jpeg';
  if (startsWith(bytes, GIF87_SIG) || startsWith(bytes, GIF89_SIG)) return 'image/gif';
  if (startsWith(bytes, RIFF_SIG) && startsWith(bytes, WEBP_SIG, 8)) return 'image/webp';
  return null;
}

/** True when the bytes look like an ISO-BMFF video (`ftyp` box at offset 4: mp4, mov). */
export function looksLikeMp4(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x66, 0x74, 0x79, 0x70], 4);
}
