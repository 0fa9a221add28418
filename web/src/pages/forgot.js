// "Forgot your password?" (docs/mail.md#recovery): a username or an email address. The API
// answers the same whatever exists, and so does this page; what happened is in the action log.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

export function Forgot() {
  const [who, setWho] = useState('');
  const [sent, setSent] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const typed = who.trim();
    try {
      const body = typed.includes('@') ? { email: typed } : { username: typed };
      const answer = await api.call('POST', '/password_reset', body);
      setSent(answer.message);
    } catch (err) {
      setError(err.message);
    }
    setBusy(false);
  };

  return html`
    <main class="card narrow">
      <h1 class="brand">drawbridge</h1>
      <form onSubmit=${submit} aria-label="Forgot your password">
        <h2>Forgot your password?</h2>
        ${sent
          ? html`<p class="notice" role="status" id="forgot-sent">${capitalise(sent)}. The link
              works once, for an hour.</p>`
          : html`<p class="muted">Enter your username or your email address: we send a link to
              set a new password to the address of the account.</p>`}
        ${error && html`<div class="error" role="alert" id="forgot-error"><p>${error}</p></div>`}
        ${!sent &&
        html`<label>Username or email
            <input name="who" autocomplete="username" required value=${who}
              onInput=${(e) => setWho(e.target.value)} />
          </label>
          <button type="submit" disabled=${busy}>${busy ? 'Sending…' : 'Send the link'}</button>`}
        <p class="center"><a href="#/">Back to sign in</a></p>
      </form>
    </main>`;
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);
