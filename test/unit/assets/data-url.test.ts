import sharp from 'sharp';
import {
  InvalidDataUrlError,
  bytesToDataUrl,
  dataUrlToBytes,
  looksLikeMp4,
  parseDataUrl,
  safeKeySegment,
  sha256FromKey,
  sniffImageType,
} from '../../../src/assets';

describe('data URLs', () => {
  it('round-trips bytes through a base64 data URL', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 255]);
    const url = bytesToDataUrl(bytes, 'image/png');
    expect(url).toBe('data:image/png;base64,AAEC+vv/');
    expect(Array.from(dataUrlToBytes(url))).toEqual(Array.from(bytes));
    expect(parseDataUrl(url).contentType).toBe('image/png');
  });

  it('encodes a Uint8Array view without leaking the rest of its buffer', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 9]);
    expect(bytesToDataUrl(backing.subarray(2, 4), 'image/png')).toBe('data:image/png;base64,AQI=');
  });

  it('emits exactly the prefix T strips from masks', () => {
    expect(bytesToDataUrl(new Uint8Array([1]), 'IMAGE/PNG ')).toMatch(/^data:image\/png;base64,/);
  });

  it('parses parameters, unpadded, base64url, whitespace and percent-encoded forms', () => {
    expect(parseDataUrl('data:image/png;charset=x;base64,AQI=').contentType).toBe('image/png');
    expect(Array.from(dataUrlToBytes('data:image/png;base64,AQI'))).toEqual([1, 2]);
    expect(Array.from(dataUrlToBytes('data:image/png;base64,-_8'))).toEqual([251, 255]);
    expect(Array.from(dataUrlToBytes('data:image/png;base64,AQ\nI=\n'))).toEqual([1, 2]);
    expect(parseDataUrl('data:,hello%20world')).toEqual({
      contentType: 'text/plain',
      bytes: new Uint8Array(Buffer.from('hello world')),
    });
  });

  it.each([
    'http://example.com/x.png',
    'data:image/png;base64',
    'data:image/png;base64,A',
    'data:image/png;base64,AQ*I',
    'data:image/png;base64,AQ==AQ==',
    'data:image png;base64,AQI=',
    'data:,%E0%A4%A',
  ])('rejects %j', (url) => {
    expect(() => dataUrlToBytes(url)).toThrow(InvalidDataUrlError);
  });

  it('enforces maxBytes before and after decoding', () => {
    const url = bytesToDataUrl(new Uint8Array(100), 'image/png');
    expect(() => dataUrlToBytes(url, { maxBytes: 99 })).toThrow(/exceeds 99 bytes/);
    expect(dataUrlToBytes(url, { maxBytes: 100 })).toHaveLength(100);
    expect(() => dataUrlToBytes('data:,' + 'a'.repeat(11), { maxBytes: 10 })).toThrow(InvalidDataUrlError);
  });

  it('refuses a content type that would change how the URL parses', () => {
    expect(() => bytesToDataUrl(new Uint8Array([1]), 'image/png;base64,AAAA')).toThrow(InvalidDataUrlError);
    expect(() => bytesToDataUrl(new Uint8Array([1]), 'png')).toThrow(InvalidDataUrlError);
  });
});

describe('sniffImageType', () => {
  const px = { create: { width: 2, height: 2, channels: 3 as const, background: { r: 10, g: 20, b: 30 } } };

  it('recognises real PNG, JPEG, WebP and GIF files', async () => {
    expect(sniffImageType(await sharp(px).png().toBuffer())).toBe('image/png');
    expect(sniffImageType(await sharp(px).jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffImageType(await sharp(px).webp().toBuffer())).toBe('image/webp');
    expect(sniffImageType(await sharp(px).gif().toBuffer())).toBe('image/gif');
  });

  it('returns null for other bytes, truncated signatures and RIFF that is not WebP', () => {
    expect(sniffImageType(new Uint8Array(Buffer.from('<html>gone</html>')))).toBeNull();
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e]))).toBeNull();
    expect(sniffImageType(new Uint8Array(Buffer.from('RIFF\0\0\0\0WAVEfmt ')))).toBeNull();
    expect(sniffImageType(new Uint8Array())).toBeNull();
  });

  it('recognises an mp4 ftyp box', () => {
    expect(looksLikeMp4(new Uint8Array(Buffer.from('\0\0\0\x18ftypmp42')))).toBe(true);
    expect(looksLikeMp4(new Uint8Array(Buffer.from('\x89PNG\r\n\x1a\n')))).toBe(false);
  });
});

describe('key helpers', () => {
  it('safeKeySegment makes any job id one safe segment', () => {
    expect(safeKeySegment('mj-job-abc_1.2')).toBe('mj-job-abc_1.2');
    expect(safeKeySegment('a/b\\c d:e')).toBe('a_b_c_d_e');
    expect(safeKeySegment('..')).toBe('_..');
    expect(safeKeySegment('')).toBe('_');
    expect(safeKeySegment('x'.repeat(500))).toHaveLength(128);
  });

  it('sha256FromKey reads the hash back from a content-addressed key', () => {
    const h = 'ab'.repeat(32);
    expect(sha256FromKey(`images/job/${h}.png`)).toBe(h);
    expect(sha256FromKey('images/job/not-a-hash.png')).toBeNull();
  });
});
