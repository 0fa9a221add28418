// The fields of the user editor (pages/user_editor.js), grouped as the console shows them:
// identity, authentication, access. `draft` holds the values in the API's JSON form;
// `errors` the API's message of a field it named, shown next to that field.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { PROTOCOLS } from './users.js';

const METHODS = [
  ['password', 'Password'],
  ['email_signup', 'Email sign-up (the user sets the password from a mailed link)'],
  ['none', 'None (SSH keys or API keys only)'],
  ['password_and_ssh_key', 'Password and SSH key (both, over SFTP)'],
  ['password_with_imported_hash', 'Imported password hash'],
  ['sso', 'Single sign-on'],
];
const PROTOCOL_LABELS = { sftp: 'SFTP', ftp: 'FTP / FTPS', dav: 'WebDAV', restapi: 'REST API', web: 'Web' };
const SITE_DEFAULT = [
  ['use_system_setting', 'Use site setting'],
  ['always_require', 'Always'],
  ['never_require', 'Never'],
];
export const takesPassword = (m) => m === 'password' || m === 'password_and_ssh_key';

// The writable fields of a new user, as the API's defaults are.
export const NEW_USER = {
  username: '', email: '', authentication_method: 'password', site_admin: false,
  authenticate_until: null, require_password_change: false, password_validity_days: 'site',
  self_managed: true, sftp_permission: true, ftp_permission: true, dav_permission: true,
  restapi_permission: true, web_permission: true, allowed_ips: [], bypass_site_allowed_ips: false,
  user_root: '', ssl_required: 'use_system_setting', require_2fa: 'use_system_setting',
};
export const FIELDS = Object.keys(NEW_USER);

const FieldError = ({ errors, name }) =>
  errors[name] ? html`<span class="field-error unmet" role="alert" data-field=${name}>${errors[name]}</span>` : '';

function Text({ label, name, draft, set, errors, type = 'text', hint }) {
  return html`<label>${label}
    <input name=${name} type=${type} value=${draft[name] || ''} autocomplete="off"
      spellcheck=${false} aria-invalid=${errors[name] ? 'true' : undefined}
      onInput=${(e) => set(name, e.target.value)} />
    ${hint && html`<span class="muted hint">${hint}</span>`}
    <${FieldError} errors=${errors} name=${name} /></label>`;
}

function Check({ label, name, draft, set, errors }) {
  return html`<label class="inline check"><input type="checkbox" name=${name} checked=${!!draft[name]}
    onChange=${(e) => set(name, e.target.checked)} /> ${label}<${FieldError} errors=${errors} name=${name} /></label>`;
}

function Choice({ label, name, choices, draft, set, errors }) {
  return html`<label>${label}
    <select name=${name} value=${draft[name]} onChange=${(e) => set(name, e.target.value)}>
      ${choices.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select><${FieldError} errors=${errors} name=${name} /></label>`;
}

// password_validity_days: 'site', 'never' or a number of days, as three choices.
function PasswordExpiry({ draft, set, errors }) {
  const v = String(draft.password_validity_days);
  const mode = v === 'site' || v === 'never' ? v : 'days';
  return html`<fieldset class="expiry"><legend>Password expiry</legend>
    <label class="inline"><input type="radio" name="expiry" checked=${mode === 'site'}
      onChange=${() => set('password_validity_days', 'site')} /> Use site setting</label>
    <label class="inline"><input type="radio" name="expiry" checked=${mode === 'days'}
      onChange=${() => set('password_validity_days', mode === 'days' ? v : '90')} />
      <input type="number" name="expiry-days" min="1" max="36500" class="days" aria-label="Days"
        value=${mode === 'days' ? v : ''} disabled=${mode !== 'days'}
        onInput=${(e) => set('password_validity_days', e.target.value)} /> days</label>
    <label class="inline"><input type="radio" name="expiry" checked=${mode === 'never'}
      onChange=${() => set('password_validity_days', 'never')} /> Never</label>
    <${FieldError} errors=${errors} name="password_validity_days" /></fieldset>`;
}

