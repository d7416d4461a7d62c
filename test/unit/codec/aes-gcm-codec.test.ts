import { createDecipheriv, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  createAesGcmCodec,
  generateCodecKey,
  parseCodecKeys,
} from '../../../src/codec';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const SECRET_PROMPT = 'a very secret prompt about a lighthouse --ar 16:9';
const str = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('utf8');

function payloadOf(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

describe('AesGcmCodec', () => {
  const codec = new AesGcmCodec({ keys: { a: KEY_A }, currentKeyId: 'a' });

  it('round-trips payloads, metadata included', async () => {
    const input = [payloadOf({ prompt: SECRET_PROMPT, n: 4 }), payloadOf(null), payloadOf(new Uint8Array([1, 2, 3]))];
    const encoded = await codec.encode(input);
    expect(encoded).toHaveLength(3);
    for (const p of encoded) {
      expect(str(p.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(str(p.metadata?.[KEY_ID_METADATA_KEY])).toBe('a');
      expect(Object.keys(p.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY].sort());
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { prompt: SECRET_PROMPT, n: 4 },
      null,
      new Uint8Array([1, 2, 3]),
    ]);
    expect(str(decoded[0].metadata?.encoding)).toBe('json/plain');
  });

  it('handles an empty list and a payload with no data', async () => {
    expect(await codec.encode([])).toEqual([]);
    const [p] = await codec.decode(
      await codec.encode([{ metadata: { encoding: new Uint8Array(Buffer.from('binary/null')) } }])
    );
    expect(str(p.metadata?.encoding)).toBe('binary/null');
    expect(p.data?.byteLength ?? 0).toBe(0);
  });

  it('shows no plaintext in the encoded bytes, and two encodings of one value differ (random IV)', async () => {
    const [a] = await codec.encode([payloadOf({ prompt: SECRET_PROMPT })]);
    const [b] = await codec.encode([payloadOf({ prompt: SECRET_PROMPT })]);
    const wire = Buffer.from(temporal.api.common.v1.Payload.encode(a).finish());
    expect(wire.includes(Buffer.from('lighthouse'))).toBe(false);
    expect(wire.includes(Buffer.from('json/plain'))).toBe(false);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    // IV (12) + tag (16) + protobuf framing around the JSON.
    expect(a.data!.byteLength).toBeGreaterThan(28 + SECRET_PROMPT.length);
  });

  it('encrypts a temporal.api.common.v1.Payload protobuf that another implementation can decrypt', async () => {
    const [enc] = await codec.encode([payloadOf({ x: 1 })]);
    const data = Buffer.from(enc.data!);
    // Decrypt by hand (IV ‖ ciphertext ‖ tag, AAD "binary/encrypted:<id>") and parse with the official message type.
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(KEY_A, 'base64'), data.subarray(0, 12));
    decipher.setAAD(Buffer.from('binary/encrypted:a'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    const inner = temporal.api.common.v1.Payload.decode(plain);
    expect(str(inner.metadata.encoding)).toBe('json/plain');
    expect(JSON.parse(str(inner.data))).toEqual({ x: 1 });
  });

  it.each([
    ['a flipped ciphertext byte', (d: Uint8Array) => void (d[20] ^= 0x01)],
    ['a flipped IV byte', (d: Uint8Array) => void (d[0] ^= 0x80)],
    ['a flipped tag byte', (d: Uint8Array) => void (d[d.length - 1] ^= 0x01)],
  ])('rejects %s', async (_name, mutate) => {
    const [enc] = await codec.encode([payloadOf({ prompt: SECRET_PROMPT })]);
    const data = new Uint8Array(enc.data!);
    mutate(data);
    await expect(codec.decode([{ ...enc, data }])).rejects.toThrow(PayloadDecryptionError);
  });

  it('rejects truncated data and a missing key id', async () => {
    const [enc] = await codec.encode([payloadOf(1)]);
    await expect(codec.decode([{ ...enc, data: enc.data!.subarray(0, 20) }])).rejects.toThrow(/truncated/);
    await expect(codec.decode([{ ...enc, data: enc.data!.subarray(0, enc.data!.length - 1) }])).rejects.toThrow(
      PayloadDecryptionError
    );
    const { [KEY_ID_METADATA_KEY]: _drop, ...meta } = enc.metadata!;
    await expect(codec.decode([{ ...enc, metadata: meta }])).rejects.toThrow(/no encryption-key-id/);
  });

  it('rejects an unknown key id', async () => {
    const [enc] = await codec.encode([payloadOf(1)]);
    const relabelled = {
      ...enc,
      metadata: { ...enc.metadata, [KEY_ID_METADATA_KEY]: new Uint8Array(Buffer.from('zzz')) },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow(/unknown encryption key id "zzz"/);
  });

  it('binds the key id: relabelling to another known key with the same bytes still fails', async () => {
    const twin = new AesGcmCodec({ keys: { a: KEY_A, alias: KEY_A }, currentKeyId: 'a' });
    const [enc] = await twin.encode([payloadOf(1)]);
    const relabelled = {
      ...enc,
      metadata: { ...enc.metadata, [KEY_ID_METADATA_KEY]: new Uint8Array(Buffer.from('alias')) },
    };
    await expect(twin.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
  });

  it('passes through payloads that were never encrypted', async () => {
    const plain = payloadOf({ legacy: true });
    const [out] = await codec.decode([plain]);
    expect(out).toBe(plain);
  });

  it('rotates keys: encodes with the current key, decodes with any known key', async () => {
    const old = new AesGcmCodec({ keys: { a: KEY_A }, currentKeyId: 'a' });
    const rotated = new AesGcmCodec({ keys: { a: KEY_A, b: KEY_B }, currentKeyId: 'b' });
    const [fromOld] = await old.encode([payloadOf('old')]);
    const [fromNew] = await rotated.encode([payloadOf('new')]);
    expect(str(fromNew.metadata?.[KEY_ID_METADATA_KEY])).toBe('b');
    const decoded = await rotated.decode([fromOld, fromNew]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['old', 'new']);
    await expect(old.decode([fromNew])).rejects.toThrow(/unknown encryption key id "b"/);
  });

  it('keeps fields other than metadata and data on the outer payload', async () => {
    const [enc] = await codec.encode([{ ...payloadOf(1), externalPayloads: [{}] } as Payload]);
    expect((enc as { externalPayloads?: unknown[] }).externalPayloads).toEqual([{}]);
  });

  describe('configuration', () => {
    it.each([
      [{ keys: { a: randomBytes(16).toString('base64') }, currentKeyId: 'a' }, /must be 32 bytes, got 16/],
      [{ keys: { a: 'not base64!!' }, currentKeyId: 'a' }, /not standard base64/],
      [{ keys: { a: KEY_A }, currentKeyId: 'b' }, /currentKeyId "b" is not among the keys/],
      [{ keys: { 'bad id': KEY_A }, currentKeyId: 'bad id' }, /must be 1-64 of/],
    ])('rejects %o', (opts, msg) => {
      expect(() => createAesGcmCodec(opts)).toThrow(msg);
    });

    it('never puts key material in an error message', () => {
      const short = randomBytes(31).toString('base64');
      try {
        createAesGcmCodec({ keys: { k: short }, currentKeyId: 'k' });
        throw new Error('expected a TypeError');
      } catch (err) {
        expect((err as Error).message).not.toContain(short);
      }
    });

    it('accepts raw 32-byte keys', async () => {
      const raw = new AesGcmCodec({ keys: { r: randomBytes(32) }, currentKeyId: 'r' });
      expect(defaultPayloadConverter.fromPayload((await raw.decode(await raw.encode([payloadOf(7)])))[0])).toBe(7);
    });

    it('parseCodecKeys reads "<id>:<base64>,…" with the first as current', () => {
      const k1 = generateCodecKey();
      const k2 = generateCodecKey();
      expect(Buffer.from(k1, 'base64')).toHaveLength(32);
      expect(parseCodecKeys(` new:${k1}, old:${k2} `)).toEqual({ keys: { new: k1, old: k2 }, currentKeyId: 'new' });
      expect(() => parseCodecKeys('')).toThrow(/empty/);
      expect(() => parseCodecKeys(`a:${k1},a:${k2}`)).toThrow(/twice/);
      expect(() => parseCodecKeys(k1)).toThrow(/<id>:<base64>/);
    });
  });
});
