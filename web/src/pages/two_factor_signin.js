// The sign-in's second step (docs/two-factor.md#per-interface): a code from the authenticator
// app, a recovery code, or a security key, sent with the partial_session_id the password step
// was answered with. A wrong answer keeps the step; a used-up one goes back to the password.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

export const fromB64url = (s) => {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
};
export const toB64url = (buf) =>
  btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// navigator.credentials.get() with the server's request options, its answer as the API reads it.
async function securityKeyAnswer(options) {
  const cred = await navigator.credentials.get({
    publicKey: {
      challenge: fromB64url(options.challenge),
      rpId: options.rpId,
      timeout: options.timeout,
      userVerification: options.userVerification,
      allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
    },
  });
  const r = cred.response;
  return {
    id: cred.id,
    clientDataJSON: toB64url(r.clientDataJSON),
    authenticatorData: toB64url(r.authenticatorData),
    signature: toB64url(r.signature),
    ...(r.userHandle && r.userHandle.byteLength ? { userHandle: toB64url(r.userHandle) } : {}),
  };
}

export function TwoFactorSignIn({ partial, onSignedIn, onRestart }) {
  const methods = partial.methods || [];
  const [recovery, setRecovery] = useState(!methods.includes('totp') && methods.includes('recovery_code'));
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const send = async (answer) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signInSecondStep(partial.partial_session_id, answer));
    } catch (err) {
      setBusy(false);
      setCode('');
      // Anything but a wrong answer (the sign-in expired, took too many wrong codes, or the
      // account was locked) ends this sign-in: the password step again, with the reason.
      const wrong = (err.type || '').endsWith('two-factor-authentication-error');
      if (err.status === 401 && !wrong) return onRestart(err.message);
      setError({ title: err.title || 'Verification failed', message: err.message });
    }
  };
  const submit = (e) => {
    e.preventDefault();
    send({ otp: code.trim() });
  };
  const useKey = async () => {
    let answer;
    try {
      answer = await securityKeyAnswer(partial.webauthn);
    } catch (err) {
      setError({ title: 'The security key did not answer', message: err.message });
      return;
    }
    send({ webauthn: answer });
  };

  return html`
    <main class="card narrow">
      <h1 class="brand">drawbridge</h1>
      <form onSubmit=${submit} aria-label="Two-factor authentication">
        <h2>Two-factor authentication</h2>
        ${error &&
        html`<div class="error" role="alert" id="two-factor-error">
          <strong>${error.title}</strong>
          <p>${error.message}</p>
        </div>`}
        ${(methods.includes('totp') || methods.includes('recovery_code')) &&
        html`<label>${recovery ? 'Recovery code' : 'Code from your authenticator app'}
            <input name="otp" required value=${code} autocomplete="one-time-code"
              inputmode=${recovery ? 'text' : 'numeric'} autofocus
              onInput=${(e) => setCode(e.target.value)} />
          </label>
          <button type="submit" disabled=${busy}>${busy ? 'Verifying…' : 'Verify'}</button>`}
        ${methods.includes('totp') && methods.includes('recovery_code') &&
        html`<p class="center"><a href="#" id="toggle-recovery"
            onClick=${(e) => { e.preventDefault(); setRecovery(!recovery); setCode(''); }}>
            ${recovery ? 'Use a code from the app' : 'Use a recovery code'}</a></p>`}
        ${methods.includes('webauthn') && partial.webauthn &&
        html`<button type="button" class="secondary" disabled=${busy} onClick=${useKey}>
            Use your security key</button>`}
        <p class="center"><a href="#" onClick=${(e) => { e.preventDefault(); onRestart(null); }}>
          Sign in as someone else</a></p>
      </form>
    </main>`;
}
