// The site settings page for administrators (#/admin/site, docs/web-ui.md#site): every setting
// GET /site answers, in the groups, with the kinds, ranges and defaults of GET /site/schema, so
// the page holds no copy of any rule. Saving sends only what changed (PATCH /site); the API's
// errors are shown by the field they name, and a change that would shut logins out (409) is
// asked about before it is sent again with ?confirm=true.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { SettingInput, sameValue } from './site_fields.js';

// "password_min_length: expected a whole number from 1 to 512, got '0'" names its field first.
function fieldOf(message, names) {
  const m = /^([a-z0-9_]+): /.exec(message || '');
  return m && names.has(m[1]) ? m[1] : null;
}

const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function rangeText(s) {
  const parts = [];
  if (s.type === 'integer') parts.push(`${s.minimum}–${s.maximum}`);
  if (s.choices.length) parts.push(s.choices.join(' / '));
  if (!s.secret) {
    const d = s.type === 'boolean' ? (s.default ? 'on' : 'off') : String(s.default);
    parts.push('default ' + (d === '' ? '(empty)' : d));
  }
  return parts.join(' · ');
}

function Setting({ s, value, saved, error, onChange }) {
  const id = 'setting-' + s.name;
  const changed = !sameValue(s, value, saved);
  return html`<div class=${'setting' + (changed ? ' changed' : '') + (error ? ' invalid' : '')}
      data-setting=${s.name}>
    <div class="setting-text">
      <label for=${id}>${capital(s.description)}</label>
      <span class="muted"><code>${s.name}</code> · ${rangeText(s)}</span>
      ${s.not_implemented && html`<span class="muted">Not implemented yet: ${s.not_implemented}.</span>`}
    </div>
    <div class="setting-input">
      <${SettingInput} id=${id} s=${s} value=${value} saved=${saved} onChange=${onChange} />
    </div>
    ${error && html`<p class="field-error" role="alert" id=${id + '-error'}>${error}</p>`}
  </div>`;
}

// The warning of seed 000: the API's own words on what the change would shut out.
function Confirm({ message, busy, onCancel, onConfirm }) {
  return html`
    <div class="overlay">
      <div class="card dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title"
        aria-describedby="confirm-text">
        <h2 id="confirm-title">This change would lock logins out</h2>
        <p id="confirm-text" class="warning">${message}</p>
        <p class="muted">Make sure another administrator can still sign in before saving it.</p>
        <div class="actions">
          <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
          <button type="button" class="danger" onClick=${onConfirm} disabled=${busy}>Save anyway</button>
        </div>
      </div>
    </div>`;
}

export function Site() {
  const [schema, setSchema] = useState(null);
  const [saved, setSaved] = useState(null);
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState(null); // {field, text}
  const [status, setStatus] = useState('');
  const [confirm, setConfirm] = useState(null); // the 409's message
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([api.call('GET', '/site/schema'), api.call('GET', '/site')]).then(
      ([sc, values]) => {
        setSchema(sc);
        setSaved(values);
        setDraft(values);
      },
      (err) => setError({ field: null, text: err.message }));
  }, []);

  if (!schema) {
    return html`<main class="page site">
      ${error ? html`<div class="error" role="alert"><p>${error.text}</p></div>`
        : html`<p class="loading">Loading…</p>`}</main>`;
  }
  const settings = schema.groups.flatMap((g) => g.settings);
  const names = new Set(settings.map((s) => s.name));
  const changes = {};
  for (const s of settings) if (!sameValue(s, draft[s.name], saved[s.name])) changes[s.name] = draft[s.name];
  const count = Object.keys(changes).length;

  const save = async (confirmed) => {
    setBusy(true);
    setStatus('');
    try {
      const values = await api.call('PATCH', '/site' + (confirmed ? '?confirm=true' : ''), changes);
      setSaved(values);
      setDraft(values);
      setError(null);
      setConfirm(null);
      setStatus(`Saved ${count} ${count === 1 ? 'change' : 'changes'}.`);
    } catch (err) {
      if (err.status === 409) {
        // The API's words, but its advice to programs (?confirm=true) is the button here.
        setConfirm(err.message.replace(/\.? ?Send it again with \?confirm=true.*$/, '.'));
      } else {
        setConfirm(null);
        setError({ field: fieldOf(err.message, names), text: err.message });
      }
    }
    setBusy(false);
  };
  const submit = (e) => {
    e.preventDefault();
    if (count) save(false);
  };
  const change = (name) => (v) => {
    setDraft({ ...draft, [name]: v });
    setStatus('');
    if (error && error.field === name) setError(null);
  };
  const discard = () => {
    setDraft(saved);
    setError(null);
    setStatus('');
  };
  // Cancel keeps the settings as they are, on the server and on the page.
  const cancel = () => {
    setConfirm(null);
    setDraft(saved);
    setStatus('Not saved: the settings are as they were.');
  };

  return html`<main class="page site">
    <form onSubmit=${submit} noValidate aria-label="Site settings">
      <div class="title-row"><h2>Site settings</h2></div>
      ${error && !error.field && html`<div class="error" role="alert" id="site-error"><p>${error.text}</p></div>`}
      ${schema.groups.map((g) => html`
        <section class="panel" aria-labelledby=${'group-' + g.name} data-group=${g.name}>
          <h2 id=${'group-' + g.name}>${g.title}</h2>
          ${g.settings.map((s) => html`<${Setting} key=${s.name} s=${s} value=${draft[s.name]}
            saved=${saved[s.name]} error=${error && error.field === s.name ? error.text : ''}
            onChange=${change(s.name)} />`)}
        </section>`)}
      <div class="save-bar">
        <span id="site-status" role="status">${status || (count
          ? `${count} unsaved ${count === 1 ? 'change' : 'changes'}` : 'No changes')}</span>
        <button type="button" class="secondary" onClick=${discard} disabled=${!count || busy}>Discard</button>
        <button type="submit" disabled=${!count || busy}>Save</button>
      </div>
    </form>
    ${confirm && html`<${Confirm} message=${confirm} busy=${busy} onCancel=${cancel}
      onConfirm=${() => save(true)} />`}
  </main>`;
}
