// Sign in: the refusal's reason is the gate's public message, as the API answers it.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { TwoFactorSignIn } from './two_factor_signin.js';

export function SignIn({ onSignedIn, notice }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // The password was right and a second factor is asked for (docs/two-factor.md).
  const [partial, setPartial] = useState(null);
  // Whether the site offers recovery by email (docs/mail.md#recovery): the API says.
  const [canReset, setCanReset] = useState(false);
  useEffect(() => {
    api.call('GET', '/sign_in_options').then((o) => setCanReset(o.password_reset), () => {});
  }, []);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(username, password));
    } catch (err) {
      if (err.data && err.data.partial_session_id) {
        setPassword('');
        setBusy(false);
        return setPartial(err.data);
      }
      setError({ title: err.title || 'Sign-in failed', message: err.message });
      setBusy(false);
    }
  };

  if (partial)
    return html`<${TwoFactorSignIn} partial=${partial} onSignedIn=${onSignedIn}
      onRestart=${(message) => {
        setPartial(null);
        setError(message ? { title: 'Sign in again', message } : null);
      }} />`;

  return html`
    <main class="card narrow">
      <h1 class="brand">drawbridge</h1>
      <form onSubmit=${submit} aria-label="Sign in">
        <h2>Sign in</h2>
        ${notice && html`<p class="notice" role="status">${notice}</p>`}
        ${error &&
        html`<div class="error" role="alert" id="signin-error">
          <strong>${error.title}</strong>
          <p>${error.message}</p>
        </div>`}
        <label>Username
          <input name="username" autocomplete="username" required value=${username}
            onInput=${(e) => setUsername(e.target.value)} />
        </label>
        <label>Password
          <input name="password" type="password" autocomplete="current-password" required
            value=${password} onInput=${(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        ${canReset && html`<p class="center"><a href="#/forgot" id="forgot-link">Forgot your password?</a></p>`}
      </form>
    </main>`;
}
