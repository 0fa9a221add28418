// The frame of every signed-in page (docs/web-ui.md#pages): the bar with the site's sections and
// the main area. Sections marked admin are shown only to site administrators; the API refuses
// their calls to anyone else whatever the page shows.
import { html } from '../html.js';

// One row per section: where it lives, its label, and whether only administrators see it.
export const sections = [
  { href: '#/files', label: 'Files' },
  { href: '#/account', label: 'Account' },
  { href: '#/admin', label: 'Dashboard', admin: true, exact: true },
  { href: '#/admin/users', label: 'Users', admin: true },
  { href: '#/admin/site', label: 'Site', admin: true },
  { href: '#/admin/log', label: 'Log', admin: true },
  { href: '#/admin/bans', label: 'Bans', admin: true },
  { href: '#/admin/login-check', label: 'Login check', admin: true },
  { href: '#/admin/mail', label: 'Mail', admin: true },
];

// `exact`: a section whose href prefixes others' (#/admin) is current only on its own page; a
// query (#/admin/log?username=…) is the same page.
const current = (hash, s) => hash === s.href ||
  (!s.exact && (hash.startsWith(s.href + '/') || hash.startsWith(s.href + '?')));

export function Layout({ session, hash, onSignOut, children }) {
  const shown = sections.filter((s) => !s.admin || session.site_admin);
  return html`
    <header class="bar">
      <span class="brand">drawbridge</span>
      <nav class="sections" aria-label="Sections">
        ${shown.map((s) => html`<a href=${s.href}
          aria-current=${current(hash, s) ? 'page' : undefined}>${s.label}</a>`)}
      </nav>
      <span class="who">${session.username}</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    ${children}`;
}
