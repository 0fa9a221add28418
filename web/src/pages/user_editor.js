// The user editor (#/admin/users/<id> and #/admin/users/new, docs/web-ui.md#users): every
// writable user field (pages/user_form.js), Save as one POST /users or PATCH /users/{id} of
// what changed, the account's actions (enable, disable, unlock, delete, resend the welcome
// mail), its folder permissions and its keys. Errors are the API's messages, next to the field
// the API names.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';
import { ResendWelcomeButton } from './mail.js';
import { useNewPassword } from './password.js';
import { AccessFields, AuthenticationFields, FIELDS, IdentityFields, NEW_USER, takesPassword } from './user_form.js';
import { EnabledMark, lastLogins, lockText } from './users.js';
import { FolderPermissions } from './folder_permissions.js';
import { ApiKeys, SshKeys } from './keys.js';

const IMPORTED = 'password_with_imported_hash';
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// "email: expected …" names the field it is about; a refused hash or password is the one sent.
function errorsOf(err, body) {
  const named = /^([a-z0-9_]+): (.*)$/s.exec(err.message);
  if (named && (FIELDS.includes(named[1]) || named[1] === 'imported_password_hash'))
    return { [named[1]]: named[2] };
  if (body.imported_password_hash && /hash/.test(err.message)) return { imported_password_hash: err.message };
  if (body.password && /password/i.test(err.message)) return { password: err.message };
  return {};
}

// The body of the save: every field of a new user, only what changed of an existing one.
function saveBody(user, draft, password, hash) {
  const body = {};
  for (const k of FIELDS) if (!user || !same(draft[k], user[k])) body[k] = draft[k];
  const method = draft.authentication_method;
  if (method === IMPORTED) {
    // The method follows from the hash (POST/PATCH imported_password_hash).
    delete body.authentication_method;
    if (hash.trim()) body.imported_password_hash = hash.trim();
  }
  if (takesPassword(method) && (!user || password.wanted)) {
    body.password = password.value;
    body.require_password_change = !!draft.require_password_change;
  }
  return body;
}

function Activity({ user }) {
  const logins = lastLogins(user);
  return html`<section class="panel" aria-labelledby="activity-title">
    <h3 id="activity-title">Activity</h3>
    <dl class="facts">
      <dt>Created</dt><dd>${formatTime(user.created_at)}</dd>
      <dt>Password set</dt><dd>${user.password_set_at ? formatTime(user.password_set_at) : 'never'}</dd>
      <dt>Password expires</dt><dd>${user.password_expired ? 'expired'
        : user.password_expire_at ? formatTime(user.password_expire_at) : 'never'}</dd>
      ${logins.length === 0 ? html`<dt>Last login</dt><dd>never</dd>`
        : logins.map((l) => html`<dt>Last ${l.protocol} login</dt><dd>${formatTime(l.at)}</dd>`)}
    </dl></section>`;
}

// Enable or disable, unlock when locked, resend the welcome mail, delete after asking.
function AccountActions({ user, onChanged, onError }) {
  const [asking, setAsking] = useState(false);
  const post = (what) => api.call('POST', `/users/${user.id}/${what}`).then(onChanged, onError);
  const remove = () => api.call('DELETE', `/users/${user.id}`).then(() => {
    location.hash = '#/admin/users';
  }, onError);
  return html`<div class="account-actions">
    <p class="status" id="user-status"><${EnabledMark} user=${user} />
      ${user.disabled ? ' Disabled' : ' Enabled'}
      ${user.locked_out && html` · <span class="unmet" id="lock-state">${lockText(user)}</span>`}
      <span id="two-factor-state">${user.active_2fa ? ' · Two-factor authentication on' : ''}</span></p>
    <div class="row">
      ${user.disabled
        ? html`<button type="button" onClick=${() => post('enable')}>Enable</button>`
        : html`<button type="button" class="secondary" onClick=${() => post('disable')}>Disable</button>`}
      ${user.locked_out && html`<button type="button" onClick=${() => post('unlock')}>Unlock</button>`}
      ${user.active_2fa && html`<button type="button" class="secondary" id="reset-2fa"
        onClick=${() => api.call('POST', `/users/${user.id}/2fa/reset`)
          .then(() => api.call('GET', `/users/${user.id}`)).then(onChanged, onError)}>
        Reset two-factor authentication</button>`}
      ${user.email && !['none', 'sso'].includes(user.authentication_method) &&
        html`<${ResendWelcomeButton} user=${user} />`}
      ${!asking && html`<button type="button" class="danger" onClick=${() => setAsking(true)}>Delete</button>`}
    </div>
    ${asking && html`<div class="error" role="alertdialog" aria-labelledby="delete-q">
      <p id="delete-q">Delete ${user.username}? The account goes, its files are set aside; this cannot be undone.</p>
      <div class="row"><button type="button" class="secondary" onClick=${() => setAsking(false)}>Cancel</button>
        <button type="button" class="danger" onClick=${remove}>Delete ${user.username}</button></div>
    </div>`}
  </div>`;
}

