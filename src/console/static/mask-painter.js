// The Vary (Region) mask painter: a canvas of the image's natural size over the image, tools rectangle, lasso,
// brush and eraser, undo, redo and clear. On submit it writes the binary mask PNG (white = repaint, black = keep) of
// the image's own dimensions into the form as a data URL. Keyboard: R, L, B, E pick a tool; Ctrl+Z / Ctrl+Shift+Z.
/* global document */
import { dragRect, OpHistory, renderOps, threshold, toImageCoords } from './mask-raster.js';

function setup(root) {
  const form = root.closest('form');
  const img = root.querySelector('[data-painter-image]');
  const canvas = root.querySelector('[data-painter-canvas]');
  const output = root.querySelector('[data-painter-output]');
  const status = root.querySelector('[data-painter-status]');
  const sizeInput = root.querySelector('[data-brush-size]');
  const ctx = canvas.getContext('2d');
  const history = new OpHistory();
  let tool = 'rect';
  let current = null;
  let start = null;

  const redraw = () => {
    renderOps(ctx, current ? [...history.ops, current] : history.ops);
    root.querySelector('[data-cmd=undo]').disabled = !history.canUndo;
    root.querySelector('[data-cmd=redo]').disabled = !history.canRedo;
  };
  const ready = () => {
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    root.dataset.width = String(img.naturalWidth);
    root.dataset.height = String(img.naturalHeight);
    root.dataset.ready = 'true';
    redraw();
  };
  if (img.complete && img.naturalWidth) ready();
  else img.addEventListener('load', ready, { once: true });

  const pick = (name) => {
    tool = name;
    for (const b of root.querySelectorAll('[data-tool]'))
      b.setAttribute('aria-pressed', String(b.dataset.tool === name));
  };
  const at = (ev) => toImageCoords(ev.clientX, ev.clientY, canvas.getBoundingClientRect(), canvas.width, canvas.height);

  canvas.addEventListener('pointerdown', (ev) => {
    if (!canvas.width) return;
    canvas.setPointerCapture(ev.pointerId);
    start = at(ev);
    const size = Number(sizeInput.value);
    current = tool === 'rect' ? { tool, ...dragRect(start, start) } : { tool, size, points: [start] };
    redraw();
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!current) return;
    const p = at(ev);
    if (current.tool === 'rect') Object.assign(current, dragRect(start, p));
    else current.points.push(p);
    redraw();
  });
  const finish = () => {
    if (!current) return;
    const empty = current.tool === 'rect' ? current.w === 0 || current.h === 0 : false;
    if (!empty) history.push(current);
    current = null;
    redraw();
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);

  root.addEventListener('click', (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    if (b.dataset.tool) pick(b.dataset.tool);
    if (b.dataset.cmd === 'undo') history.undo();
    if (b.dataset.cmd === 'redo') history.redo();
    if (b.dataset.cmd === 'clear' && history.ops.length) history.push({ tool: 'clear' });
    redraw();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.target.closest && ev.target.closest('textarea, input')) return;
    const k = ev.key.toLowerCase();
    if ((ev.ctrlKey || ev.metaKey) && k === 'z') {
      ev.preventDefault();
      if (ev.shiftKey) history.redo();
      else history.undo();
      redraw();
      return;
    }
    const tools = { r: 'rect', l: 'lasso', b: 'brush', e: 'erase' };
    if (tools[k] && !ev.ctrlKey && !ev.metaKey && !ev.altKey) pick(tools[k]);
  });

  form.addEventListener('submit', (ev) => {
    const file = form.querySelector('input[name=maskFile]');
    if (file && file.files && file.files.length) return;
    const out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height;
    const octx = out.getContext('2d');
    renderOps(octx, history.ops);
    const pixels = octx.getImageData(0, 0, out.width, out.height);
    const white = threshold(pixels.data);
    if (!white) {
      ev.preventDefault();
      status.textContent = 'Paint the region to repaint first: the mask is all black.';
      status.setAttribute('role', 'alert');
      return;
    }
    octx.putImageData(pixels, 0, 0);
    output.value = out.toDataURL('image/png');
  });
}

for (const root of document.querySelectorAll('[data-painter]')) setup(root);
