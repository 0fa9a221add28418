// Brute-force protection for administrators (#/admin/bans, docs/web-ui.md#bans): the bans in
// force with Lift, and the safe list (never scored or banned) and block list (always refused)
// with add and remove. Everything goes through /api/v1/bans and /api/v1/ip_lists, which make
// the same changes (and log entries) as `drawbridge ban` and `drawbridge iplist`.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';

// "2001:db8:1:2::/64" -> "2001:db8:1:2::": DELETE /bans/{ip} takes any address of the /64.
const addressOf = (ip) => ip.replace(/\/64$/, '');

function Bans({ onChange }) {
  const [bans, setBans] = useState(null);
  const [status, setStatus] = useState(null);
  const load = () => api.call('GET', '/bans').then(setBans, (err) => setStatus({ ok: false, text: err.message }));
  useEffect(() => {
    load();
  }, []);
  const lift = async (ip) => {
    try {
      await api.call('DELETE', '/bans/' + encodeURIComponent(addressOf(ip)));
      setStatus({ ok: true, text: `Lifted the ban of ${ip}: it may log in again.` });
      onChange && onChange();
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
    load();
  };
  return html`
    <section class="panel" aria-labelledby="bans-title">
      <div class="title-row">
        <h2 id="bans-title">Bans in force</h2>
        <div class="tools"><button type="button" class="secondary" onClick=${load}>Refresh</button></div>
      </div>
      <p class="muted">Addresses banned by brute-force protection for too many failed logins. Lifting a ban also forgets the address's score.</p>
      ${status && html`<p class=${status.ok ? 'notice' : 'error'} role="status" id="bans-status">${status.text}</p>`}
      ${bans === null ? html`<p class="muted">Loading…</p>`
        : bans.length === 0 ? html`<p class="muted" id="no-bans">No address is banned.</p>`
        : html`<table class="list bans">
            <thead><tr><th>Address</th><th>Until</th><th>Offences</th><th>Refused</th><th>Reason</th><th></th></tr></thead>
            <tbody>${bans.map((b) => html`<tr key=${b.ip} data-ip=${b.ip}>
              <td class="addr">${b.ip}</td>
              <td class="time">${formatTime(b.expires_at)}</td>
              <td class="num" data-label="offences">${b.offences}</td>
              <td class="num" data-label="refused">${b.refusals}</td>
              <td class="reason">${b.reason}</td>
              <td class="act"><button type="button" class="small" onClick=${() => lift(b.ip)}
                aria-label=${'Lift the ban of ' + b.ip}>Lift</button></td>
            </tr>`)}</tbody>
          </table>`}
    </section>`;
}

const LISTS = [
  { list: 'safe', title: 'Safe list', about: 'Never scored or banned (offices, monitoring). The block list wins over it.' },
  { list: 'block', title: 'Block list', about: 'Always refused, at connection and at login, whatever else allows it.' },
];

function IpList({ list, title, about, entries, reload }) {
  const [cidr, setCidr] = useState('');
  const [note, setNote] = useState('');
  const [status, setStatus] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    try {
      const added = await api.call('POST', '/ip_lists', { list, cidr, note });
      setStatus({ ok: true, text: `Added ${added.cidr}.` });
      setCidr('');
      setNote('');
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
    reload();
  };
  const remove = async (entry) => {
    try {
      await api.call('DELETE', '/ip_lists/' + entry.id);
      setStatus({ ok: true, text: `Removed ${entry.cidr}.` });
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
    reload();
  };
  const mine = entries.filter((e) => e.list === list);
  return html`
    <section class="panel" aria-labelledby=${list + '-title'} id=${list + '-list'}>
      <h2 id=${list + '-title'}>${title}</h2>
      <p class="muted">${about}</p>
      ${mine.length === 0 ? html`<p class="muted">Empty.</p>`
        : html`<table class="list entries">
            <thead><tr><th>Address or block</th><th>Note</th><th>Added</th>${list === 'block' && html`<th>Refused</th>`}<th></th></tr></thead>
            <tbody>${mine.map((e) => html`<tr key=${e.id} data-cidr=${e.cidr}>
              <td class="addr">${e.cidr}</td>
              <td class="note">${e.note || html`<span class="muted">—</span>`}</td>
              <td class="time">${formatTime(e.created_at)}</td>
              ${list === 'block' && html`<td class="num" data-label="refused">${e.refusals}</td>`}
              <td class="act"><button type="button" class="small secondary" onClick=${() => remove(e)}
                aria-label=${'Remove ' + e.cidr}>Remove</button></td>
            </tr>`)}</tbody>
          </table>`}
      <form onSubmit=${add} class="inline-form" aria-label=${'Add to the ' + list + ' list'}>
        <label>Address or CIDR
          <input name="cidr" required placeholder="203.0.113.0/24" value=${cidr} onInput=${(e) => setCidr(e.target.value)} />
        </label>
        <label>Note
          <input name="note" placeholder="why" value=${note} onInput=${(e) => setNote(e.target.value)} />
        </label>
        <button type="submit">Add</button>
      </form>
      ${status && html`<p class=${status.ok ? 'notice' : 'error'} role="status">${status.text}</p>`}
    </section>`;
}

export function BansPage() {
  const [entries, setEntries] = useState([]);
  const [error, setError] = useState('');
  const reload = () => api.call('GET', '/ip_lists').then(setEntries, (err) => setError(err.message));
  useEffect(() => {
    reload();
  }, []);
  return html`<main class="page security">
    <${Bans} />
    ${error && html`<div class="error" role="alert"><p>${error}</p></div>`}
    ${LISTS.map((l) => html`<${IpList} key=${l.list} ...${l} entries=${entries} reload=${reload} />`)}
  </main>`;
}
