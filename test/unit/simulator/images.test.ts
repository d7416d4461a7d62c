import { PNG } from 'pngjs';
import {
  isPng,
  paletteFromHash,
  parseDataUrl,
  renderGrid,
  renderSingle,
  URL_TTL_MS,
  UrlSigner,
} from '../../../src/simulator/images';

function pixel(png: PNG, x: number, y: number): string {
  const i = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(i, i + 3)).join(',');
}

describe('generated images', () => {
  it('a grid is 512×512 with four different quadrant colours', () => {
    const png = PNG.sync.read(renderGrid(paletteFromHash('3dbbd469-36af')));
    expect([png.width, png.height]).toEqual([512, 512]);
    const centres = [pixel(png, 128, 128), pixel(png, 384, 128), pixel(png, 128, 384), pixel(png, 384, 384)];
    expect(new Set(centres).size).toBe(4);
  });

  it('a single image is 256×256 and matches the grid quadrant of the same hue', () => {
    const palette = paletteFromHash('abcdef');
    const grid = PNG.sync.read(renderGrid(palette));
    const single = PNG.sync.read(renderSingle(palette[2], 3));
    expect(single.width).toBe(256);
    expect(pixel(single, 128, 128)).toBe(pixel(grid, 128, 384));
  });

  it('different hashes give different palettes', () => {
    expect(paletteFromHash('000000')).not.toEqual(paletteFromHash('7fffff'));
  });
});

describe('UrlSigner', () => {
  const signer = new UrlSigner('secret');
  const t0 = Date.UTC(2026, 0, 1);

  it('issues Discord-shaped links whose ex is 24 h after issue', () => {
    const url = signer.sign('/__sim/images/1/grid.png', t0);
    const q = new URLSearchParams(url.split('?')[1]);
    expect(parseInt(q.get('ex')!, 16) - parseInt(q.get('is')!, 16)).toBe(URL_TTL_MS / 1000);
    expect(q.get('hm')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies until ex, then reports expiry; a forged link is invalid', () => {
    const url = signer.sign('/p.png', t0);
    const q = new URLSearchParams(url.split('?')[1]);
    expect(signer.verify('/p.png', q, t0 + URL_TTL_MS - 1000)).toBe('ok');
    expect(signer.verify('/p.png', q, t0 + URL_TTL_MS)).toBe('expired');
    expect(signer.verify('/other.png', q, t0)).toBe('invalid');
    q.set('ex', 'ffffffff');
    expect(signer.verify('/p.png', q, t0)).toBe('invalid');
  });
});

describe('data URLs', () => {
  it('parses base64 data URLs and recognises PNG bytes', () => {
    const png = renderSingle(10, 1, 8);
    const parsed = parseDataUrl(`data:image/png;base64,${png.toString('base64')}`);
    expect(parsed?.contentType).toBe('image/png');
    expect(isPng(parsed!.bytes)).toBe(true);
    expect(parseDataUrl('https://x/y.png')).toBeUndefined();
    expect(parseDataUrl('data:image/png;base64,')).toBeUndefined();
  });
});
