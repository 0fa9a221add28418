// The web UI's entry: which page to show, from the session and the location's hash
// (docs/web-ui.md#pages). Every page works through the REST API (api.js).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { html } from './html.js';
import { SignIn } from './pages/signin.js';
import { PasswordChange } from './pages/password.js';
import { Files } from './pages/files.js';
import { Layout } from './pages/layout.js';
import { Forgot } from './pages/forgot.js';
import { SetPassword, tokenOf } from './pages/set_password.js';
import { Mail } from './pages/mail.js';
import { Account } from './pages/account.js';
import { Users } from './pages/users.js';
import { UserEditor } from './pages/user_editor.js';
import { Site } from './pages/site.js';
import { Log } from './pages/log.js';
import { Dashboard } from './pages/dashboard.js';
import { BansPage } from './pages/bans.js';
import { LoginCheck } from './pages/login_check.js';
import { TwoFactorSetupOnly } from './pages/two_factor.js';

// The signed-in pages: the first whose pattern matches the location's hash is shown, given the
// pattern's groups as `match`. Sections (the bar's links) are listed in pages/layout.js.
const routes = [
  { pattern: /^#\/files(\/.*)?$/, page: Files,
    props: (m) => ({ folder: m[1] ? decodeURIComponent(m[1]) : '/' }) },
  { pattern: /^#\/account$/, page: Account },
  { pattern: /^#\/admin\/users$/, page: Users, admin: true },
  { pattern: /^#\/admin\/users\/(new|\d+)$/, page: UserEditor, admin: true, props: (m) => ({ id: m[1] }) },
  { pattern: /^#\/admin\/mail$/, page: Mail, admin: true },
  { pattern: /^#\/admin\/site$/, page: Site, admin: true },
  { pattern: /^#\/admin\/log(\?.*)?$/, page: Log, admin: true },
  { pattern: /^#\/admin\/?$/, page: Dashboard, admin: true },
  { pattern: /^#\/admin\/bans$/, page: BansPage, admin: true },
  { pattern: /^#\/admin\/login-check$/, page: LoginCheck, admin: true },
];

// Where a signed-in user lands (no page in the location): administrators on the dashboard.
const landing = (session) => (session.site_admin ? '#/admin' : '#/files');

function routeOf(hash, session) {
  for (const r of routes) {
    if (r.admin && !session.site_admin) continue;
    const m = r.pattern.exec(hash);
    if (m) return { r, m, shown: hash };
  }
  const home = landing(session);
  const r = routes.find((x) => x.pattern.test(home));
  return { r, m: r.pattern.exec(home), shown: home };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  // null: not known yet; false: signed out; else {username, password_change_only}
  const [session, setSession] = useState(api.csrfToken() ? null : false);
  const [notice, setNotice] = useState('');
  const hash = useHash();

  useEffect(() => {
    if (session !== null) return;
    // A token from earlier in this tab: the cookie may still be live.
    api.call('GET', '/sessions').then(setSession, () => {
      api.setCsrfToken(null);
      setSession(false);
    });
  }, [session]);

  const signedIn = (s) => {
    api.setCsrfToken(s.csrf_token);
    setNotice('');
    setSession(s);
  };
  const signOut = async (message) => {
    try {
      await api.signOut();
    } catch {
      // ended already: nothing to do
    }
    api.setCsrfToken(null);
    setNotice(typeof message === 'string' ? message : '');
    setSession(false);
  };

  if (session === null) return html`<p class="loading">Loading…</p>`;
  if (!session) {
    // The pages of mail's links and recovery (docs/mail.md#links) need no session.
    if (hash.startsWith('#/set-password')) return html`<${SetPassword} token=${tokenOf(hash)} />`;
    if (hash === '#/forgot') return html`<${Forgot} />`;
    return html`<${SignIn} onSignedIn=${signedIn} notice=${notice} />`;
  }
  // Upgraded in place once a factor is confirmed (docs/two-factor.md): read the session again.
  if (session.two_factor_setup_only)
    return html`<${TwoFactorSetupOnly} onSignOut=${signOut}
      onDone=${() => api.call('GET', '/sessions').then(setSession, () => setSession(false))} />`;
  if (session.password_change_only)
    return html`<${PasswordChange} session=${session} onDone=${signedIn} onSignOut=${signOut} />`;
  const { r, m, shown } = routeOf(hash, session);
  const props = r.props ? r.props(m) : {};
  return html`<${Layout} session=${session} hash=${shown} onSignOut=${signOut}>
    <${r.page} session=${session} match=${m} onSignOut=${signOut} onSignedIn=${signedIn}
      ...${props} />
  </${Layout}>`;
}

render(html`<${App} />`, document.getElementById('app'));
