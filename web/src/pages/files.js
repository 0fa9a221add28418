// The user portal's first page: a folder's entries with sizes and times, breadcrumbs, and
// downloads (GET /api/v1/files/..., which the cookie signs in).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatSize(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

const formatTime = (t) => new Date(t).toLocaleString();
const nameOf = (path) => path.slice(path.lastIndexOf('/') + 1);
const folderHash = (path) => '#/files' + (path === '/' ? '' : api.encodePath(path));

function Breadcrumbs({ folder }) {
  const parts = folder.split('/').filter(Boolean);
  return html`
    <nav class="crumbs" aria-label="Folder">
      <a href="#/files">Home</a>
      ${parts.map((p, i) => {
        const path = '/' + parts.slice(0, i + 1).join('/');
        return html`<span aria-hidden="true">/</span>
          ${i === parts.length - 1 ? html`<span aria-current="page">${p}</span>`
            : html`<a href=${folderHash(path)}>${p}</a>`}`;
      })}
    </nav>`;
}

export function Files({ session, folder, onSignOut }) {
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setEntries(null);
    setError('');
    api.listFolder(folder).then(
      (list) => {
        // Folders first, then by name, as file managers show them.
        list.sort((a, b) => (a.type !== b.type ? (a.type === 'directory' ? -1 : 1)
          : nameOf(a.path).localeCompare(nameOf(b.path))));
        setEntries(list);
      },
      (err) => {
        if (err.status === 401) onSignOut('Your session has ended. Sign in again.');
        else setError(err.message);
      },
    );
  }, [folder]);

  return html`
    <header class="bar">
      <span class="brand">drawbridge</span>
      <span class="who">${session.username}</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main class="page">
      <h2>Files</h2>
      <${Breadcrumbs} folder=${folder} />
      ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
      ${entries === null && !error && html`<p class="loading">Loading…</p>`}
      ${entries && entries.length === 0 && html`<p class="muted">This folder is empty.</p>`}
      ${entries && entries.length > 0 &&
      html`<table class="files">
        <thead><tr><th>Name</th><th class="num">Size</th><th>Modified</th></tr></thead>
        <tbody>
          ${entries.map((e) => html`<tr key=${e.path} data-type=${e.type}>
            <td class="name">${e.type === 'directory'
              ? html`<a href=${folderHash(e.path)}><span class="icon folder" aria-hidden="true"></span>${nameOf(e.path)}</a>`
              : html`<a href=${api.downloadUrl(e.path)} download=${nameOf(e.path)}><span class="icon file" aria-hidden="true"></span>${nameOf(e.path)}</a>`}</td>
            <td class="num">${e.type === 'directory' ? '' : formatSize(e.size)}</td>
            <td class="time">${formatTime(e.mtime)}</td>
          </tr>`)}
        </tbody>
      </table>`}
    </main>`;
}
