// The outbox page for administrators (#/admin/mail, docs/mail.md#outbox): queued, sent and
// failed mail with the relay's error, paged on the server; a test mail; the templates of each
// kind. ResendWelcomeButton is the users editor's (POST /users/{id}/resend_welcome_email).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';
import { formatTime } from './format.js';

const PER_PAGE = 50;
const STATES = ['', 'queued', 'sending', 'sent', 'failed'];

async function outboxPage(state, cursor) {
  const q = new URLSearchParams({ per_page: String(PER_PAGE) });
  if (state) q.set('state', state);
  if (cursor) q.set('cursor', cursor);
  const { data, headers } = await api.request('GET', '/mail?' + q);
  return { rows: data, next: headers.get('X-Files-Cursor') };
}

// The newest page is read again every few seconds, so a retry's outcome shows without a click;
// older pages stay as loaded.
function useOutbox(state) {
  const [first, setFirst] = useState({ rows: [], next: null });
  const [older, setOlder] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState('');
  const reload = async () => {
    try {
      const p = await outboxPage(state);
      setFirst(p);
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };
  useEffect(() => {
    setOlder([]);
    setNext(null);
    reload();
    const t = setInterval(reload, 3000);
    return () => clearInterval(t);
  }, [state]);
  const more = async () => {
    const p = await outboxPage(state, next || first.next);
    setOlder((o) => [...o, ...p.rows]);
    setNext(p.next || '');
  };
  const hasMore = next === null ? !!first.next : !!next;
  return { rows: [...first.rows, ...older], hasMore, more, reload, error };
}

function Outbox() {
  const [state, setState] = useState('');
  const box = useOutbox(state);
  return html`
    <section class="panel" aria-labelledby="outbox-title">
      <div class="title-row">
        <h2 id="outbox-title">Outbox</h2>
        <div class="tools">
          <label class="inline">Show
            <select value=${state} onChange=${(e) => setState(e.target.value)} aria-label="State">
              ${STATES.map((s) => html`<option value=${s}>${s || 'all'}</option>`)}
            </select></label>
          <button type="button" class="secondary" onClick=${box.reload}>Refresh</button>
        </div>
      </div>
      ${box.error && html`<div class="error" role="alert"><p>${box.error}</p></div>`}
      ${box.rows.length === 0
        ? html`<p class="muted">No mail${state ? ' in this state' : ''}.</p>`
        : html`<table class="outbox">
            <thead><tr><th>Created</th><th>Kind</th><th>To</th><th>Subject</th><th>State</th><th>Relay</th></tr></thead>
            <tbody>${box.rows.map((m) => html`<tr key=${m.id} data-id=${m.id} data-state=${m.state}>
              <td class="time">${formatTime(m.created_at)}</td>
              <td>${m.kind}</td>
              <td class="to">${m.recipient}</td>
              <td class="subject">${m.subject}</td>
              <td><span class=${'state ' + m.state}>${m.state}</span>
                <span class="muted"> · ${m.attempts} ${m.attempts === 1 ? 'attempt' : 'attempts'}</span></td>
              <td class="relay">${m.state === 'sent'
                ? html`<span class="muted">sent ${formatTime(m.sent_at)}</span>`
                : m.last_error
                  ? html`<span class="relay-error">${m.last_error}</span>${m.next_attempt_at &&
                      html`<span class="muted"> · next try ${formatTime(m.next_attempt_at)}</span>`}`
                  : ''}</td>
            </tr>`)}</tbody>
          </table>`}
      ${box.hasMore && html`<p class="more"><button type="button" class="secondary" onClick=${box.more}>Show older</button></p>`}
    </section>`;
}

function TestMail() {
  const [to, setTo] = useState('');
  const [status, setStatus] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    try {
      const m = await api.call('POST', '/mail/test', { to });
      setStatus({ ok: true, text: `Queued (mail ${m.id}): its outcome shows in the outbox.` });
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
  };
  return html`
    <section class="panel" aria-labelledby="test-title">
      <h2 id="test-title">Send a test mail</h2>
      <form onSubmit=${send} class="inline-form" aria-label="Send a test mail">
        <label>To
          <input name="to" type="email" required value=${to} onInput=${(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Send</button>
      </form>
      ${status && html`<p class=${status.ok ? 'notice' : 'error'} role="status" id="test-status">${status.text}</p>`}
    </section>`;
}

function Templates() {
  const [list, setList] = useState([]);
  const [kind, setKind] = useState('');
  const [draft, setDraft] = useState(null);
  const [status, setStatus] = useState(null);
  const load = async (keep) => {
    const l = await api.call('GET', '/mail/templates');
    setList(l);
    const k = keep || kind || (l[0] && l[0].kind);
    setKind(k);
    setDraft(l.find((t) => t.kind === k) || null);
  };
  useEffect(() => {
    load().catch((err) => setStatus({ ok: false, text: err.message }));
  }, []);
  const choose = (k) => {
    setKind(k);
    setDraft(list.find((t) => t.kind === k));
    setStatus(null);
  };
  const field = (name) => (e) => setDraft({ ...draft, [name]: e.target.value });
  const save = async (e) => {
    e.preventDefault();
    try {
      const { subject, text, html: body } = draft;
      await api.call('PATCH', '/mail/templates/' + kind, { subject, text, html: body });
      await load(kind);
      setStatus({ ok: true, text: 'Saved.' });
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
  };
  const reset = async () => {
    try {
      await api.call('DELETE', '/mail/templates/' + kind);
      await load(kind);
      setStatus({ ok: true, text: 'Back to the default text.' });
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
  };
  return html`
    <section class="panel" aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      <p class="muted">Placeholders: {{site_name}}, {{username}}, {{link}}, {{expires_at}}, {{days}}.</p>
      <div class="tabs" role="tablist">
        ${list.map((t) => html`<button type="button" role="tab" aria-selected=${t.kind === kind}
          class=${t.kind === kind ? 'tab current' : 'tab'} onClick=${() => choose(t.kind)}>
          ${t.kind}${t.custom ? ' ✎' : ''}</button>`)}
      </div>
      ${draft && html`<form onSubmit=${save} aria-label="Template" id="template-form">
        <p class="muted" id="template-origin">${draft.custom ? 'Your own text.' : 'The default text.'}</p>
        ${status && html`<p class=${status.ok ? 'notice' : 'error'} role="status" id="template-status">${status.text}</p>`}
        <label>Subject<input name="subject" value=${draft.subject} onInput=${field('subject')} /></label>
        <label>Plain text<textarea name="text" rows="8" value=${draft.text} onInput=${field('text')}></textarea></label>
        <label>HTML<textarea name="html" rows="8" value=${draft.html} onInput=${field('html')}></textarea></label>
        <div class="row">
          <button type="submit">Save</button>
          <button type="button" class="secondary" onClick=${reset} disabled=${!draft.custom}>Reset to default</button>
        </div>
      </form>`}
    </section>`;
}

export function Mail() {
  return html`<main class="page mail">
    <${Outbox} />
    <${TestMail} />
    <${Templates} />
  </main>`;
}

// The welcome mail again (for an email_signup user a new sign-up link), with the API's answer.
export function ResendWelcomeButton({ user }) {
  const [status, setStatus] = useState(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      const m = await api.call('POST', `/users/${user.id}/resend_welcome_email`);
      setStatus({ ok: true, text: `Queued to ${m.recipient}.` });
    } catch (err) {
      setStatus({ ok: false, text: err.message });
    }
    setBusy(false);
  };
  return html`<span class="resend">
    <button type="button" class="secondary" onClick=${send} disabled=${busy}>Resend welcome email</button>
    ${status && html`<span class=${status.ok ? 'met' : 'unmet'} role="status">${status.text}</span>`}
  </span>`;
}
