// The painter's model runs in the browser; its pure parts are tested here without one.
import { dragRect, OpHistory, threshold, toImageCoords } from '../../../src/console/static/mask-raster.js';

test('pointer positions map to image pixels whatever the displayed size', () => {
  const rect = { left: 100, top: 50, width: 256, height: 256 };
  expect(toImageCoords(140.5, 100.5, rect, 256, 256)).toEqual({ x: 40, y: 50 });
  const half = { left: 0, top: 0, width: 128, height: 128 };
  expect(toImageCoords(64, 32, half, 256, 256)).toEqual({ x: 128, y: 64 });
  expect(toImageCoords(-10, 999, half, 256, 256)).toEqual({ x: 0, y: 256 });
});

test('a drag covers the same rectangle in any direction', () => {
  expect(dragRect({ x: 200, y: 10 }, { x: 150, y: 60 })).toEqual({ x: 150, y: 10, w: 50, h: 50 });
  expect(dragRect({ x: 150, y: 10 }, { x: 200, y: 60 })).toEqual({ x: 150, y: 10, w: 50, h: 50 });
});

test('threshold makes pixels strictly black or white and opaque', () => {
  const data = new Uint8ClampedArray([255, 255, 255, 255, 200, 200, 200, 128, 10, 20, 30, 255, 127, 127, 127, 255]);
  expect(threshold(data)).toBe(2);
  expect([...data]).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
});

test('undo and redo; a new stroke drops the redo list', () => {
  const h = new OpHistory();
  h.push({ tool: 'rect' });
  h.push({ tool: 'brush' });
  h.undo();
  expect(h.ops.map((o: { tool: string }) => o.tool)).toEqual(['rect']);
  expect(h.canRedo).toBe(true);
  h.redo();
  expect(h.ops).toHaveLength(2);
  h.undo();
  h.push({ tool: 'erase' });
  expect(h.canRedo).toBe(false);
  expect(h.ops.map((o: { tool: string }) => o.tool)).toEqual(['rect', 'erase']);
});
