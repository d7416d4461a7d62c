/**
 * A Temporal {@link PayloadCodec} that encrypts every payload with AES-256-GCM, so prompts, masks' references and
 * task snapshots are opaque to the Temporal server and anyone reading its database.
 *
 * Wire format: metadata `encoding: binary/encrypted`, `encryption-key-id: <id>`; data = 12-byte IV ‖ ciphertext ‖
 * 16-byte tag. The plaintext is the original payload serialised as a `temporal.api.common.v1.Payload` protobuf (the
 * same bytes `@temporalio/proto` produces), so its metadata (`encoding: json/plain`, …) is hidden too and a codec
 * server in another language can decrypt it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { Field, MapField, Type } from 'protobufjs';

/** Metadata `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key holding the id of the key a payload was encrypted with. */
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Only the two fields we encrypt; byte-identical to temporal.api.common.v1.Payload for them.
const PayloadMessage = new Type('Payload')
  .add(new MapField('metadata', 1, 'string', 'bytes'))
  .add(new Field('data', 2, 'bytes'));

export interface AesGcmCodecOptions {
  /** Every key that may still be needed to decode, by id: 32 bytes, as standard base64 or raw bytes. */
  keys: Readonly<Record<string, string | Uint8Array>>;
  /** The id of the key new payloads are encrypted with; must be one of `keys`. */
  currentKeyId: string;
}

/** Thrown by {@link AesGcmCodec.decode} when a payload cannot be authenticated or names an unknown key. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  readonly code = 'PAYLOAD_DECRYPTION_FAILED';
}

const enc = new TextEncoder();
const dec = new TextDecoder();

// The key id is bound as additional authenticated data, so relabelling a payload with another id fails too.
const aadFor = (keyId: string): Buffer => Buffer.from(`${ENCRYPTED_ENCODING}:${keyId}`, 'utf8');

function decodeKey(id: string, key: string | Uint8Array): Buffer {
  // Messages name the id only: the key itself must never reach a log.
  if (!KEY_ID_RE.test(id)) throw new TypeError(`codec key id "${id.slice(0, 64)}" must be 1-64 of [A-Za-z0-9._-]`);
  let bytes: Buffer;
  if (typeof key === 'string') {
    const b64 = key.trim();
    if (!BASE64_RE.test(b64)) throw new TypeError(`codec key "${id}" is not standard base64`);
    bytes = Buffer.from(b64, 'base64');
  } else {
    bytes = Buffer.from(key);
  }
  if (bytes.length !== KEY_BYTES)
    throw new TypeError(`codec key "${id}" must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

/** AES-256-GCM payload codec with key rotation: encodes with the current key, decodes with any known key. */
export class AesGcmCodec implements PayloadCodec {
  readonly currentKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(opts: AesGcmCodecOptions) {
    this.keys = new Map(Object.entries(opts.keys).map(([id, key]) => [id, decodeKey(id, key)]));
    if (!this.keys.has(opts.currentKeyId))
      throw new TypeError(`codec currentKeyId "${opts.currentKeyId}" is not among the keys`);
    this.currentKeyId = opts.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId)!;
    return payloads.map(({ metadata, data, ...rest }) => {
      const plain = PayloadMessage.encode(
        PayloadMessage.create({ metadata: metadata ?? {}, data: data ?? new Uint8Array() })
      ).finish();
      // Random 96-bit IVs: NIST caps one key at 2^32 such encryptions, one more reason to rotate keys.
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aadFor(this.currentKeyId));
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        ...rest,
        metadata: {
          [METADATA_ENCODING_KEY]: enc.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA_KEY]: enc.encode(this.currentKeyId),
        },
        data: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before encryption was switched on still decode.
      if (!encoding || dec.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const rawId = payload.metadata?.[KEY_ID_METADATA_KEY];
      if (!rawId) throw new PayloadDecryptionError('encrypted payload has no encryption-key-id');
      const keyId = dec.decode(rawId);
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadDecryptionError(`unknown encryption key id "${keyId.slice(0, 64)}"`);
      const data = payload.data ?? new Uint8Array();
      if (data.byteLength < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is truncated');
      const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
        decipher.setAAD(aadFor(keyId));
        decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
        plain = Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`encrypted payload failed authentication (key id "${keyId}")`);
      }
      const inner = PayloadMessage.decode(plain) as unknown as {
        metadata: Record<string, Uint8Array>;
        data: Uint8Array;
      };
      const { metadata: _m, data: _d, ...rest } = payload;
      return { ...rest, metadata: { ...inner.metadata }, data: inner.data };
    });
  }
}

/** Builds the codec; see {@link AesGcmCodecOptions}. */
export function createAesGcmCodec(opts: AesGcmCodecOptions): AesGcmCodec {
  return new AesGcmCodec(opts);
}

/**
 * Parses a key list such as `2025-06:BASE64,2025-01:BASE64` (the first entry is the current key), the form an env
 * variable can hold.
 */
export function parseCodecKeys(spec: string): AesGcmCodecOptions {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new TypeError('codec keys must be "<id>:<base64>" entries separated by commas');
      return [entry.slice(0, colon), entry.slice(colon + 1)] as const;
    });
  if (entries.length === 0) throw new TypeError('codec keys are empty');
  const keys: Record<string, string> = {};
  for (const [id, key] of entries) {
    if (id in keys) throw new TypeError(`codec key id "${id}" appears twice`);
    keys[id] = key;
  }
  return { keys, currentKeyId: entries[0][0] };
}

/** A fresh random key as base64, for operators creating or rotating keys. */
export function generateCodecKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
