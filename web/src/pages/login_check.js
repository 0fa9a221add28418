// "Why can't this user log in?" (#/admin/login-check, docs/web-ui.md#login-check): the gate's
// own explanation (POST /api/v1/login_check, as `drawbridge login check`) for a username, a
// protocol and an address, in words, with what to change for each reason. Nothing is hashed,
// scored or logged.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

const PROTOCOLS = [
  ['sftp', 'SFTP'], ['ftp', 'FTP / FTPS'], ['dav', 'WebDAV'], ['restapi', 'REST API'], ['web', 'Web'],
];
const CREDENTIALS = { password: 'a password', ssh_key: 'an SSH key', api_key: 'an API key' };
const USER_FIX = {
  disabled: 'Enable the user in the user editor.',
  expired_access: 'Extend or clear “authenticate until” in the user editor.',
  ip_mismatch: 'Add the address to the user’s allowed IPs (or to the site’s IP allow list).',
  method_not_allowed: 'Change the user’s authentication method, or use another credential.',
  password_expired: 'The user must set a new password (on the web), or set one for them.',
  password_change_required: 'The user must change the password on the web first.',
  signup_incomplete: 'The user has not followed the sign-up link yet: resend the welcome mail.',
  no_sftp_permission: 'Allow SFTP in the user’s protocol permissions.',
  no_ftp_permission: 'Allow FTP in the user’s protocol permissions.',
  no_dav_permission: 'Allow WebDAV in the user’s protocol permissions.',
  no_restapi_permission: 'Allow the REST API in the user’s protocol permissions.',
  no_web_permission: 'Allow the web in the user’s protocol permissions.',
  insecure_ftp: 'Connect with FTPS (TLS), or change the user’s “SSL required”.',
  insecure_http: 'Connect over HTTPS, or change the user’s “SSL required”.',
};
const SITE_FIX = {
  protocol_disabled: 'Turn the protocol on in the site settings.',
  country_mismatch: 'Change the allowed or disallowed countries in the site settings.',
  region_mismatch: 'The user must log in on the server of their region (the message names it).',
  geoip_unavailable: 'Configure a readable GeoIP database on this node, or clear the country lists.',
};

function Fix({ reason, result, onUnlocked }) {
  const t = reason.failure_type;
  const editor = result.user_id && html`<a href=${'#/admin/users/' + result.user_id}>Open the user editor</a>`;
  if (t === 'username_not_found')
    return html`<p class="fix">No user has this name: check its spelling, or create the user.</p>`;
  if (t === 'rate_limited')
    return html`<p class="fix">The address is banned or on the block list: <a href="#/admin/bans">lift the ban or remove the entry on the Bans page</a>.</p>`;
  if (t === 'locked_out')
    return html`<p class="fix">Too many failed logins locked the account.
      <button type="button" class="small" onClick=${onUnlocked}>Unlock the user</button> ${editor}</p>`;
  if (SITE_FIX[t]) return html`<p class="fix">${SITE_FIX[t]}</p>`;
  return html`<p class="fix">${USER_FIX[t] || 'Change what the detail names.'} ${editor}</p>`;
}

function Verdict({ result, recheck }) {
  const [unlock, setUnlock] = useState(null);
  const doUnlock = async () => {
    try {
      await api.call('POST', `/users/${result.user_id}/unlock`);
      setUnlock({ ok: true, text: 'Unlocked.' });
      recheck();
    } catch (err) {
      setUnlock({ ok: false, text: err.message });
    }
  };
  const where = `over ${result.interface} from ${result.ip}`;
  const partly = result.admitted && result.reasons.length > 0;
  return html`
    <section class="panel verdict" aria-labelledby="verdict-title" data-admitted=${String(result.admitted)}>
      <h2 id="verdict-title" class=${result.admitted ? 'met' : 'unmet'}>
        ${result.admitted ? '✓ ' : '✗ '}${result.username}
        ${result.admitted ? ` may log in ${where}` : ` would be refused ${where}`}</h2>
      ${result.admitted && html`<p id="verdict-summary">With a valid credential: ${result.admitted_with.map((k) => CREDENTIALS[k]).join(', ')}.${partly ? ' Other credentials would be refused:' : ''}</p>`}
      ${!result.admitted && html`<p id="verdict-summary">Even with the right credential, for ${result.reasons.length === 1 ? 'this reason' : 'these reasons'}:</p>`}
      ${unlock && html`<p class=${unlock.ok ? 'notice' : 'error'} role="status">${unlock.text}</p>`}
      <p class="muted" id="checks-made">Checked: ${result.checks.join(', ')}.</p>
      <ul class="reasons">${result.reasons.map((r) => html`<li data-failure-type=${r.failure_type}>
        <p><strong class="reason-title">${r.title}</strong> <code>${r.failure_type}</code>
          <span class="muted"> · with ${r.applies_to.map((k) => CREDENTIALS[k]).join(', ')}</span></p>
        <p class="detail">${r.detail}</p>
        <p class="shown">The user is told: <q>${r.message}</q></p>
        <${Fix} reason=${r} result=${result} onUnlocked=${doUnlock} />
      </li>`)}</ul>
    </section>`;
}

export function LoginCheck() {
  const [form, setForm] = useState({ username: '', interface: 'sftp', ip: '' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const check = async (e) => {
    if (e) e.preventDefault();
    try {
      setResult(await api.call('POST', '/login_check', form));
      setError('');
    } catch (err) {
      setError(err.message);
      setResult(null);
    }
  };
  return html`<main class="page login-check">
    <section class="panel" aria-labelledby="check-title">
      <h2 id="check-title">Why can’t this user log in?</h2>
      <p class="muted">Runs every check of a login except the credential itself, as the server would now. Nothing is recorded and nothing counts as an attempt.</p>
      <form onSubmit=${check} class="inline-form" aria-label="Login check">
        <label>Username<input name="username" required value=${form.username} onInput=${field('username')} /></label>
        <label>Protocol
          <select name="interface" value=${form.interface} onChange=${field('interface')} aria-label="Protocol">
            ${PROTOCOLS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
          </select></label>
        <label>Address<input name="ip" placeholder="blank: your own address" value=${form.ip} onInput=${field('ip')} /></label>
        <button type="submit">Check</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </section>
    ${result && html`<${Verdict} result=${result} recheck=${check} />`}
  </main>`;
}
