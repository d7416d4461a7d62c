// Progressive enhancement for the console's server-rendered pages (they work without it):
// - live jobs: one EventSource for every element with data-live-id; each change updates its state, status and
//   progress in place, and a finished or waiting job swaps in the fresh fragment from data-live-src;
// - pipeline and batch pages: refresh their live section from data-refresh-src while it is there;
// - filter forms submit on change.
/* global document, window, EventSource, fetch, setTimeout */

const base = document.body.dataset.base || '/console';
let source = null;

function liveElements() {
  return [...document.querySelectorAll('[data-live-id]')];
}

async function swap(el) {
  const src = el.dataset.liveSrc;
  if (!src) return;
  const res = await fetch(src, { credentials: 'same-origin', headers: { accept: 'text/html' } });
  if (!res.ok) return;
  const tpl = document.createElement('template');
  tpl.innerHTML = (await res.text()).trim();
  const fresh = tpl.content.firstElementChild;
  if (fresh) el.replaceWith(fresh);
}

function apply(snap) {
  for (const el of liveElements().filter((e) => e.dataset.liveId === snap.id)) {
    const changedState = el.dataset.state !== snap.state;
    const status = el.querySelector('[data-field=status]');
    if (status) status.textContent = snap.status || '';
    const bar = el.querySelector('progress[data-field=progress]');
    if (bar && typeof snap.progressPct === 'number') {
      bar.value = snap.progressPct;
      bar.textContent = `${snap.progressPct}%`;
    }
    if (changedState || ['succeeded', 'failed', 'cancelled', 'waiting'].includes(snap.state)) {
      swap(el).then(connect, connect);
    }
  }
}

function connect() {
  const ids = [...new Set(liveElements().map((e) => e.dataset.liveId))];
  const key = ids.join(',');
  if (source && source.key === key) return;
  if (source) source.close();
  source = null;
  if (!ids.length) return;
  source = new EventSource(`${base}/events?ids=${ids.map(encodeURIComponent).join(',')}`);
  source.key = key;
  source.addEventListener('job', (ev) => apply(JSON.parse(ev.data)));
  source.addEventListener('done', () => {
    source.close();
    source = null;
  });
}

function refreshGroups() {
  const el = document.querySelector('[data-refresh-src]');
  if (!el) return;
  setTimeout(async () => {
    try {
      const res = await fetch(el.dataset.refreshSrc, { credentials: 'same-origin' });
      if (res.ok) {
        const tpl = document.createElement('template');
        tpl.innerHTML = (await res.text()).trim();
        const fresh = tpl.content.firstElementChild;
        if (fresh) el.replaceWith(fresh);
      }
    } finally {
      refreshGroups();
    }
  }, 2000);
}

for (const form of document.querySelectorAll('form[data-autosubmit]')) {
  for (const sel of form.querySelectorAll('select')) sel.addEventListener('change', () => form.requestSubmit());
}

window.addEventListener('pagehide', () => source && source.close());
connect();
refreshGroups();
