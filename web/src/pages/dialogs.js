// The file portal's dialogs: new folder, rename, move, copy and delete (with confirmation).
// Each is one API call; its error is shown in the dialog with the API's message.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { nameOf, parentOf } from './format.js';

const join = (folder, name) => (folder === '/' ? '' : folder) + '/' + name;
const clean = (folder) => '/' + folder.split('/').filter(Boolean).join('/');

// What each dialog asks and does. `entry` is the row acted on; `folder` the one shown.
const kinds = {
  'new-folder': {
    title: () => 'New folder',
    field: 'Folder name',
    initial: () => '',
    button: 'Create',
    run: (value, { folder }) => api.createFolder(join(folder, value)),
  },
  rename: {
    title: (e) => `Rename ${nameOf(e.path)}`,
    field: 'New name',
    initial: (e) => nameOf(e.path),
    button: 'Rename',
    replace: true,
    run: (value, { entry }, overwrite) => api.move(entry.path, join(parentOf(entry.path), value), overwrite),
  },
  move: {
    title: (e) => `Move ${nameOf(e.path)}`,
    field: 'To folder',
    initial: (e, folder) => folder,
    button: 'Move',
    replace: true,
    run: (value, { entry }, overwrite) =>
      api.move(entry.path, join(clean(value), nameOf(entry.path)), overwrite),
  },
  copy: {
    title: (e) => `Copy ${nameOf(e.path)}`,
    field: 'To folder',
    initial: (e, folder) => folder,
    button: 'Copy',
    replace: true,
    run: (value, { entry }, overwrite) =>
      api.copy(entry.path, join(clean(value), nameOf(entry.path)), overwrite),
  },
  delete: {
    title: (e) => `Delete ${nameOf(e.path)}?`,
    message: (e) => (e.type === 'directory'
      ? 'The folder and everything in it will be deleted. This cannot be undone.'
      : 'The file will be deleted. This cannot be undone.'),
    button: 'Delete',
    danger: true,
    run: (value, { entry }) => api.remove(entry.path),
  },
};

export function FileDialog({ kind, entry, folder, onClose, onDone }) {
  const k = kinds[kind];
  const [value, setValue] = useState(k.initial ? k.initial(entry, folder) : '');
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef(null);
  const button = useRef(null);

  useEffect(() => {
    (input.current || button.current)?.focus();
    const onKey = (e) => e.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const submit = async (e) => {
    e.preventDefault();
    if (k.field && !value.trim()) return setError(`${k.field}: enter one.`);
    setBusy(true);
    setError('');
    try {
      await k.run(value.trim(), { entry, folder }, overwrite);
      onDone();
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };

  return html`
    <div class="overlay" onClick=${(e) => e.target === e.currentTarget && onClose()}>
      <form class="card dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title"
        onSubmit=${submit}>
        <h2 id="dialog-title">${k.title(entry)}</h2>
        ${k.message && html`<p>${k.message(entry)}</p>`}
        ${k.field && html`<label>${k.field}
          <input ref=${input} value=${value} onInput=${(e) => setValue(e.target.value)}
            autocomplete="off" spellcheck="false" /></label>`}
        ${k.replace && html`<p><label class="inline"><input type="checkbox" checked=${overwrite}
          onChange=${(e) => setOverwrite(e.target.checked)} /> Replace what is there</label></p>`}
        ${error && html`<div class="error" role="alert" id="dialog-error"><p>${error}</p></div>`}
        <div class="actions">
          <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
          <button ref=${button} type="submit" class=${k.danger ? 'danger' : ''} disabled=${busy}>
            ${k.button}</button>
        </div>
      </form>
    </div>`;
}
