// *Set your new password*: the page a sign-up or reset link opens
// (<web_base_url>/#/set-password?token=..., docs/mail.md#links). The link's token signs the
// calls in: the rules as the password is typed, the generator, and setting it, which uses the
// link up. A link that cannot be used (used, expired, replaced) is said so before any typing.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { useNewPassword } from './password.js';

export const tokenOf = (hash) => new URLSearchParams(hash.split('?')[1] || '').get('token') || '';

export function SetPassword({ token }) {
  // null: not known yet; {username, purpose}: the link is valid; {refused}: it is not.
  const [link, setLink] = useState(null);
  const [done, setDone] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const check = async (password) => {
    try {
      const c = await api.call('POST', '/password_reset/check', { token, password });
      setLink((l) => (l && l.username ? l : c));
      return c;
    } catch (err) {
      if (err.status === 400) setLink({ refused: err.message });
      throw err;
    }
  };
  const np = useNewPassword({
    check,
    generate: async () =>
      (await api.call('POST', '/password_reset/generate_password', { token })).password,
  });
  useEffect(() => {
    if (!token) setLink({ refused: 'This address has no link token: open the link from the mail.' });
  }, [token]);

  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      setDone(await api.call('POST', '/password_reset/complete', { token, password: np.password }));
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };

  let body;
  if (done) {
    body = html`<p class="notice" role="status" id="set-done">
        The password of <strong>${done.username}</strong> is set. Use it to sign in here, over
        SFTP, FTPS or WebDAV.</p>
      <p class="center"><a href="#/">Sign in</a></p>`;
  } else if (link && link.refused) {
    body = html`<div class="error" role="alert" id="link-refused">
        <strong>This link cannot be used</strong><p>${capitalise(link.refused)}.</p></div>
      <p class="center"><a href="#/forgot">Ask for a new link</a> · <a href="#/">Sign in</a></p>`;
  } else {
    body = html`
      ${link
        ? html`<p class="muted" id="link-user">${link.purpose === 'signup'
            ? 'Welcome! Choose the password of your account '
            : 'Choose a new password for '}<strong>${link.username}</strong>.</p>`
        : html`<p class="loading">Checking the link…</p>`}
      ${error && html`<div class="error" role="alert" id="set-error"><p>${error}</p></div>`}
      ${np.fields}
      <button type="submit" disabled=${busy || !np.ready}>
        ${busy ? 'Saving…' : 'Set the password'}</button>`;
  }
  return html`
    <main class="card narrow">
      <h1 class="brand">drawbridge</h1>
      <form onSubmit=${save} aria-label="Set your new password">
        <h2>Set your new password</h2>
        ${body}
      </form>
    </main>`;
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);
