// The mask model of the Vary (Region) painter, apart from the DOM so it can be tested without a browser.
// A mask is a list of operations in the image's own pixel coordinates; rendering them in order onto a canvas of the
// image's natural size (black first) and thresholding every channel gives the binary PNG MidJourney expects:
// white = repaint, black = keep.

/** Image coordinates of a pointer event over an element shown at any size. */
export function toImageCoords(clientX, clientY, rect, width, height) {
  const x = Math.floor(((clientX - rect.left) * width) / rect.width);
  const y = Math.floor(((clientY - rect.top) * height) / rect.height);
  return { x: Math.max(0, Math.min(width, x)), y: Math.max(0, Math.min(height, y)) };
}

/** The integer rectangle a drag from a to b covers (the pixels a drag passed over, ends excluded). */
export function dragRect(a, b) {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) };
}

/** Paints one operation: rect and lasso fill, brush and erase stroke round lines. */
export function drawOp(ctx, op) {
  if (op.tool === 'clear') {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    return;
  }
  const colour = op.tool === 'erase' ? '#000' : '#fff';
  ctx.fillStyle = colour;
  ctx.strokeStyle = colour;
  if (op.tool === 'rect') {
    ctx.fillRect(op.x, op.y, op.w, op.h);
  } else if (op.tool === 'lasso' && op.points.length > 2) {
    ctx.beginPath();
    ctx.moveTo(op.points[0].x, op.points[0].y);
    for (const p of op.points.slice(1)) ctx.lineTo(p.x, p.y);
    ctx.closePath();
    ctx.fill();
  } else if (op.tool === 'brush' || op.tool === 'erase') {
    ctx.lineWidth = op.size;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(op.points[0].x, op.points[0].y);
    for (const p of op.points) ctx.lineTo(p.x, p.y);
    if (op.points.length === 1) ctx.lineTo(op.points[0].x + 0.01, op.points[0].y);
    ctx.stroke();
  }
}

/** Renders every operation in order onto a black canvas. */
export function renderOps(ctx, ops) {
  ctx.globalCompositeOperation = 'source-over';
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  for (const op of ops) drawOp(ctx, op);
}

/**
 * Makes RGBA pixel data strictly binary and opaque: anti-aliased edges become white above mid-grey, black below.
 * Returns the number of white pixels.
 */
export function threshold(data) {
  let white = 0;
  for (let i = 0; i < data.length; i += 4) {
    const v = data[i] + data[i + 1] + data[i + 2] > 381 ? 255 : 0;
    data[i] = data[i + 1] = data[i + 2] = v;
    data[i + 3] = 255;
    if (v) white++;
  }
  return white;
}

/** Undo and redo over a list of operations. */
export class OpHistory {
  constructor() {
    this.ops = [];
    this.undone = [];
  }
  push(op) {
    this.ops.push(op);
    this.undone = [];
  }
  undo() {
    if (this.ops.length) this.undone.push(this.ops.pop());
  }
  redo() {
    if (this.undone.length) this.ops.push(this.undone.pop());
  }
  get canUndo() {
    return this.ops.length > 0;
  }
  get canRedo() {
    return this.undone.length > 0;
  }
}

/** Zoom steps of the painter (display pixels per image pixel), smallest to largest. */
export const ZOOM_STEPS = [0.25, 0.33, 0.5, 0.67, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8];

/** The zoom at which an image of `width`×`height` fills `availWidth`×`availHeight` without overflowing either. */
export function fitZoom(width, height, availWidth, availHeight) {
  if (!(width > 0 && height > 0 && availWidth > 0 && availHeight > 0)) return 1;
  return Math.min(availWidth / width, availHeight / height);
}

/** The next zoom step up (`dir` 1) or down (-1) from `zoom`, within the steps. */
export function stepZoom(zoom, dir) {
  if (dir > 0) return ZOOM_STEPS.find((z) => z > zoom + 1e-9) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1];
  return [...ZOOM_STEPS].reverse().find((z) => z < zoom - 1e-9) ?? ZOOM_STEPS[0];
}
