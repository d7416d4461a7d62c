import sharp from 'sharp';
import { checkImage, ImageInputError, readImageHeader, type ImageRule } from '../../../src/assets';
import { MjInputError } from '../../../src/mj/errors';
import { MAX_IMAGE_PIXELS } from '../../../src/shared/defaults';
import { bombPng } from '../../helpers/bomb-png';

const W = 1000;
const H = 777;

function pixels(channels: 3 | 4 = 3) {
  return sharp({ create: { width: W, height: H, channels, background: { r: 200, g: 30, b: 60, alpha: 0.5 } } });
}

function refusal(run: () => unknown): ImageInputError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ImageInputError);
    expect(err).toBeInstanceOf(MjInputError);
    return err as ImageInputError;
  }
  throw new Error('expected a refusal');
}

describe('readImageHeader', () => {
  const encoders: [string, () => Promise<Buffer>][] = [
    ['PNG (RGB)', () => pixels().png().toBuffer()],
    ['PNG (palette)', () => pixels().png({ palette: true }).toBuffer()],
    ['PNG (16-bit grey)', () => pixels().greyscale().toColourspace('grey16').png().toBuffer()],
    ['JPEG (baseline)', () => pixels().jpeg().toBuffer()],
    ['JPEG (progressive)', () => pixels().jpeg({ progressive: true }).toBuffer()],
    ['JPEG (EXIF and ICC segments before the frame)', () => pixels().withMetadata().jpeg().toBuffer()],
    ['WebP (lossy, VP8)', () => pixels().webp().toBuffer()],
    ['WebP (lossy with alpha, VP8X)', () => pixels(4).webp().toBuffer()],
    ['WebP (lossless, VP8L)', () => pixels().webp({ lossless: true }).toBuffer()],
    ['GIF', () => pixels().gif().toBuffer()],
  ];

  it.each(encoders)('reads %s as sharp does', async (_name, encode) => {
    const bytes = await encode();
    const meta = await sharp(bytes).metadata();
    const head = readImageHeader(new Uint8Array(bytes));
    expect(head).toEqual({ type: `image/${meta.format}`, width: W, height: H });
    expect(head).toMatchObject({ width: meta.width, height: meta.height });
  });

  it('reads a view into a larger buffer at its own offset', async () => {
    const png = await pixels().png().toBuffer();
    const backing = new Uint8Array(png.length + 7);
    backing.set(png, 7);
    expect(readImageHeader(backing.subarray(7))).toMatchObject({ width: W, height: H });
  });

  it('skips stray bytes between JPEG segments, as libjpeg does', async () => {
    const jpeg = await pixels().jpeg().toBuffer();
    const afterApp0 = 4 + jpeg.readUInt16BE(4); // SOI (2), APP0 marker (2), its length
    const padded = Buffer.concat([jpeg.subarray(0, afterApp0), Buffer.from([0, 0, 0]), jpeg.subarray(afterApp0)]);
    expect((await sharp(padded).metadata()).width).toBe(W);
    expect(readImageHeader(padded)).toEqual({ type: 'image/jpeg', width: W, height: H });
  });

  it('reads the bomb’s header without touching its body', () => {
    expect(readImageHeader(bombPng())).toEqual({ type: 'image/png', width: 20_000, height: 20_000 });
  });

  it.each(encoders)('is null, never throwing, for every truncation of a %s header', async (_name, encode) => {
    const bytes = new Uint8Array(await encode());
    const full = readImageHeader(bytes);
    let firstComplete = -1;
    for (let n = 0; n <= Math.min(bytes.length, 4096); n++) {
      const head = readImageHeader(bytes.subarray(0, n));
      if (head) {
        expect(head).toEqual(full);
        if (firstComplete < 0) firstComplete = n;
      } else {
        expect(firstComplete).toBe(-1);
      }
    }
    expect(firstComplete).toBeGreaterThan(0);
  });

  it('is null for unknown bytes, a PNG without IHDR first, a zero side, and a JPEG with no frame header', () => {
    expect(readImageHeader(new Uint8Array(Buffer.from('<html>not an image</html>')))).toBeNull();
    const noIhdr = bombPng(4, 4);
    noIhdr.write('IDAT', 12, 'latin1');
    expect(readImageHeader(noIhdr)).toBeNull();
    expect(readImageHeader(bombPng(0, 4))).toBeNull();
    // SOI, then straight into scan data.
    expect(readImageHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]))).toBeNull();
    // SOI, SOF0 with height 0 (left to a DNL marker): no size stated.
    const dnl = [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 8, 0x00, 0x00, 0x00, 0x10, 1, 1, 0x11, 0];
    expect(readImageHeader(new Uint8Array(dnl))).toBeNull();
  });
});

describe('checkImage', () => {
  const rule = (run: () => unknown): ImageRule => refusal(run).check;

  it('returns the header of an image within every limit', async () => {
    const png = new Uint8Array(await pixels().png().toBuffer());
    expect(checkImage(png, 'mask', { types: ['image/png'], size: { width: W, height: H } })).toEqual({
      type: 'image/png',
      width: W,
      height: H,
    });
  });

  it('refuses, naming the field and the rule: bytes, type, header, pixels, size', async () => {
    const png = new Uint8Array(await pixels().png().toBuffer());
    const jpeg = new Uint8Array(await pixels().jpeg().toBuffer());
    expect(rule(() => checkImage(png, 'x', { maxBytes: png.length - 1 }))).toBe('image-bytes');
    expect(rule(() => checkImage(new Uint8Array(Buffer.from('GIF8')), 'x'))).toBe('image-type');
    const onlyPng = refusal(() => checkImage(jpeg, 'maskBase64', { types: ['image/png'] }));
    expect(onlyPng).toMatchObject({
      field: 'maskBase64',
      check: 'image-type',
      message: 'maskBase64 must be a PNG image',
    });
    expect(refusal(() => checkImage(new Uint8Array(Buffer.from('<svg/>')), 'base64Array[2]')).message).toBe(
      'base64Array[2] must be a PNG, JPEG, WebP or GIF image'
    );
    expect(rule(() => checkImage(png.subarray(0, 20), 'x'))).toBe('image-header');
    expect(rule(() => checkImage(png, 'x', { maxPixels: W * H - 1 }))).toBe('image-pixels');
    expect(rule(() => checkImage(png, 'mask', { size: { width: W, height: H + 1 } }))).toBe('image-size');
    expect(refusal(() => checkImage(png, 'mask', { size: { width: 9, height: 6 } })).message).toMatch(/9×6/);
  });

  it('refuses the 20000×20000 bomb by its header: the pixel cap comes before the size', () => {
    const bomb = refusal(() =>
      checkImage(bombPng(), 'mask', { types: ['image/png'], size: { width: 256, height: 256 } })
    );
    expect(bomb).toMatchObject({ field: 'mask', check: 'image-pixels' });
    expect(bomb.message).toBe(`mask must have at most ${MAX_IMAGE_PIXELS} pixels (its header says 20000×20000)`);
  });
});
