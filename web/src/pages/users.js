// The admin console's users table (#/admin/users, docs/web-ui.md#users): search and filters
// answered by the server (GET /users), one page at a time by its X-Files-Cursor, so a site of
// 10,000 users shows its first page at once; "Show more" for the next.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';

const PER_PAGE = 50;
export const AUTH_METHODS = ['password', 'email_signup', 'none', 'password_and_ssh_key',
  'password_with_imported_hash', 'sso'];
export const PROTOCOLS = ['sftp', 'ftp', 'dav', 'restapi', 'web'];

async function usersPage(filter, cursor) {
  const q = new URLSearchParams({ per_page: String(PER_PAGE) });
  if (filter.search) q.set('search', filter.search);
  if (filter.status) q.set('disabled', filter.status === 'disabled' ? 'true' : 'false');
  if (filter.method) q.set('authentication_method', filter.method);
  if (cursor) q.set('cursor', cursor);
  const { data, headers } = await api.request('GET', '/users?' + q);
  return { rows: data, next: headers.get('X-Files-Cursor') };
}

// The rows shown for a filter: its first page, then the next ones on demand. An answer for a
// filter typed over since is dropped.
function useUsers(filter, onSignOut) {
  const [list, setList] = useState({ rows: null, next: null, error: '' });
  const latest = useRef(0);
  const fail = (err) => {
    if (err.status === 401) onSignOut('Your session has ended. Sign in again.');
    else setList((l) => ({ ...l, error: err.message }));
  };
  useEffect(() => {
    const n = ++latest.current;
    const t = setTimeout(() => usersPage(filter).then(
      (p) => n === latest.current && setList({ rows: p.rows, next: p.next, error: '' }),
      (err) => n === latest.current && fail(err)), filter.search ? 250 : 0);
    return () => clearTimeout(t);
  }, [filter.search, filter.status, filter.method]);
  const more = async () => {
    const n = latest.current;
    try {
      const p = await usersPage(filter, list.next);
      if (n === latest.current) setList((l) => ({ rows: [...l.rows, ...p.rows], next: p.next, error: '' }));
    } catch (err) {
      fail(err);
    }
  };
  return { ...list, more };
}

// Every protocol's last login, newest first: [{protocol, at}].
export function lastLogins(u) {
  return PROTOCOLS.map((p) => ({ protocol: p, at: u[`last_${p}_login_at`] }))
    .filter((l) => l.at)
    .sort((a, b) => (a.at < b.at ? 1 : -1));
}

// Enabled ✓ or disabled ✗, as SmartFile shows it, with words for screen readers.
export function EnabledMark({ user }) {
  return user.disabled
    ? html`<span class="mark-state disabled" title="Disabled"><span aria-hidden="true">✗</span><span class="sr">Disabled</span></span>`
    : html`<span class="mark-state enabled" title="Enabled"><span aria-hidden="true">✓</span><span class="sr">Enabled</span></span>`;
}

export const lockText = (u) => (u.locked_out ? `Locked until ${formatTime(u.lockout_expires)}` : '');

function LastLogin({ user }) {
  const all = lastLogins(user);
  if (!all.length) return html`<span class="muted">never</span>`;
  const title = all.map((l) => `${l.protocol}: ${formatTime(l.at)}`).join('\n');
  return html`<span title=${title}>${formatTime(all[0].at)} <span class="muted">(${all[0].protocol})</span></span>`;
}

function Row({ u }) {
  return html`<tr data-username=${u.username} data-disabled=${String(u.disabled)}>
    <td class="user"><a href=${'#/admin/users/' + u.id}>${u.username}</a>
      ${u.site_admin && html` <span class="badge">admin</span>`}
      ${u.email && html`<div class="muted email">${u.email}</div>`}</td>
    <td class="enabled">${html`<${EnabledMark} user=${u} />`}</td>
    <td class="lock">${u.locked_out ? html`<span class="unmet">${lockText(u)}</span>` : ''}</td>
    <td class="method" data-label="Authentication">${u.authentication_method}</td>
    <td class="last" data-label="Last login">${html`<${LastLogin} user=${u} />`}</td>
  </tr>`;
}

export function Users({ onSignOut }) {
  const [filter, setFilter] = useState({ search: '', status: '', method: '' });
  const users = useUsers(filter, onSignOut);
  const set = (name) => (e) => setFilter({ ...filter, [name]: e.target.value });
  const { rows, error } = users;
  return html`
    <main class="page users">
      <div class="title-row">
        <h2>Users</h2>
        <div class="tools"><a class="button" href="#/admin/users/new">New user</a></div>
      </div>
      <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
        <label>Search<input type="search" name="search" value=${filter.search}
          placeholder="username or email" onInput=${set('search')} /></label>
        <label>Status<select name="status" value=${filter.status} onChange=${set('status')}>
          <option value="">all</option><option value="enabled">enabled</option>
          <option value="disabled">disabled</option></select></label>
        <label>Authentication<select name="method" value=${filter.method} onChange=${set('method')}>
          <option value="">all</option>
          ${AUTH_METHODS.map((m) => html`<option value=${m}>${m}</option>`)}</select></label>
      </form>
      ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
      ${rows === null && !error && html`<p class="loading">Loading…</p>`}
      ${rows && rows.length === 0 && html`<p class="muted" id="no-users">No user matches.</p>`}
      ${rows && rows.length > 0 && html`<table class="users-table">
        <thead><tr><th>User</th><th>Enabled</th><th>Lock</th><th>Authentication</th><th>Last login</th></tr></thead>
        <tbody>${rows.map((u) => html`<${Row} key=${u.id} u=${u} />`)}</tbody>
      </table>
      <p class="muted" id="users-count">${`${rows.length} ${rows.length === 1 ? 'user' : 'users'} shown` +
        (users.next ? ', more follow' : '')}</p>`}
      ${rows && users.next && html`<p class="more"><button type="button" class="secondary"
        onClick=${users.more}>Show more</button></p>`}
    </main>`;
}
