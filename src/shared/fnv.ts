/**
 * A short, stable hash for ids that must fit a column (state keys, child workflow ids): the same in every process
 * and on every replay, with no crypto import, so workflow code can use it. Not for secrets.
 */

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits. */
export function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** 16 hex digits: two FNV-1a passes (the text, and the text with a suffix), wide enough to keep ids apart. */
export function idHash(text: string): string {
  return `${fnv1a32(text)}${fnv1a32(`${text}#`)}`;
}
