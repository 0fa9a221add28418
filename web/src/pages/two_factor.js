// Two-factor authentication on the user's own account (docs/two-factor.md): the authenticator
// app set up from a QR code drawn by the server and confirmed by one code, the ten recovery
// codes shown once, the app turned off and new recovery codes (each with a code, which the
// server proves like a login). Also the whole page of a session that may only set it up.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { fromB64url, toB64url } from './two_factor_signin.js';

function RecoveryCodes({ codes, onSaved }) {
  return html`<div class="notice" role="status" id="recovery-codes">
    <p><strong>Your recovery codes.</strong> Each signs in once if the app is not at hand. They are
      shown this once: keep them somewhere safe.</p>
    <ul class="codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    <button type="button" onClick=${onSaved}>I have saved them</button>
  </div>`;
}

// Begin, then confirm with the first code; onDone once the codes were seen.
export function TotpSetup({ onDone }) {
  const [setup, setSetup] = useState(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState(null);
  const [error, setError] = useState('');
  const begin = async () => {
    setError('');
    try {
      setSetup(await api.call('POST', '/me/2fa/totp'));
    } catch (err) {
      setError(err.message);
    }
  };
  const confirm = async (e) => {
    e.preventDefault();
    setError('');
    try {
      setCodes((await api.call('POST', '/me/2fa/totp/confirm', { code: code.trim() })).recovery_codes);
    } catch (err) {
      setError(err.message);
    }
  };
  if (codes) return html`<${RecoveryCodes} codes=${codes} onSaved=${onDone} />`;
  return html`<div class="totp-setup">
    ${error && html`<div class="error" role="alert" id="totp-error"><p>${error}</p></div>`}
    ${!setup
      ? html`<button type="button" onClick=${begin}>Set up an authenticator app</button>`
      : html`<p>Scan this code with your authenticator app, or type the key into it.</p>
        <div class="qr" aria-label="QR code" dangerouslySetInnerHTML=${{ __html: setup.qr_svg }}></div>
        <p>Key: <code id="totp-secret">${setup.secret}</code></p>
        <form onSubmit=${confirm} aria-label="Confirm the authenticator app">
          <label>Code from the app
            <input name="totp-code" required autocomplete="one-time-code" inputmode="numeric"
              value=${code} onInput=${(e) => setCode(e.target.value)} /></label>
          <button type="submit">Turn on</button>
        </form>`}
  </div>`;
}

// A change that needs a code: turning the app off, or new recovery codes.
function CodeAction({ label, run, id }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      await run(code.trim());
      setCode('');
    } catch (err) {
      setError(err.status === 401 ? 'The code was not accepted.' : err.message);
    }
  };
  return html`<form onSubmit=${submit} aria-label=${label} id=${id}>
    ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
    <label>Code from the app
      <input name="code" required autocomplete="one-time-code" value=${code}
        onInput=${(e) => setCode(e.target.value)} /></label>
    <button type="submit" class="secondary">${label}</button>
  </form>`;
}

// navigator.credentials.create() with the server's options; the first factor of a user comes
// with recovery codes (onCodes).
function AddSecurityKey({ onAdded, onCodes }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const { registration_id, publicKey: o } = await api.call('POST', '/me/2fa/webauthn/registration');
      const cred = await navigator.credentials.create({
        publicKey: {
          ...o,
          challenge: fromB64url(o.challenge),
          user: { ...o.user, id: fromB64url(o.user.id) },
          excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
        },
      });
      const answer = await api.call('POST', '/me/2fa/webauthn', {
        registration_id, name: name.trim() || 'Security key',
        credential: {
          id: cred.id,
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          attestationObject: toB64url(cred.response.attestationObject),
        },
      });
      setName('');
      if (answer && answer.recovery_codes) onCodes(answer.recovery_codes);
      onAdded();
    } catch (err) {
      setError(err.message);
    }
    setBusy(false);
  };
  return html`<form onSubmit=${add} aria-label="Add a security key" id="add-security-key">
    ${error && html`<div class="error" role="alert" id="security-key-error"><p>${error}</p></div>`}
    <label>Key name
      <input name="key-name" value=${name} placeholder="YubiKey" onInput=${(e) => setName(e.target.value)} /></label>
    <button type="submit" class="secondary" disabled=${busy}>Add a security key</button>
  </form>`;
}

export function TwoFactorPanel() {
  const [status, setStatus] = useState(null);
  const [codes, setCodes] = useState(null);
  const [error, setError] = useState('');
  const load = () => api.call('GET', '/me/2fa').then(setStatus, (err) => setError(err.message));
  useEffect(() => {
    load();
  }, []);
  return html`<section class="panel two-factor" aria-labelledby="two-factor-title">
    <h3 id="two-factor-title">Two-factor authentication</h3>
    ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
    ${status && html`<p id="two-factor-status">${status.totp
      ? `On: authenticator app, ${status.recovery_codes_left} recovery codes left.`
      : status.required ? 'Your site requires it: set up an authenticator app.' : 'Off.'}
      ${status.webauthn.length > 0 && ` Security keys: ${status.webauthn.map((k) => k.name).join(', ')}.`}</p>`}
    ${codes && html`<${RecoveryCodes} codes=${codes} onSaved=${() => setCodes(null)} />`}
    ${status && !status.totp && html`<${TotpSetup} onDone=${load} />`}
    ${status && status.webauthn.length > 0 && html`<ul class="security-keys">
      ${status.webauthn.map((k) => html`<li data-key=${k.name}>${k.name}
        <button type="button" class="secondary" onClick=${() =>
          api.call('DELETE', `/me/2fa/webauthn/${k.id}`).then(load, (err) => setError(err.message))}>
          Remove</button></li>`)}</ul>`}
    ${status && html`<${AddSecurityKey} onAdded=${load} onCodes=${setCodes} />`}
    ${status && status.totp && !codes && html`
      <${CodeAction} label="New recovery codes" id="new-recovery-codes"
        run=${async (code) => {
          setCodes((await api.call('POST', '/me/2fa/recovery_codes', { code })).recovery_codes);
          load();
        }} />
      <${CodeAction} label="Turn off the app" id="totp-off"
        run=${async (code) => {
          await api.call('DELETE', '/me/2fa/totp', { code });
          load();
        }} />`}
  </section>`;
}

// A session that may only set up a second factor (the site or the user's settings require one).
export function TwoFactorSetupOnly({ onDone, onSignOut }) {
  return html`<main class="card">
    <h1 class="brand">drawbridge</h1>
    <h2>Set up two-factor authentication</h2>
    <p>Your site requires two-factor authentication. Set up an authenticator app to go on.</p>
    <${TotpSetup} onDone=${onDone} />
    <p class="center"><button type="button" class="secondary" onClick=${() => onSignOut()}>Sign out</button></p>
  </main>`;
}