export function UserEditor({ id, onSignOut }) {
  const isNew = id === 'new';
  const [user, setUser] = useState(null);
  const [draft, setDraft] = useState(isNew ? { ...NEW_USER } : null);
  const [errors, setErrors] = useState({});
  const [status, setStatus] = useState(null);
  const [wanted, setWanted] = useState(false);
  const [hash, setHash] = useState('');
  const [busy, setBusy] = useState(false);
  const np = useNewPassword({
    check: (password) => api.call('POST', '/me/password_check', { password }),
    generate: async () => (await api.generatePassword()).password,
  });
  const fail = (err) => {
    if (err.status === 401) return onSignOut('Your session has ended. Sign in again.');
    setStatus({ ok: false, text: err.message });
  };
  const loaded = (u) => {
    setUser(u);
    setDraft(Object.fromEntries(FIELDS.map((k) => [k, u[k]])));
    setWanted(false);
    setHash('');
  };
  useEffect(() => {
    // Just created: the page moved to the new user's address, with the user as saved.
    if (user && String(user.id) === id) return;
    setStatus(null);
    setErrors({});
    if (isNew) {
      setUser(null);
      setDraft({ ...NEW_USER });
    } else api.call('GET', `/users/${id}`).then(loaded, fail);
  }, [id]);

  // A field's error goes once the field is changed again.
  const set = (name, value) => {
    setDraft((d) => ({ ...d, [name]: value }));
    setErrors((e) => ({ ...e, [name]: undefined }));
  };
  useEffect(() => setErrors((e) => ({ ...e, password: undefined })), [np.password]);
  // A method that takes a password, chosen for a user without one: it is set in the same save.
  const needsPassword = !!user && !!draft && takesPassword(draft.authentication_method) &&
    !takesPassword(user.authentication_method) && user.authentication_method !== IMPORTED;
  const save = async (e) => {
    e.preventDefault();
    const body = saveBody(user, draft, { wanted: wanted || needsPassword, value: np.password }, hash);
    if (body.password !== undefined && !np.matches)
      return setErrors({ password: 'Repeat the same password.' });
    if (!isNew && Object.keys(body).length === 0) return setStatus({ ok: true, text: 'Nothing changed.' });
    setBusy(true);
    setErrors({});
    setStatus(null);
    try {
      const saved = await api.call(isNew ? 'POST' : 'PATCH', isNew ? '/users' : `/users/${id}`, body);
      loaded(saved);
      setStatus({ ok: true, text: isNew ? `Created ${saved.username}.` : 'Saved.' });
      if (isNew) location.hash = '#/admin/users/' + saved.id;
    } catch (err) {
      setErrors(errorsOf(err, body));
      fail(err);
    }
    setBusy(false);
  };

  if (!draft) return html`<main class="page">${status ? html`<div class="error" role="alert"><p>${status.text}</p></div>`
    : html`<p class="loading">Loading…</p>`}</main>`;
  const p = { draft, set, errors };
  return html`
    <main class="page user-editor">
      <p class="crumbs"><a href="#/admin/users">Users</a></p>
      <div class="title-row"><h2>${isNew ? 'New user' : user.username}</h2></div>
      ${user && html`<${AccountActions} user=${user} onChanged=${loaded} onError=${fail} />`}
      ${status && html`<div class=${status.ok ? 'notice' : 'error'} role=${status.ok ? 'status' : 'alert'}
        id="save-status"><p>${status.text}</p></div>`}
      <form class="panel user-form" key=${user ? user.id : 'new'} onSubmit=${save} aria-label=${isNew ? 'New user' : 'Edit user'} noValidate>
        <${IdentityFields} ...${p} />
        <${AuthenticationFields} ...${p} isNew=${isNew} password=${{ wanted: wanted || needsPassword, forced: needsPassword, fields: np.fields }}
          setPassword=${setWanted} hash=${hash} setHash=${setHash} />
        <${AccessFields} ...${p} />
        <div class="row save-row"><button type="submit" disabled=${busy}>
          ${busy ? 'Saving…' : isNew ? 'Create user' : 'Save'}</button></div>
      </form>
      ${user && html`
        <${Activity} user=${user} />
        <${FolderPermissions} userId=${user.id} />
        <${ApiKeys} userId=${user.id} />
        <${SshKeys} userId=${user.id} />`}
    </main>`;
}
