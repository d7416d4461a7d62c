/**
 * Image side of the simulator: Discord-style signed, expiring URLs and generated PNGs whose grid quadrants are
 * visibly different, so clients can prove they saved the right picture. Uploaded bytes are kept for serving back.
 */
import { createHmac } from 'node:crypto';
import { PNG } from 'pngjs';

/** Discord CDN links live about 24 h after they are issued (contract §14.5). */
export const URL_TTL_MS = 24 * 3_600_000;

/** Edge of a generated grid image, px. */
export const GRID_SIZE = 512;
/** Edge of an upscale or single grid cell, px. */
export const SINGLE_SIZE = 256;
/** Edge of a progress preview grid, px. */
export const PREVIEW_SIZE = 128;

/** Signs paths like Discord attachment URLs: `?ex=<hex unix s>&is=<hex unix s>&hm=<hex hmac>&`. */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  sign(path: string, issuedAtMs: number): string {
    const is = Math.floor(issuedAtMs / 1000);
    const ex = is + URL_TTL_MS / 1000;
    const query = `ex=${ex.toString(16)}&is=${is.toString(16)}`;
    return `${path}?${query}&hm=${this.mac(path, query)}&`;
  }

  /** 'ok', 'expired' (past `ex` at `nowMs`) or 'invalid' (missing or forged parameters). */
  verify(path: string, params: URLSearchParams, nowMs: number): 'ok' | 'expired' | 'invalid' {
    const ex = params.get('ex');
    const is = params.get('is');
    const hm = params.get('hm');
    if (!ex || !is || !hm || !/^[0-9a-f]+$/.test(ex) || !/^[0-9a-f]+$/.test(is)) return 'invalid';
    if (hm !== this.mac(path, `ex=${ex}&is=${is}`)) return 'invalid';
    return nowMs >= parseInt(ex, 16) * 1000 ? 'expired' : 'ok';
  }

  private mac(path: string, query: string): string {
    return createHmac('sha256', this.secret).update(`${path}?${query}`).digest('hex');
  }
}

type Rgb = [number, number, number];

function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] =
    hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Four hues a quarter turn apart, starting from one derived from the job hash. */
export function paletteFromHash(hash: string): number[] {
  const base = parseInt(hash.replace(/[^0-9a-f]/gi, '').slice(0, 6) || '0', 16) % 360;
  return [0, 90, 180, 270].map((d) => (base + d) % 360);
}

class Canvas {
  readonly png: PNG;
  constructor(readonly size: number) {
    this.png = new PNG({ width: size, height: size });
  }
  fill(x0: number, y0: number, w: number, h: number, [r, g, b]: Rgb): void {
    const x1 = Math.min(this.size, x0 + w);
    const left = Math.max(0, x0);
    if (x1 <= left) return;
    const pixel = Buffer.from([r, g, b, 255]);
    for (let y = Math.max(0, y0); y < Math.min(this.size, y0 + h); y++) {
      const row = y * this.size * 4;
      this.png.data.fill(pixel, row + left * 4, row + x1 * 4);
    }
  }
  encode(): Buffer {
    // RGBA output avoids pngjs's per-pixel colour conversion and a fixed "sub" filter its per-row filter search;
    // both are slow (seconds under jest), and solid fields still compress to a few KB.
    return PNG.sync.write(this.png, { colorType: 6, filterType: 1, deflateLevel: 6 });
  }
}

/**
 * One picture: a solid field with `marks` white squares in its top-left corner, so each quadrant carries its index
 * as well as its colour. `washout` (0–1) greys the colour, as an unfinished preview looks.
 */
function paint(canvas: Canvas, x0: number, y0: number, w: number, hue: number, marks: number, washout = 0): void {
  canvas.fill(x0, y0, w, w, hslToRgb(hue, 0.7 * (1 - washout), 0.5 + 0.2 * washout));
  const unit = Math.max(2, Math.round(w / 24));
  for (let k = 0; k < marks; k++) canvas.fill(x0 + unit + k * unit * 2, y0 + unit, unit, unit, [255, 255, 255]);
}

/** A 2×2 grid; quadrant i (0-based, row-major) has hue `palette[i]` and i+1 marks. */
export function renderGrid(palette: number[], size = GRID_SIZE, washout = 0): Buffer {
  const canvas = new Canvas(size);
  const half = size / 2;
  palette
    .slice(0, 4)
    .forEach((hue, i) => paint(canvas, (i % 2) * half, Math.floor(i / 2) * half, half, hue, i + 1, washout));
  // A dark gutter like MJ's grid seams; kept thin so quadrant centres stay pure colour.
  const seam = Math.max(1, Math.round(size / 128));
  canvas.fill(half - seam, 0, seam * 2, size, [20, 20, 20]);
  canvas.fill(0, half - seam, size, seam * 2, [20, 20, 20]);
  return canvas.encode();
}

/** A single image (an upscale or one grid cell). */
export function renderSingle(hue: number, marks: number, size = SINGLE_SIZE, washout = 0): Buffer {
  const canvas = new Canvas(size);
  paint(canvas, 0, 0, size, hue, marks, washout);
  return canvas.encode();
}

/** A minimal MP4 (ftyp + empty mdat): enough for clients that check the container type. */
export function fakeMp4(): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from('ftypisom'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from('isommp41'),
  ]);
  const mdat = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('mdat')]);
  return Buffer.concat([ftyp, mdat]);
}

/** Bounded memory of rendered PNGs: the same URL is often fetched twice (download, then verify). */
export class ImageCache {
  private readonly entries = new Map<string, Buffer>();
  constructor(private readonly max = 64) {}
  /** The cached bytes, else `make()`'s; an undefined result (no such image yet) is not cached. */
  get(key: string, make: () => Buffer | undefined): Buffer | undefined {
    let buf = this.entries.get(key);
    if (!buf) {
      buf = make();
      if (!buf) return undefined;
      this.entries.set(key, buf);
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    }
    return buf;
  }
  clear(): void {
    this.entries.clear();
  }
}

/** One uploaded image and when its link was issued. */
export interface StoredUpload {
  bytes: Buffer;
  contentType: string;
  issuedAt: number;
}

/** Uploaded images, oldest evicted first once `maxBytes` is exceeded. */
export class UploadStore {
  private readonly uploads = new Map<string, StoredUpload[]>();
  private bytes = 0;

  constructor(private readonly maxBytes = 128 * 1024 * 1024) {}

  put(id: string, files: StoredUpload[]): void {
    this.uploads.set(id, files);
    this.bytes += files.reduce((n, f) => n + f.bytes.length, 0);
    while (this.bytes > this.maxBytes && this.uploads.size > 1) {
      const [oldest, list] = this.uploads.entries().next().value as [string, StoredUpload[]];
      this.uploads.delete(oldest);
      this.bytes -= list.reduce((n, f) => n + f.bytes.length, 0);
    }
  }

  get(id: string, index: number): StoredUpload | undefined {
    return this.uploads.get(id)?.[index];
  }

  /** Every upload kept, oldest first. */
  list(): [string, StoredUpload[]][] {
    return [...this.uploads.entries()];
  }

  clear(): void {
    this.uploads.clear();
    this.bytes = 0;
  }
}

/** A parsed `data:<type>;base64,<data>` URL, or undefined when the text is not one. */
export function parseDataUrl(text: unknown): { contentType: string; bytes: Buffer } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=\s]*)$/.exec(text);
  if (!m) return undefined;
  const bytes = Buffer.from(m[2], 'base64');
  return bytes.length ? { contentType: m[1], bytes } : undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}
