// The dashboard's behaviour: live numbers by polling the JSON API, and the
// actions (block, unblock, phase marks, sign out) with the session's CSRF token.
'use strict';

const POLL_MS = 3000;

function csrf() {
  const m = document.querySelector('meta[name="csrf"]');
  return m ? m.content : '';
}

function say(text) {
  document.getElementById('status').textContent = text;
}

// fetch with the session's CSRF token; throws with the API's error text.
// A string body goes as it is (an experiment file), anything else as JSON.
async function send(method, url, body) {
  const opts = { method, headers: { 'X-CSRF-Token': csrf() }, credentials: 'same-origin' };
  if (typeof body === 'string') {
    opts.headers['Content-Type'] = 'text/plain';
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(url, opts);
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r.status === 204 ? null : r.json();
}

function field(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? o : o[k]), obj);
}

function show(v, format) {
  if (v == null) return '-';
  if (format === 'pct') return (v * 100).toFixed(1) + '%';
  return String(v);
}

// Each table.live names its API and the key of its rows; cells with
// data-field take the field of the row's object (text only, never HTML).
async function poll(table) {
  try {
    const r = await fetch(table.dataset.api, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(r.status);
    const rows = await r.json();
    for (const obj of rows) {
      const key = String(field(obj, table.dataset.key));
      const tr = table.querySelector('tr[data-key="' + CSS.escape(key) + '"]');
      if (!tr) continue;
      for (const td of tr.querySelectorAll('td[data-field]')) {
        const text = show(field(obj, td.dataset.field), td.dataset.format);
        if (td.textContent !== text) td.textContent = text;
      }
    }
    await sparklines(table);
    table.dataset.updated = Date.now();
  } catch (e) {
    say('live update failed: ' + e.message);
  }
}

// Sparklines are drawn by the server (the report's SVG): each cell takes
// the fresh drawing of /sparkline, never a second renderer here.
async function sparklines(table) {
  for (const td of table.querySelectorAll('td[data-spark]')) {
    const r = await fetch('/sparkline?device=' + encodeURIComponent(td.dataset.spark),
                          { credentials: 'same-origin' });
    if (!r.ok) throw new Error('sparkline ' + r.status);
    td.innerHTML = await r.text();
  }
}

async function act(what, fn) {
  try {
    await fn();
    say(what + ': done');
    setTimeout(() => location.reload(), 1000);
  } catch (e) {
    say(what + ' failed: ' + e.message);
  }
}

document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button');
  if (!b) return;
  if (b.classList.contains('block')) {
    const rule = { device: b.dataset.device, target: b.dataset.target,
                   action: document.getElementById('action').value };
    const lease = document.getElementById('lease').value;
    if (lease) rule.lease = Number(lease);
    act('block ' + rule.target, () => send('POST', '/api/blocks', rule));
  } else if (b.classList.contains('unblock')) {
    act('unblock rule ' + b.dataset.rule,
        () => send('DELETE', '/api/blocks/' + encodeURIComponent(b.dataset.rule)));
  } else if (b.classList.contains('abort')) {
    act('abort experiment ' + b.dataset.run,
        () => send('DELETE', '/api/experiments/' + encodeURIComponent(b.dataset.run)));
  } else if (b.id === 'logout') {
    send('POST', '/logout').then(() => { location.href = '/'; },
                                  (e) => say('sign out failed: ' + e.message));
  }
});

document.addEventListener('submit', (ev) => {
  const f = new FormData(ev.target);
  if (ev.target.id === 'phase') {
    ev.preventDefault();
    act('phase mark', () => send('POST', '/api/phase',
                                 { device: f.get('device'), phase: f.get('phase') }));
  } else if (ev.target.id === 'start') {
    ev.preventDefault();
    const file = f.get('file');
    act('start ' + file.name, async () => send('POST', '/api/experiments?name=' +
                                               encodeURIComponent(file.name), await file.text()));
  }
});

for (const t of document.querySelectorAll('table.live')) {
  poll(t);
  setInterval(() => poll(t), POLL_MS);
}
