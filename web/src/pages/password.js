// The forced password change: a session that may only change the password (set by an
// administrator, or expired). The checklist is the site's rules as the API checks them.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

function Checklist({ rules }) {
  return html`
    <ul class="checklist" aria-label="Password rules">
      ${rules.map(
        (r) => html`<li key=${r.rule} data-rule=${r.rule}
            class=${r.met === null ? 'later' : r.met ? 'met' : 'unmet'}>
          <span class="mark" aria-hidden="true">${r.met === null ? '•' : r.met ? '✓' : '✗'}</span>
          ${r.message}${r.met === null ? ' (checked when you save)' : ''}
        </li>`,
      )}
    </ul>`;
}

export function PasswordChange({ session, onDone, onSignOut }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [check, setCheck] = useState({ acceptable: false, rules: [] });
  const [shown, setShown] = useState(false);
  const [error, setError] = useState('');
  const [copied, setCopied] = useState('');
  const [busy, setBusy] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const n = ++latest.current;
    const t = setTimeout(async () => {
      try {
        const c = await api.call('POST', '/me/password_check', { password });
        if (n === latest.current) setCheck(c);
      } catch (err) {
        if (err.status === 401) onSignOut('Your session has ended. Sign in again.');
      }
    }, password ? 150 : 0);
    return () => clearTimeout(t);
  }, [password]);

  const generate = async () => {
    const g = await api.generatePassword();
    setPassword(g.password);
    setConfirm(g.password);
    setShown(true);
    setCopied('');
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(password);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser did not allow copying: select the password and copy it.');
    }
  };
  const save = async (e) => {
    e.preventDefault();
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError('');
    try {
      await api.changePassword(password);
      // The change ends this session (as it ends every session of the old password): sign in
      // again with the new one.
      onDone(await api.signIn(session.username, password));
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };

  const matches = confirm !== '' && confirm === password;
  return html`
    <main class="card narrow">
      <h1 class="brand">drawbridge</h1>
      <form onSubmit=${save} aria-label="Change your password">
        <h2>Change your password</h2>
        <p class="notice" role="status" id="change-reason">
          ${session.reason || 'Your password must be changed before you can continue.'}
        </p>
        <p class="muted">Signed in as <strong>${session.username}</strong>.</p>
        ${error && html`<div class="error" role="alert" id="change-error"><p>${error}</p></div>`}
        <label>New password
          <input name="new-password" type=${shown ? 'text' : 'password'} autocomplete="new-password"
            required value=${password} onInput=${(e) => setPassword(e.target.value)} />
        </label>
        <div class="row">
          <button type="button" class="secondary" onClick=${generate}>Generate</button>
          <button type="button" class="secondary" onClick=${copy} disabled=${!password}>Copy</button>
          <label class="inline"><input type="checkbox" checked=${shown}
            onChange=${(e) => setShown(e.target.checked)} /> Show</label>
        </div>
        ${copied && html`<p class="muted" role="status" id="copy-status">${copied}</p>`}
        <${Checklist} rules=${check.rules} />
        <label>Repeat the new password
          <input name="confirm-password" type=${shown ? 'text' : 'password'}
            autocomplete="new-password" required value=${confirm}
            onInput=${(e) => setConfirm(e.target.value)} />
        </label>
        <p class=${matches ? 'met' : 'unmet'} id="match">${matches ? '✓ The passwords match' : '✗ Repeat the same password'}</p>
        <button type="submit" disabled=${busy || !check.acceptable || !matches}>
          ${busy ? 'Saving…' : 'Change password'}</button>
        <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
      </form>
    </main>`;
}
