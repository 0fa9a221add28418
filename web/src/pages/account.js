// The signed-in user's own account (#/account, docs/web-ui.md#account): who they are, a change
// of password under the site's rules, their own API and SSH keys where the site lets users
// manage them (the API says so: pages/keys.js shows its refusal), and their login history.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';
import { ApiKeys, SshKeys } from './keys.js';
import { LogTable, useHistory } from './log.js';
import { useNewPassword } from './password.js';
import { TwoFactorPanel } from './two_factor.js';

// Methods whose users have no password of ours to change.
const NO_PASSWORD = new Set(['none', 'sso']);

function Profile({ me }) {
  const fact = (label, value) => html`<dt>${label}</dt><dd>${value || html`<span class="muted">—</span>`}</dd>`;
  return html`<section class="panel" aria-labelledby="profile-title">
    <h3 id="profile-title">Your account</h3>
    <dl class="facts">
      ${fact('Username', me.username)}
      ${fact('Email', me.email)}
      ${fact('Sign-in method', me.authentication_method)}
      ${fact('Password expires', me.password_expire_at ? formatTime(me.password_expire_at) : 'never')}
      ${fact('Last login', me.last_login_at && formatTime(me.last_login_at))}
    </dl>
  </section>`;
}

// The API asks for the current password and proves it like a login (a wrong one counts toward
// the lockout and is logged); saving ends the sessions of the old password, so the page signs
// in again with the new one.
function ChangePassword({ me, onSignedIn, onSignOut }) {
  const [current, setCurrent] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0); // a new round empties the fields
  const np = useNewPassword({
    check: (password) => api.call('POST', '/me/password_check', { password }),
    generate: async () => (await api.generatePassword()).password,
  });
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setDone('');
    try {
      try {
        await api.changePassword(np.password, current);
      } catch (err) {
        throw new Error(err.status === 401 ? 'Your current password is not right.' : err.message);
      }
      try {
        onSignedIn(await api.signIn(me.username, np.password));
      } catch (err) {
        // A user with a second factor signs in again from the start, with the code.
        if (err.data && err.data.partial_session_id) return onSignOut('Your password has been changed: sign in again.');
        throw err;
      }
      setCurrent('');
      setDone('Your password has been changed. Your other sessions have ended.');
      setRound((r) => r + 1);
    } catch (err) {
      setError(err.message);
    }
    setBusy(false);
  };
  return html`<section class="panel" aria-labelledby="password-title">
    <h3 id="password-title">Change your password</h3>
    ${done && html`<p class="notice" role="status" id="password-done">${done}</p>`}
    ${error && html`<div class="error" role="alert" id="password-error"><p>${error}</p></div>`}
    <form key=${round} onSubmit=${save} aria-label="Change your password">
      <label>Current password
        <input name="current-password" type="password" autocomplete="current-password" required
          value=${current} onInput=${(e) => setCurrent(e.target.value)} /></label>
      ${np.fields}
      <button type="submit" disabled=${busy || !np.ready || !current}>
        ${busy ? 'Saving…' : 'Change password'}</button>
    </form>
  </section>`;
}

const HISTORY_KINDS = [
  { value: 'login', label: 'Logins' },
  { value: 'failedlogin', label: 'Login failures' },
  { value: '', label: 'Everything' },
];

// GET /history answers a user with their own entries only.
function History() {
  const [action, setAction] = useState('login');
  const { rows, next, loading, error, more } = useHistory(action ? { action } : {});
  return html`<section class="panel history" aria-labelledby="history-title">
    <h3 id="history-title">Your login history</h3>
    <label>Show
      <select name="history-kind" value=${action} onChange=${(e) => setAction(e.target.value)}>
        ${HISTORY_KINDS.map((k) => html`<option value=${k.value}>${k.label}</option>`)}
      </select></label>
    ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
    ${loading && rows.length === 0 ? html`<p class="loading">Loading…</p>`
      : rows.length === 0 ? html`<p class="muted" id="history-empty">Nothing yet.</p>`
      : html`<${LogTable} rows=${rows} />`}
    ${next && !loading && html`<p class="more"><button type="button" class="secondary" onClick=${more}>Show more</button></p>`}
  </section>`;
}

export function Account({ onSignedIn, onSignOut }) {
  const [me, setMe] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.me().then(setMe, (err) => setError(err.message));
  }, []);
  if (error) return html`<main class="page"><div class="error" role="alert"><p>${error}</p></div></main>`;
  if (!me) return html`<main class="page"><p class="loading">Loading…</p></main>`;
  return html`<main class="page account">
    <div class="title-row"><h2>Account</h2></div>
    <${Profile} me=${me} />
    ${!NO_PASSWORD.has(me.authentication_method) && html`<${ChangePassword} me=${me} onSignedIn=${onSignedIn} onSignOut=${onSignOut} />`}
    <${TwoFactorPanel} />
    <${ApiKeys} userId=${me.id} />
    <${SshKeys} userId=${me.id} />
    <${History} />
  </main>`;
}
