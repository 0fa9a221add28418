// The action log for administrators (#/admin/log?username=…&action=failedlogin,
// docs/web-ui.md#log): GET /history with its filters, paged on the server by next_cursor. The
// filters live in the location's hash, so a link (the users page's "Login failures") shows the
// same view. The choices of the filters are the API's own (its OpenAPI document's enumerations).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';

const PER_PAGE = 50;
export const FILTERS = ['action', 'failure_type', 'username', 'interface', 'ip', 'since', 'until'];
// Files.com's names for the actions an administrator looks for most; the others by identifier.
const ACTION_LABELS = { failedlogin: 'Login Failure', login: 'Login' };

// The hash's filters: "#/admin/log?username=ann" -> {username: "ann"}.
export function filtersOf(hash) {
  const q = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  const f = {};
  for (const name of FILTERS) if (q.get(name)) f[name] = q.get(name);
  return f;
}

export const logLink = (filters) => '#/admin/log' +
  (Object.keys(filters).length ? '?' + new URLSearchParams(filters) : '');

let choices = null; // the enumerations of GET /history's parameters, read once
async function filterChoices() {
  if (!choices) {
    const doc = await api.call('GET', '/openapi.json');
    const params = doc.paths['/api/v1/history'].get.parameters;
    const enumOf = (name) => params.find((p) => p.name === name)?.schema?.enum || [];
    choices = { action: enumOf('action'),
      failure_type: enumOf('failure_type').filter((t) => t !== 'none'),
      interface: enumOf('interface') };
  }
  return choices;
}

async function historyPage(filters, cursor) {
  const q = new URLSearchParams({ ...filters, per_page: String(PER_PAGE) });
  if (cursor) q.set('cursor', cursor);
  return api.call('GET', '/history?' + q);
}

// A time of the API ("2026-12-04T01:02:03Z") in a datetime-local field's local form, and back.
const pad = (n) => String(n).padStart(2, '0');
function toLocalInput(t) {
  const d = new Date(t);
  if (isNaN(d)) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (v) => (v ? new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');

function Filters({ filters, choices: c, onApply }) {
  const [f, setF] = useState(filters);
  useEffect(() => setF(filters), [JSON.stringify(filters)]);
  const set = (name) => (e) => setF({ ...f, [name]: e.target.value });
  const setTime = (name) => (e) => setF({ ...f, [name]: fromLocalInput(e.target.value) });
  const select = (name, label, values, labels = {}) => html`<label>${label}
    <select name=${name} value=${f[name] || ''} onChange=${set(name)}>
      <option value="">any</option>
      ${values.map((v) => html`<option value=${v}>${labels[v] || v}</option>`)}
    </select></label>`;
  const submit = (e) => {
    e.preventDefault();
    const out = {};
    for (const name of FILTERS) if (f[name] && String(f[name]).trim()) out[name] = String(f[name]).trim();
    onApply(out);
  };
  return html`<form class="filters panel" onSubmit=${submit} aria-label="Filters">
    ${select('action', 'Action', c.action, ACTION_LABELS)}
    ${select('failure_type', 'Failure reason', c.failure_type)}
    <label>Username<input name="username" value=${f.username || ''} onInput=${set('username')}
      autocomplete="off" spellcheck="false" /></label>
    ${select('interface', 'Protocol', c.interface)}
    <label>Address<input name="ip" value=${f.ip || ''} onInput=${set('ip')} autocomplete="off" /></label>
    <label>Since<input name="since" type="datetime-local" value=${f.since ? toLocalInput(f.since) : ''}
      onInput=${setTime('since')} /></label>
    <label>Until<input name="until" type="datetime-local" value=${f.until ? toLocalInput(f.until) : ''}
      onInput=${setTime('until')} /></label>
    <div class="filter-actions">
      <button type="submit">Apply</button>
      <button type="button" class="secondary" onClick=${() => onApply({})}>Clear</button>
    </div>
  </form>`;
}

function Reason({ e }) {
  if (e.failure_title) {
    return html`<strong class="reason-title">${e.failure_title}</strong>
      <span class="muted"> · ${e.failure_type}</span>${e.detail && html`<div class="reason-detail">${e.detail}</div>`}`;
  }
  const what = [e.path, e.destination && '→ ' + e.destination, e.detail].filter(Boolean).join(' ');
  return html`<span class="reason-detail">${what}</span>`;
}

// The entries, newest first: also the user's own login history (pages/account.js).
export function LogTable({ rows }) {
  return html`<table class="log-table">
    <thead><tr><th>Time</th><th>User</th><th>Protocol</th><th>Address</th><th>Action</th><th>Reason</th></tr></thead>
    <tbody>${rows.map((e) => html`<tr key=${e.id} data-id=${e.id} data-action=${e.action}
        data-failure-type=${e.failure_type}>
      <td class="time">${formatTime(e.created_at)}</td>
      <td class="user">${e.username || html`<span class="muted">—</span>`}</td>
      <td class="proto">${e.interface}</td>
      <td class="addr">${e.ip}</td>
      <td class="action">${ACTION_LABELS[e.action] || e.action}</td>
      <td class="reason"><${Reason} e=${e} /></td>
    </tr>`)}</tbody>
  </table>`;
}

// The entries `filters` select, a page at a time: {rows, next, loading, shown (the key of the
// filters whose entries are shown), error, more()}. Also the Account page's login history.
export function useHistory(filters) {
  const key = JSON.stringify(filters);
  const [rows, setRows] = useState([]);
  const [next, setNext] = useState(null);
  const [loading, setLoading] = useState(true);
  const [shown, setShown] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setLoading(true);
    setRows([]);
    setNext(null);
    historyPage(filters).then((p) => {
      if (!live) return;
      setRows(p.entries);
      setNext(p.next_cursor);
      setError('');
      setLoading(false);
      setShown(key);
    }, (err) => {
      if (!live) return;
      setError(err.message);
      setLoading(false);
    });
    return () => { live = false; };
  }, [key]);
  const more = async () => {
    setLoading(true);
    try {
      const p = await historyPage(filters, next);
      setRows((r) => [...r, ...p.entries]);
      setNext(p.next_cursor);
    } catch (err) {
      setError(err.message);
    }
    setLoading(false);
  };
  return { rows, next, loading, shown, error, setError, more };
}

export function Log({ match }) {
  const hash = match[0];
  const filters = filtersOf(hash);
  const key = JSON.stringify(filters);
  const [c, setC] = useState(null);
  const { rows, next, loading, shown, error, setError, more } = useHistory(filters);

  useEffect(() => {
    filterChoices().then(setC, (err) => setError(err.message));
  }, []);
  const apply = (f) => {
    location.hash = logLink(f);
  };

  return html`<main class="page log" aria-busy=${loading ? 'true' : 'false'}
    data-shown=${shown === key ? new URLSearchParams(filters).toString() : undefined}>
    <div class="title-row"><h2>Action log</h2></div>
    ${c && html`<${Filters} filters=${filters} choices=${c} onApply=${apply} />`}
    ${error && html`<div class="error" role="alert" id="log-error"><p>${error}</p></div>`}
    ${!loading && rows.length === 0 && !error
      ? html`<p class="muted" id="log-empty">No entries${Object.keys(filters).length ? ' match these filters' : ''}.</p>`
      : html`<${LogTable} rows=${rows} />`}
    ${loading && html`<p class="loading">Loading…</p>`}
    ${next && !loading && html`<p class="more"><button type="button" class="secondary" onClick=${more}>Show more</button></p>`}
  </main>`;
}
