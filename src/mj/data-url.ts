/**
 * Checks for the image payloads the proxies accept (§2.2, §8). Each `…Problem` function returns the broken rule as a
 * phrase that follows the field name, or null, so zod refinements and direct validators share one wording.
 */
import { MjInputError } from './errors';

const DATA_URL_RE = /^data:image\/(png|jpeg|webp|gif);base64,(.*)$/s;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const PNG_PREFIX = 'data:image/png;base64,';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The phrase used when an image is not an accepted data URL. */
export const IMAGE_DATA_URL_RULE = 'must be an image data URL (data:image/<png|jpeg|webp|gif>;base64,…)';
/** The phrase used when a mask is not a PNG data URL. */
export const PNG_DATA_URL_RULE = 'must be a PNG data URL (data:image/png;base64,…)';

function base64Problem(payload: string): string | null {
  if (payload.length === 0) return 'must carry base64 data after the comma';
  // Unpadded base64 is common from browsers; a length of 4n+1 can never be valid.
  if (!BASE64_RE.test(payload) || payload.length % 4 === 1) return 'must carry valid base64 data';
  return null;
}

/** Why `value` is not an accepted image data URL, or null when it is. */
export function imageDataUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return IMAGE_DATA_URL_RULE;
  const m = DATA_URL_RE.exec(value);
  if (!m) return IMAGE_DATA_URL_RULE;
  return base64Problem(m[2]!);
}

/**
 * Why `value` is not a PNG data URL whose bytes start with the PNG signature, or null. T strips exactly
 * `data:image/png;base64,` before handing the mask to MJ's inpaint endpoint (§8), so nothing else may pass.
 */
export function pngDataUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith(PNG_PREFIX)) return PNG_DATA_URL_RULE;
  const payload = value.slice(PNG_PREFIX.length);
  const b64 = base64Problem(payload);
  if (b64) return b64;
  // 12 base64 characters decode to 9 bytes: enough for the 8-byte signature.
  const head = Buffer.from(payload.slice(0, 12), 'base64');
  if (head.length < PNG_SIGNATURE.length || !head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    return 'must hold PNG bytes (the data does not start with the PNG signature)';
  }
  return null;
}

/** Why `value` is not an http(s) URL, or null. */
export function httpUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be an http(s) URL';
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

/**
 * Why `value` is not an image reference of the edits/video kind: an http(s) URL, an image data URL, or bare base64
 * (T adds the PNG prefix itself), or null.
 */
export function imageRefProblem(value: unknown): string | null {
  const rule = 'must be an http(s) URL, an image data URL or base64 data';
  if (typeof value !== 'string' || value.length === 0) return rule;
  if (/^https?:\/\//i.test(value)) return httpUrlProblem(value);
  if (value.startsWith('data:')) return imageDataUrlProblem(value);
  return base64Problem(value) ? rule : null;
}

/** Throws {@link MjInputError} unless `value` is a PNG data URL (`data:image/png;base64,`) holding PNG bytes. */
export function validatePngDataUrl(value: unknown, field: string): string {
  const problem = pngDataUrlProblem(value);
  if (problem) throw new MjInputError(field, problem);
  return value as string;
}

/** Throws {@link MjInputError} unless `value` is a `data:image/<png|jpeg|webp|gif>;base64,` URL. */
export function validateImageDataUrl(value: unknown, field: string): string {
  const problem = imageDataUrlProblem(value);
  if (problem) throw new MjInputError(field, problem);
  return value as string;
}
