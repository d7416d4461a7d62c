// The Vary (Region) mask painter: a canvas of the image's natural size over the image, tools rectangle, lasso,
// brush and eraser, undo, redo and clear. The image and its canvas are shown fitted to the screen or at any zoom;
// pointer positions are mapped back to image pixels, so the mask is exact at the image's own size whatever the zoom.
// On submit it writes the binary mask PNG (white = repaint, black = keep) of the image's own dimensions into the
// form as a data URL. Keyboard: R, L, B, E pick a tool; [ ] brush size; + - zoom, 0 fit, 1 actual pixels;
// Ctrl+Z / Ctrl+Shift+Z.
/* global document, window */
import { dragRect, fitZoom, OpHistory, renderOps, stepZoom, threshold, toImageCoords } from './mask-raster.js';

function setup(root) {
  const form = root.closest('form');
  const img = root.querySelector('[data-painter-image]');
  const canvas = root.querySelector('[data-painter-canvas]');
  const output = root.querySelector('[data-painter-output]');
  const status = root.querySelector('[data-painter-status]');
  const sizeInput = root.querySelector('[data-brush-size]');
  const sizeValue = root.querySelector('[data-brush-value]');
  const viewport = root.querySelector('[data-painter-viewport]');
  const stage = root.querySelector('[data-painter-stage]');
  const zoomValue = root.querySelector('[data-zoom-value]');
  const ctx = canvas.getContext('2d');
  let zoom = 1;
  let fitted = true;
  const history = new OpHistory();
  let tool = 'rect';
  let current = null;
  let start = null;

  const redraw = () => {
    renderOps(ctx, current ? [...history.ops, current] : history.ops);
    root.querySelector('[data-cmd=undo]').disabled = !history.canUndo;
    root.querySelector('[data-cmd=redo]').disabled = !history.canRedo;
  };
  // Fit: the whole image in the width of the page and most of the window's height.
  const fit = () =>
    fitZoom(img.naturalWidth, img.naturalHeight, viewport.clientWidth, Math.max(160, window.innerHeight * 0.75));
  const setZoom = (z, isFit) => {
    fitted = isFit;
    zoom = z;
    stage.style.width = `${Math.round(img.naturalWidth * zoom)}px`;
    zoomValue.textContent = `${Math.round(zoom * 100)}%${fitted ? ' (fit)' : ''}`;
    root.dataset.zoom = String(zoom);
  };
  const showSize = () => {
    sizeValue.textContent = `${sizeInput.value} px`;
  };
  const ready = () => {
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    root.dataset.width = String(img.naturalWidth);
    root.dataset.height = String(img.naturalHeight);
    setZoom(fit(), true);
    root.dataset.ready = 'true';
    redraw();
  };
  showSize();
  sizeInput.addEventListener('input', showSize);
  window.addEventListener('resize', () => {
    if (fitted && canvas.width) setZoom(fit(), true);
  });
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
    zoomCommand(b.dataset.cmd);
    redraw();
  });
  function zoomCommand(cmd) {
    if (!canvas.width) return false;
    if (cmd === 'zoom-in') setZoom(stepZoom(zoom, 1), false);
    else if (cmd === 'zoom-out') setZoom(stepZoom(zoom, -1), false);
    else if (cmd === 'fit') setZoom(fit(), true);
    else if (cmd === 'actual') setZoom(1, false);
    else return false;
    return true;
  }
  const resize = (dir) => {
    const step = Number(sizeInput.value) >= 32 ? 8 : 4;
    const next = Number(sizeInput.value) + dir * step;
    sizeInput.value = String(Math.max(Number(sizeInput.min), Math.min(Number(sizeInput.max), next)));
    showSize();
  };
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
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tools = { r: 'rect', l: 'lasso', b: 'brush', e: 'erase' };
    const zooms = { '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', 0: 'fit', 1: 'actual' };
    if (tools[k]) pick(tools[k]);
    else if (k === '[' || k === ']') resize(k === ']' ? 1 : -1);
    else if (zooms[k] && zoomCommand(zooms[k])) ev.preventDefault();
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
