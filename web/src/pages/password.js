// The forced password change: a session that may only change the password (set by an
// administrator, or expired). The checklist is the site's rules as the API checks them.
// useNewPassword is also the *Set your new password* page's (pages/set_password.js).
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { copyText } from './clipboard.js';

export function Checklist({ rules }) {
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

// The fields of a new password: the password with Generate, Copy and Show, the checklist that
// follows the typing, and the repeat. `check(password)` answers {acceptable, rules} (the API's
// check), `generate()` a password; `onCheckError(err)` is told when a check fails. Returns
// {password, ready (acceptable and repeated), fields (to render)}.
export function useNewPassword({ check, generate, onCheckError }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setResult] = useState({ acceptable: false, rules: [] });
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState('');
  const latest = useRef(0);

  useEffect(() => {
    const n = ++latest.current;
    const t = setTimeout(async () => {
      try {
        const c = await check(password);
        if (n === latest.current) setResult(c);
      } catch (err) {
        if (onCheckError) onCheckError(err);
      }
    }, password ? 150 : 0);
    return () => clearTimeout(t);
  }, [password]);

  const generated = async () => {
    const g = await generate();
    setPassword(g);
    setConfirm(g);
    setShown(true);
    setCopied('');
  };
  const copy = async () => setCopied(await copyText(password, 'password'));

  const matches = confirm !== '' && confirm === password;
  const fields = html`
    <label>New password
      <input name="new-password" type=${shown ? 'text' : 'password'} autocomplete="new-password"
        required value=${password} onInput=${(e) => setPassword(e.target.value)} />
    </label>
    <div class="row">
      <button type="button" class="secondary" onClick=${generated}>Generate</button>
      <button type="button" class="secondary" onClick=${copy} disabled=${!password}>Copy</button>
      <label class="inline"><input type="checkbox" checked=${shown}
        onChange=${(e) => setShown(e.target.checked)} /> Show</label>
    </div>
    ${copied && html`<p class="muted" role="status" id="copy-status">${copied}</p>`}
    <${Checklist} rules=${result.rules} />
    <label>Repeat the new password
      <input name="confirm-password" type=${shown ? 'text' : 'password'}
        autocomplete="new-password" required value=${confirm}
        onInput=${(e) => setConfirm(e.target.value)} />
    </label>
    <p class=${matches ? 'met' : 'unmet'} id="match">${matches ? '✓ The passwords match' : '✗ Repeat the same password'}</p>`;
  return { password, ready: result.acceptable && matches, matches, result, fields };
}

export function PasswordChange({ session, onDone, onSignOut }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const np = useNewPassword({
    check: (password) => api.call('POST', '/me/password_check', { password }),
    generate: async () => (await api.generatePassword()).password,
    onCheckError: (err) => {
      if (err.status === 401) onSignOut('Your session has ended. Sign in again.');
    },
  });

  const save = async (e) => {
    e.preventDefault();
    if (!np.matches) return setError('The two passwords differ.');
    setBusy(true);
    setError('');
    try {
      await api.changePassword(np.password);
      // The change ends this session (as it ends every session of the old password): sign in
      // again with the new one.
      onDone(await api.signIn(session.username, np.password));
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };

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
        ${np.fields}
        <button type="submit" disabled=${busy || !np.ready}>
          ${busy ? 'Saving…' : 'Change password'}</button>
        <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
      </form>
    </main>`;
}
