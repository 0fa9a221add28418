// The administrator's landing page (#/admin, docs/web-ui.md#dashboard): logins and refused
// logins over time by reason, drawn as SVG from GET /api/v1/history/summary (the store's hourly
// counts); sessions open now per protocol (GET /active_sessions); and the bans in force.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { html } from '../html.js';

const RANGES = {
  hour: { label: 'Last 24 hours', query: 'bucket=hour' },
  day: { label: 'Last 30 days', query: () => 'bucket=day&since=' + new Date(Date.now() - 29 * 86400e3).toISOString().slice(0, 10) },
};
const PROTOCOLS = [['sftp', 'SFTP'], ['ftp', 'FTP'], ['dav', 'WebDAV'], ['restapi', 'REST API'], ['web', 'Web']];
const LOGIN_COLOR = '#1a7f37';
// Refusal reasons take these in the order of their totals, the largest first.
const PALETTE = ['#c62828', '#ef6c00', '#8e24aa', '#1565c0', '#6d4c41', '#00838f', '#ad1457', '#5d6d00'];

function seriesOf(summary) {
  const types = Object.entries(summary.totals.failure_types).sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return [{ key: 'login', label: 'Logins', color: LOGIN_COLOR, total: summary.totals.login,
    value: (b) => b.login },
  ...types.map((t, i) => ({ key: t, label: t, color: PALETTE[i % PALETTE.length],
    total: summary.totals.failure_types[t], value: (b) => b.failure_types[t] || 0 }))];
}

const when = (iso, bucket) => {
  const d = new Date(iso);
  return bucket === 'hour' ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
};

// Stacked bars, one per bucket; each part's <title> names its bucket, series and count.
function Chart({ summary, series }) {
  // A narrow screen gets a narrower drawing, so that its text is not scaled down to nothing.
  const narrow = matchMedia('(max-width: 36rem)').matches;
  const W = narrow ? 340 : 720, H = narrow ? 200 : 220, left = 34, bottom = 22, top = 8;
  const labelEvery = Math.ceil(summary.buckets.length / (narrow ? 4 : 8));
  const n = summary.buckets.length;
  const totals = summary.buckets.map((b) => series.reduce((s, x) => s + x.value(b), 0));
  const max = Math.max(1, ...totals);
  const step = (W - left) / n;
  const y = (v) => (H - bottom - top) * (v / max);
  const ticks = [0, Math.ceil(max / 2), max].filter((v, i, a) => a.indexOf(v) === i);
  return html`<svg class="chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title">
    <title id="chart-title">Logins and refused logins per ${summary.bucket}</title>
    ${ticks.map((v) => html`<g>
      <line x1=${left} x2=${W} y1=${H - bottom - y(v)} y2=${H - bottom - y(v)} stroke="#d8dde4" stroke-width="1" />
      <text x=${left - 4} y=${H - bottom - y(v) + 4} text-anchor="end" font-size="11" fill="#5b6675">${v}</text>
    </g>`)}
    ${summary.buckets.map((b, i) => {
      let base = H - bottom;
      const x = left + i * step + step * 0.15;
      return html`<g class="bucket" data-start=${b.start}>
        ${series.map((s) => {
          const v = s.value(b);
          if (!v) return null;
          const h = Math.max(1, y(v));
          base -= h;
          return html`<rect x=${x} y=${base} width=${step * 0.7} height=${h} fill=${s.color}
            data-series=${s.key} data-count=${v}><title>${when(b.start, summary.bucket)} · ${s.label}: ${v}</title></rect>`;
        })}
        ${i % labelEvery === 0 && html`<text x=${x + step * 0.35} y=${H - 6} text-anchor="middle" font-size="11" fill="#5b6675">${when(b.start, summary.bucket)}</text>`}
      </g>`;
    })}
  </svg>`;
}

function Activity() {
  const [range, setRange] = useState('hour');
  const [summary, setSummary] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const r = RANGES[range];
    const q = typeof r.query === 'function' ? r.query() : r.query;
    api.call('GET', '/history/summary?' + q).then((s) => { setSummary(s); setError(''); },
      (err) => setError(err.message));
  }, [range]);
  const series = summary ? seriesOf(summary) : [];
  return html`<section class="panel" aria-labelledby="activity-title">
    <div class="title-row">
      <h2 id="activity-title">Logins and refusals</h2>
      <div class="tabs" role="tablist">${Object.entries(RANGES).map(([k, r]) => html`<button type="button" role="tab"
        aria-selected=${k === range} class=${k === range ? 'tab current' : 'tab'} onClick=${() => setRange(k)}>${r.label}</button>`)}</div>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${summary && html`<${Chart} summary=${summary} series=${series} />
      <ul class="legend" aria-label="Totals">${series.map((s) => html`<li data-series=${s.key}>
        <svg viewBox="0 0 10 10" width="12" height="12" aria-hidden="true"><rect width="10" height="10" fill=${s.color} /></svg>
        <span class="label">${s.label}</span> <strong class="count">${s.total}</strong>
      </li>`)}</ul>
      ${series.length === 1 && html`<p class="muted">No refused login in this time.</p>`}`}
  </section>`;
}

function Now() {
  const [sessions, setSessions] = useState(null);
  const [bans, setBans] = useState(null);
  const [error, setError] = useState('');
  const load = () => Promise.all([api.call('GET', '/active_sessions'), api.call('GET', '/bans')])
    .then(([s, b]) => { setSessions(s.sessions); setBans(b.length); setError(''); }, (err) => setError(err.message));
  useEffect(() => {
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  return html`<div class="now">
    <section class="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Open sessions</h2>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${sessions && html`<dl class="counts">${PROTOCOLS.map(([k, label]) => html`<div data-interface=${k}>
        <dt>${label}</dt><dd class="count">${sessions[k] || 0}</dd></div>`)}</dl>`}
    </section>
    <section class="panel" aria-labelledby="bans-count-title">
      <h2 id="bans-count-title">Bans in force</h2>
      ${bans !== null && html`<p class="big" id="bans-count"><a href="#/admin/bans">${bans} ${bans === 1 ? 'address' : 'addresses'}</a></p>`}
    </section>
  </div>`;
}

export function Dashboard() {
  return html`<main class="page dashboard">
    <${Activity} />
    <${Now} />
  </main>`;
}
