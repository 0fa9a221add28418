// A user's API keys and SSH keys (docs/web-ui.md#users): list, create or add, revoke or
// remove, through /users/{id}/api_keys and /users/{id}/ssh_keys. They take only the user's id,
// so the signed-in user's own account page shows the same lists (the API lets a user manage
// its own keys when the site allows).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { copyText } from './clipboard.js';
import { formatTime } from './format.js';

// The rows of `route`, read again after each change; `error` is the API's message.
function useKeyList(route) {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState('');
  // The API's refusal of the list itself (a site that does not let users manage their own
  // keys): the panel then says so and offers nothing.
  const [refused, setRefused] = useState('');
  const reload = () => api.call('GET', route).then((r) => { setRows(r); setError(''); },
    (err) => (err.status === 403 ? setRefused(err.message) : setError(err.message)));
  useEffect(() => { reload(); }, [route]);
  // Runs one change, then shows the list as it is now; true when the change worked.
  const change = async (fn) => {
    try {
      const out = await fn();
      setError('');
      await reload();
      return out || true;
    } catch (err) {
      setError(err.message);
      return false;
    }
  };
  return { rows, error, refused, change };
}

// The API's words, as a sentence.
const refusedText = (message) => message.charAt(0).toUpperCase() + message.slice(1) + '.';

function CopyButton({ text }) {
  const [done, setDone] = useState('');
  const copy = async () => setDone(await copyText(text, 'key'));
  return html`<button type="button" class="secondary" onClick=${copy}>Copy</button>
    ${done && html`<span class="muted" role="status">${done}</span>`}`;
}

export function ApiKeys({ userId }) {
  const base = `/users/${userId}/api_keys`;
  const list = useKeyList(base);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    const key = await list.change(() => api.call('POST', base,
      { name, expires_at: expires || null }));
    if (key) {
      setCreated(key);
      setName('');
      setExpires('');
    }
  };
  const revoke = (k) => list.change(() => api.call('DELETE', `${base}/${k.id}`));
  return html`
    <section class="panel keys" aria-labelledby="api-keys-title">
      <h3 id="api-keys-title">API keys</h3>
      ${list.refused ? html`<p class="muted refused">${refusedText(list.refused)}</p>` : html`
      ${list.error && html`<div class="error" role="alert"><p>${list.error}</p></div>`}
      ${created && html`<div class="notice" id="new-api-key">
        <p>The key <strong>${created.name}</strong>, shown only now: keep it somewhere safe.</p>
        <p class="row"><code class="secret">${created.key}</code><${CopyButton} text=${created.key} /></p>
      </div>`}
      ${list.rows && (list.rows.length === 0 ? html`<p class="muted">No API keys.</p>`
        : html`<ul class="key-list">${list.rows.map((k) => html`<li key=${k.id} data-name=${k.name}>
            <span><strong>${k.name}</strong>
              <span class="muted">${` · created ${formatTime(k.created_at)}` +
                (k.expires_at ? ` · expires ${formatTime(k.expires_at)}` : '') +
                (k.last_use_at ? ` · last used ${formatTime(k.last_use_at)}` : ' · never used')}</span></span>
            <button type="button" class="secondary" onClick=${() => revoke(k)}
              aria-label=${'Revoke ' + k.name}>Revoke</button></li>`)}</ul>`)}
      <form class="inline-form" onSubmit=${create} aria-label="Create an API key">
        <label>Name<input name="api-key-name" required value=${name}
          onInput=${(e) => setName(e.target.value)} /></label>
        <label>Expires (optional)<input name="api-key-expires" type="date" value=${expires}
          onInput=${(e) => setExpires(e.target.value)} /></label>
        <button type="submit">Create key</button>
      </form>`}
    </section>`;
}

export function SshKeys({ userId }) {
  const base = `/users/${userId}/ssh_keys`;
  const list = useKeyList(base);
  const [title, setTitle] = useState('');
  const [key, setKey] = useState('');
  const add = async (e) => {
    e.preventDefault();
    if (await list.change(() => api.call('POST', base, { public_key: key.trim(), title }))) {
      setTitle('');
      setKey('');
    }
  };
  const remove = (k) => list.change(() => api.call('DELETE', `${base}/${k.id}`));
  return html`
    <section class="panel keys" aria-labelledby="ssh-keys-title">
      <h3 id="ssh-keys-title">SSH keys</h3>
      ${list.refused ? html`<p class="muted refused">${refusedText(list.refused)}</p>` : html`
      ${list.error && html`<div class="error" role="alert"><p>${list.error}</p></div>`}
      ${list.rows && (list.rows.length === 0 ? html`<p class="muted">No SSH keys.</p>`
        : html`<ul class="key-list">${list.rows.map((k) => html`<li key=${k.id} data-title=${k.title}>
            <span><strong>${k.title || k.key_type}</strong>
              <span class="muted fingerprint">${` · ${k.key_type} ${k.fingerprint_sha256} · ` +
                (k.last_login_at ? `last login ${formatTime(k.last_login_at)}` : 'never used')}</span></span>
            <button type="button" class="secondary" onClick=${() => remove(k)}
              aria-label=${'Remove ' + (k.title || k.fingerprint_sha256)}>Remove</button></li>`)}</ul>`)}
      <form onSubmit=${add} aria-label="Add an SSH key">
        <label>Title<input name="ssh-key-title" value=${title}
          onInput=${(e) => setTitle(e.target.value)} /></label>
        <label>Public key<textarea name="ssh-public-key" rows="3" required value=${key}
          placeholder="ssh-ed25519 AAAA… comment" onInput=${(e) => setKey(e.target.value)}></textarea></label>
        <div class="row"><button type="submit">Add key</button></div>
      </form>`}
    </section>`;
}
