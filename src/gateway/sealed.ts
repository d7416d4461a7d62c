/**
 * Values sealed with AES-256-GCM into one base64url string: readable and changeable only with the key. Used for
 * console sessions (random IV) and for the grants in our image and upload URLs (IV derived from the value, so the
 * same grant gives the same URL and clients can cache it).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class Sealer {
  private readonly key: Buffer;
  private readonly ivKey?: Buffer;

  /**
   * @param key 32 bytes.
   * @param opts.deterministic the IV is an HMAC of the plaintext (a synthetic IV): equal values seal equally, which
   *   tells an observer only that two sealed values are equal. @default false (random IV)
   */
  constructor(key: Uint8Array, opts: { deterministic?: boolean } = {}) {
    if (key.byteLength !== 32) throw new TypeError('sealing key must be 32 bytes');
    this.key = createHmac('sha256', key).update('seal-key').digest();
    if (opts.deterministic) this.ivKey = createHmac('sha256', key).update('seal-iv').digest();
  }

  seal(value: unknown): string {
    const plain = Buffer.from(JSON.stringify(value), 'utf8');
    const iv = this.ivKey
      ? createHmac('sha256', this.ivKey).update(plain).digest().subarray(0, IV_BYTES)
      : randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The sealed value, or null when the text is forged, damaged or sealed with another key. */
  open(text: string | undefined): unknown {
    if (!text || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
    try {
      const raw = Buffer.from(text, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }
}
