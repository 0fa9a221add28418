// Uploads of the file portal (docs/web-ui.md#uploads): files and folders from a picker or a
// drop, sent one at a time by PUT /api/v1/files/..., a progress bar per file and overall, and a
// Retry button for each one that failed (a broken connection, a refusal).
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatSize } from './format.js';

const join = (folder, rel) => (folder === '/' ? '' : folder) + '/' + rel;

// The files (and empty folders) under a dropped folder, by the entries API browsers share.
async function walk(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((ok, fail) => entry.file(ok, fail));
    out.files.push({ file, rel: prefix + entry.name });
    return;
  }
  out.folders.push(prefix + entry.name);
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, prefix + entry.name + '/', out);
  }
}

export async function droppedItems(dataTransfer) {
  const out = { files: [], folders: [] };
  const entries = [...dataTransfer.items]
    .filter((i) => i.kind === 'file')
    .map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (entries.every(Boolean)) {
    for (const e of entries) await walk(e, '', out);
  } else {
    for (const file of dataTransfer.files) out.files.push({ file, rel: file.name });
  }
  return out;
}

// From an <input type=file>, with or without webkitdirectory.
export const pickedItems = (fileList) => ({
  files: [...fileList].map((file) => ({ file, rel: file.webkitRelativePath || file.name })),
  folders: [],
});

// The folders a batch needs, parents first; one that exists already is fine (405).
async function makeFolders(folder, batch) {
  const needed = new Set(batch.folders);
  for (const { rel } of batch.files) {
    const parts = rel.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) needed.add(parts.slice(0, i).join('/'));
  }
  const sorted = [...needed].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const rel of sorted) {
    try {
      await api.createFolder(join(folder, rel));
    } catch (err) {
      if (err.status !== 405) throw err;
    }
  }
}

let nextId = 1;

// The queue: add(folder, batch) from the page; onChange() after each file is stored.
export function useUploads(onChange, onError) {
  const [items, setItems] = useState([]);
  const running = useRef(false);
  const update = (id, fields) =>
    setItems((list) => list.map((it) => (it.id === id ? { ...it, ...fields } : it)));

  const add = async (folder, batch) => {
    try {
      await makeFolders(folder, batch);
    } catch (err) {
      onError(err.message);
      return;
    }
    if (batch.folders.length && !batch.files.length) onChange();
    const added = batch.files.map(({ file, rel }) => ({
      id: nextId++, file, name: rel, path: join(folder, rel),
      loaded: 0, total: file.size, state: 'waiting', error: '',
    }));
    setItems((list) => [...list, ...added]);
  };

  useEffect(() => {
    if (running.current) return;
    const it = items.find((i) => i.state === 'waiting');
    if (!it) return;
    running.current = true;
    update(it.id, { state: 'uploading', loaded: 0 });
    const { done } = api.upload(it.path, it.file, (loaded, total) => update(it.id, { loaded, total }));
    done.then(
      () => update(it.id, { state: 'done', loaded: it.file.size }),
      (err) => update(it.id, { state: 'failed', error: err.message }),
    ).finally(() => {
      running.current = false;
      setItems((list) => [...list]); // look for the next one
      onChange();
    });
  }, [items]);

  const retry = (id) => update(id, { state: 'waiting', loaded: 0, error: '' });
  const clear = () => setItems((list) => list.filter((i) => i.state !== 'done'));
  return { items, add, retry, clear };
}

function Progress({ loaded, total, label }) {
  const pct = total > 0 ? Math.min(100, Math.floor((loaded * 100) / total)) : 100;
  return html`<progress max="100" value=${pct} aria-label=${label}>${pct}%</progress>`;
}

export function UploadList({ uploads }) {
  const { items, retry, clear } = uploads;
  if (items.length === 0) return null;
  const loaded = items.reduce((n, i) => n + (i.state === 'done' ? i.total : i.loaded), 0);
  const total = items.reduce((n, i) => n + i.total, 0);
  const finished = items.filter((i) => i.state === 'done').length;
  return html`
    <section class="uploads" aria-label="Uploads">
      <div class="overall">
        <span id="upload-summary">${`${finished} of ${items.length} uploaded · ` +
          `${formatSize(loaded)} of ${formatSize(total)}`}</span>
        <${Progress} loaded=${loaded} total=${total} label="All uploads" />
        ${finished > 0 && html`<button type="button" class="link" onClick=${clear}>Clear finished</button>`}
      </div>
      <ul>
        ${items.map((i) => html`<li key=${i.id} class=${'upload ' + i.state} data-name=${i.name}>
          <span class="upload-name">${i.name}</span>
          <span class="upload-state">${i.state === 'failed' ? i.error
            : i.state === 'done' ? 'Done' : i.state === 'waiting' ? 'Waiting'
            : formatSize(i.loaded) + ' of ' + formatSize(i.total)}</span>
          <${Progress} loaded=${i.state === 'done' ? i.total : i.loaded} total=${i.total}
            label=${'Upload of ' + i.name} />
          ${i.state === 'failed' && html`<button type="button" class="secondary small"
            onClick=${() => retry(i.id)} aria-label=${'Retry ' + i.name}>Retry</button>`}
        </li>`)}
      </ul>
    </section>`;
}
