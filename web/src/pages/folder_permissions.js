// A user's folder permissions in the editor (docs/web-ui.md#users): the per-path rules of
// list, read, write and delete (GET/POST /permissions, DELETE /permissions/{id}). The deepest
// rule on a path decides; with no rule the user may do everything in its root.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

const KINDS = ['list', 'read', 'write', 'delete'];

export function FolderPermissions({ userId }) {
  const [rules, setRules] = useState(null);
  const [error, setError] = useState('');
  const [path, setPath] = useState('/');
  const [grant, setGrant] = useState({ list: true, read: true, write: false, delete: false });
  const reload = () => api.call('GET', `/permissions?user_id=${userId}`).then(setRules,
    (err) => setError(err.message));
  useEffect(() => { reload(); }, [userId]);
  const run = async (fn) => {
    try {
      await fn();
      setError('');
      await reload();
    } catch (err) {
      setError(err.message);
    }
  };
  const add = (e) => {
    e.preventDefault();
    const permission = KINDS.filter((k) => grant[k]).join(',') || 'none';
    run(() => api.call('POST', '/permissions', { user_id: userId, path, permission }));
  };
  return html`
    <section class="panel" aria-labelledby="perm-title">
      <h3 id="perm-title">Folder permissions</h3>
      <p class="muted">The deepest rule above a path decides; with no rule at all, everything is allowed.</p>
      ${error && html`<div class="error" role="alert" id="perm-error"><p>${error}</p></div>`}
      ${rules && (rules.length === 0 ? html`<p class="muted">No rules: full access to the user's root.</p>`
        : html`<ul class="key-list" id="perm-list">${rules.map((r) => html`<li key=${r.id} data-path=${r.path}>
            <span><code>${r.path}</code> <span class="muted">· ${r.permissions.join(', ') || 'nothing'}</span></span>
            <button type="button" class="secondary" aria-label=${'Remove the rule at ' + r.path}
              onClick=${() => run(() => api.call('DELETE', `/permissions/${r.id}`))}>Remove</button></li>`)}</ul>`)}
      <form class="inline-form" onSubmit=${add} aria-label="Add a folder permission">
        <label>Path<input name="perm-path" value=${path} spellcheck=${false}
          onInput=${(e) => setPath(e.target.value)} /></label>
        <span class="checks">${KINDS.map((k) => html`<label class="inline"><input type="checkbox"
          name=${'perm-' + k} checked=${grant[k]} onChange=${(e) => setGrant({ ...grant, [k]: e.target.checked })} />
          ${k}</label>`)}</span>
        <button type="submit">Set rule</button>
      </form>
    </section>`;
}
