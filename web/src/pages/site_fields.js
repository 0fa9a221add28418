// The inputs of the site settings page, one per kind of GET /site/schema: booleans as switches,
// integers as numbers, enumerations as choices, lists (allow lists, countries) as editable lists,
// the relay's password as a field that is never filled in.
import { useState } from 'preact/hooks';
import { html } from '../html.js';

export const listItems = (v) => String(v || '').split(',').map((x) => x.trim()).filter(Boolean);

// Whether a draft value is what is saved (so that it is not sent).
export function sameValue(s, a, b) {
  if (s.type === 'list') return listItems(a).join(',') === listItems(b).join(',');
  return String(a) === String(b);
}

function ListInput({ id, s, value, onChange }) {
  const items = listItems(value);
  const [entry, setEntry] = useState('');
  const add = () => {
    const more = listItems(entry);
    if (!more.length) return;
    onChange([...items, ...more.filter((x) => !items.includes(x))].join(','));
    setEntry('');
  };
  const onKey = (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  };
  return html`<div class="list-input">
    <ul class="chips" aria-label=${s.name + ' entries'}>
      ${items.length === 0 && html`<li class="muted">(none)</li>`}
      ${items.map((x) => html`<li key=${x} class="chip"><span>${x}</span>
        <button type="button" class="link" aria-label=${'Remove ' + x}
          onClick=${() => onChange(items.filter((y) => y !== x).join(','))}>×</button></li>`)}
    </ul>
    <div class="add-row">
      <input id=${id} value=${entry} onInput=${(e) => setEntry(e.target.value)} onKeyDown=${onKey}
        placeholder=${s.name === 'allowed_ips' ? '192.0.2.0/24' : 'GB'} autocomplete="off"
        spellcheck="false" />
      <button type="button" class="secondary small" onClick=${add}>Add</button>
    </div>
  </div>`;
}

export function SettingInput({ id, s, value, saved, onChange }) {
  const off = !!s.not_implemented && value === s.default;
  if (s.type === 'boolean') {
    return html`<input id=${id} type="checkbox" role="switch" class="switch" checked=${!!value}
      disabled=${off} onChange=${(e) => onChange(e.target.checked)} />`;
  }
  if (s.type === 'integer') {
    // No min/max on the input: the browser would refuse the value itself, and the page shows
    // the API's own range error instead.
    return html`<input id=${id} type="number" inputmode="numeric" value=${value}
      onInput=${(e) => onChange(/^-?\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value)} />`;
  }
  if (s.choices.length) {
    return html`<select id=${id} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${s.choices.map((c) => html`<option value=${c}>${c}</option>`)}</select>`;
  }
  if (s.type === 'list') return html`<${ListInput} id=${id} s=${s} value=${value} onChange=${onChange} />`;
  if (s.secret) {
    // Shown back only as "(set)": typing replaces it; emptying the field keeps what is saved.
    const typed = value === saved ? '' : value;
    return html`<input id=${id} type="password" autocomplete="new-password" value=${typed}
      placeholder=${saved ? saved + ': type to replace' : 'not set'}
      onInput=${(e) => onChange(e.target.value === '' ? saved : e.target.value)} />`;
  }
  return html`<input id=${id} value=${value} spellcheck="false" autocomplete="off"
    onInput=${(e) => onChange(e.target.value)} />`;
}
