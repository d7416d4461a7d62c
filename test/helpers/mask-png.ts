/** A binary Vary (Region) mask: a square PNG whose top `band` (a fraction of its height) is white, to repaint. */
import { PNG } from 'pngjs';

export function bandMaskPng(size = 32, band = 1 / 3): Uint8Array {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    png.data.fill(Math.floor(i / size) < size * band ? 255 : 0, i * 4, i * 4 + 3);
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
