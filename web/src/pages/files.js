// The user portal's file browser (docs/web-ui.md#files): a folder's entries sorted and paged on
// the server, breadcrumbs, downloads, uploads (uploads.js) and the file actions (dialogs.js).
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { FileDialog } from './dialogs.js';
import { formatSize, formatTime, nameOf } from './format.js';
import { UploadList, droppedItems, pickedItems, useUploads } from './uploads.js';

export { formatSize };

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

// A column header that sorts by its key: again for the other direction.
function SortHeader({ label, col, sort, onSort, cls }) {
  const active = sort.by === col;
  const next = active && sort.order === 'asc' ? 'desc' : 'asc';
  return html`<th class=${cls} aria-sort=${active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
    <button type="button" class="sort" onClick=${() => onSort({ by: col, order: next })}>
      ${label}${active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`;
}

function Actions({ entry, onAction }) {
  const name = nameOf(entry.path);
  const item = (kind, label) => html`<button type="button" role="menuitem"
    onClick=${(e) => { e.target.closest('details').open = false; onAction(kind, entry); }}>${label}</button>`;
  return html`<details class="menu">
    <summary aria-label=${'Actions for ' + name} title="Actions">⋯</summary>
    <div class="menu-items" role="menu">
      ${item('rename', 'Rename')}${item('move', 'Move')}${item('copy', 'Copy')}${item('delete', 'Delete')}
    </div>
  </details>`;
}

function Row({ e, onAction }) {
  const name = nameOf(e.path);
  return html`<tr data-type=${e.type} data-name=${name}>
    <td class="name">${e.type === 'directory'
      ? html`<a href=${folderHash(e.path)}><span class="icon folder" aria-hidden="true"></span>${name}</a>`
      : html`<a href=${api.downloadUrl(e.path)} download=${name}><span class="icon file" aria-hidden="true"></span>${name}</a>`}</td>
    <td class="num">${e.type === 'directory' ? '' : formatSize(e.size)}</td>
    <td class="time">${formatTime(e.mtime)}</td>
    <td class="act"><${Actions} entry=${e} onAction=${onAction} /></td>
  </tr>`;
}

// The listing of one folder: its first page, then the next ones as the end comes into view.
function useListing(folder, sort, onSignOut) {
  const [list, setList] = useState({ entries: null, next: null, error: '' });
  const [version, setVersion] = useState(0);
  const loading = useRef(false);
  const fail = (err) => {
    if (err.status === 401) onSignOut('Your session has ended. Sign in again.');
    else setList((l) => ({ ...l, error: err.message }));
  };
  useEffect(() => {
    let live = true;
    setList((l) => ({ ...l, error: '' }));
    api.listFolder(folder, { sortBy: sort.by, order: sort.order }).then(
      (page) => live && setList({ entries: page.entries, next: page.next, error: '' }),
      (err) => live && fail(err),
    );
    return () => { live = false; };
  }, [folder, sort.by, sort.order, version]);
  useEffect(() => setList({ entries: null, next: null, error: '' }), [folder]);

  const more = async () => {
    if (loading.current || !list.next) return;
    loading.current = true;
    try {
      const page = await api.listFolder(folder, { sortBy: sort.by, order: sort.order, cursor: list.next });
      setList((l) => ({ entries: [...l.entries, ...page.entries], next: page.next, error: '' }));
    } catch (err) {
      fail(err);
    } finally {
      loading.current = false;
    }
  };
  return { ...list, more, reload: () => setVersion((v) => v + 1) };
}

function MoreButton({ onMore }) {
  const ref = useRef(null);
  useEffect(() => {
    const seen = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && onMore());
    seen.observe(ref.current);
    return () => seen.disconnect();
  }, [onMore]);
  return html`<p class="more"><button ref=${ref} type="button" class="secondary" onClick=${onMore}>
    Show more</button></p>`;
}

export function Files({ session, folder, onSignOut }) {
  const [sort, setSort] = useState({ by: 'name', order: 'asc' });
  const [dialog, setDialog] = useState(null);
  const [dropping, setDropping] = useState(false);
  const [notice, setNotice] = useState('');
  const listing = useListing(folder, sort, onSignOut);
  const refresh = useRef(0);
  const changed = () => {
    clearTimeout(refresh.current);
    refresh.current = setTimeout(listing.reload, 250);
  };
  const uploads = useUploads(changed, setNotice);
  const filesInput = useRef(null);
  const folderInput = useRef(null);

  const addPicked = (e) => {
    uploads.add(folder, pickedItems(e.target.files));
    e.target.value = '';
  };
  const onDrop = async (e) => {
    e.preventDefault();
    setDropping(false);
    uploads.add(folder, await droppedItems(e.dataTransfer));
  };
  const { entries, error } = listing;

  return html`
    <main class=${'page' + (dropping ? ' dropping' : '')}
      onDragOver=${(e) => { e.preventDefault(); setDropping(true); }}
      onDragLeave=${(e) => e.currentTarget === e.target && setDropping(false)} onDrop=${onDrop}>
      <div class="title-row">
        <h2>Files</h2>
        <div class="tools">
          <button type="button" onClick=${() => filesInput.current.click()}>Upload files</button>
          <button type="button" class="secondary" onClick=${() => folderInput.current.click()}>Upload folder</button>
          <button type="button" class="secondary" onClick=${() => setDialog({ kind: 'new-folder' })}>New folder</button>
        </div>
        <input ref=${filesInput} type="file" multiple hidden id="pick-files" onChange=${addPicked} />
        <input ref=${folderInput} type="file" webkitdirectory hidden id="pick-folder" onChange=${addPicked} />
      </div>
      <${Breadcrumbs} folder=${folder} />
      <p class="muted drop-hint">Drop files or folders here to upload them to this folder.</p>
      ${(error || notice) && html`<div class="error" role="alert"><p>${error || notice}</p></div>`}
      <${UploadList} uploads=${uploads} />
      ${entries === null && !error && html`<p class="loading">Loading…</p>`}
      ${entries && entries.length === 0 && html`<p class="muted">This folder is empty.</p>`}
      ${entries && entries.length > 0 && html`<table class="files">
        <thead><tr>
          <${SortHeader} label="Name" col="name" sort=${sort} onSort=${setSort} />
          <${SortHeader} label="Size" col="size" sort=${sort} onSort=${setSort} cls="num" />
          <${SortHeader} label="Modified" col="mtime" sort=${sort} onSort=${setSort} />
          <th class="act"><span class="sr">Actions</span></th>
        </tr></thead>
        <tbody>
          ${entries.map((e) => html`<${Row} key=${e.path} e=${e}
            onAction=${(kind, entry) => setDialog({ kind, entry })} />`)}
        </tbody>
      </table>
      <p class="muted" id="list-count">${`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}` +
        ` shown${listing.next ? ', more follow' : ''}`}</p>`}
      ${entries && listing.next && html`<${MoreButton} onMore=${listing.more} />`}
      ${dialog && html`<${FileDialog} kind=${dialog.kind} entry=${dialog.entry} folder=${folder}
        onClose=${() => setDialog(null)} onDone=${() => { setDialog(null); listing.reload(); }} />`}
    </main>`;
}