export function IdentityFields(p) {
  return html`<fieldset><legend>Identity</legend>
    <${Text} label="Username" name="username" ...${p} />
    <${Text} label="Email" name="email" type="email" ...${p}
      hint="Where the welcome mail and password links go." />
  </fieldset>`;
}

// `password` is useNewPassword's fields (pages/password.js), shown when the method takes one
// and a password is to be set; `hash` the imported hash's value.
export function AuthenticationFields({ draft, set, errors, isNew, password, setPassword, hash, setHash }) {
  const method = draft.authentication_method;
  const importing = method === 'password_with_imported_hash';
  return html`<fieldset><legend>Authentication</legend>
    <${Choice} label="Authentication method" name="authentication_method" choices=${METHODS}
      draft=${draft} set=${set} errors=${errors} />
    ${importing && html`<label>Imported password hash
      <textarea name="imported_password_hash" rows="2" spellcheck=${false} value=${hash}
        placeholder="$6$… , $2b$… , pbkdf2_sha256$… (docs/password-hashes.md)"
        onInput=${(e) => setHash(e.target.value)}></textarea>
      <span class="muted hint">The user signs in with the password behind it; it is then stored
        in drawbridge's own format.</span>
      <${FieldError} errors=${errors} name="imported_password_hash" /></label>`}
    ${takesPassword(method) && !isNew && !password.forced && html`<label class="inline check"><input type="checkbox"
      name="set-password" checked=${password.wanted} onChange=${(e) => setPassword(e.target.checked)} />
      Set a new password</label>`}
    ${takesPassword(method) && (isNew || password.wanted) && html`<div class="password-fields">
      ${password.fields}<${FieldError} errors=${errors} name="password" /></div>`}
    ${(takesPassword(method) || importing) && html`<${Check}
      label="Require a password change at the next login" name="require_password_change"
      draft=${draft} set=${set} errors=${errors} />`}
    <${PasswordExpiry} draft=${draft} set=${set} errors=${errors} />
    <${Check} label="A person's own account (unchecked: a shared or bot user, whose password never expires)"
      name="self_managed" draft=${draft} set=${set} errors=${errors} />
    <label>Account expires
      <input type="date" name="authenticate_until" value=${(draft.authenticate_until || '').slice(0, 10)}
        onInput=${(e) => set('authenticate_until', e.target.value || null)} />
      <span class="muted hint">Empty: never.</span>
      <${FieldError} errors=${errors} name="authenticate_until" /></label>
  </fieldset>`;
}

export function AccessFields(p) {
  const { draft, set, errors } = p;
  // The text as typed (a newline being typed is not yet an address); the list goes to draft.
  const [ips, setIps] = useState(draft.allowed_ips.join('\n'));
  return html`<fieldset><legend>Access</legend>
    <div class="checks" role="group" aria-label="Protocols">
      <span class="group-label">Protocols</span>
      ${PROTOCOLS.map((proto) => html`<${Check} label=${PROTOCOL_LABELS[proto]}
        name=${proto + '_permission'} ...${p} />`)}
    </div>
    <label>Allowed IPs
      <textarea name="allowed_ips" rows="2" spellcheck=${false} value=${ips}
        placeholder="203.0.113.0/24 (one per line; empty: any)"
        onInput=${(e) => {
          setIps(e.target.value);
          set('allowed_ips', e.target.value.split(/[\s,]+/).filter(Boolean));
        }}></textarea>
      <${FieldError} errors=${errors} name="allowed_ips" /></label>
    <${Check} label="Bypass the site's allowed IPs" name="bypass_site_allowed_ips" ...${p} />
    <${Choice} label="Require TLS (ssl_required)" name="ssl_required" choices=${SITE_DEFAULT} ...${p} />
    <${Choice} label="Require two-factor authentication (require_2fa)" name="require_2fa"
      choices=${SITE_DEFAULT} ...${p} />
    <${Text} label="User root" name="user_root" ...${p}
      hint="The folder the user sees as /, below the node's storage root; empty: the user's own." />
    <${Check} label="Site administrator" name="site_admin" ...${p} />
  </fieldset>`;
}
