// The scenarios of the admin console's users pages (docs/web-ui.md#users): the table with its
// search and filters, the editor creating users of each method, disable (with the user's own
// session open in another origin's page), unlock, API keys, SSH keys and folder permissions.
import { shot, signIn } from './browser_lib.mjs';

const rowsOf = (page) => page.locator('table.users-table tbody tr').evaluateAll((trs) =>
  trs.map((tr) => ({ username: tr.dataset.username, disabled: tr.dataset.disabled === 'true',
    enabled: tr.querySelector('td.enabled').innerText.trim(),
    lock: tr.querySelector('td.lock').innerText.trim(),
    method: tr.querySelector('td.method').innerText.trim() })));

// Does `change`, then waits for the server's answer to the query holding `part`.
async function answered(page, part, change) {
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/users?') && r.url().includes(part)),
    change(),
  ]);
}

// The table's rows once the page shows `expect` of them (or says none matches).
async function settledRows(page, expect) {
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll('table.users-table tbody tr');
    return n === 0 ? !!document.querySelector('#no-users') : rows.length === n;
  }, expect);
  return rowsOf(page);
}

async function openUsers(page, p) {
  await signIn(page, p);
  const landed = await Promise.race([
    page.locator('header.bar').waitFor().then(() => ''),
    page.locator('#signin-error, #change-reason').first().waitFor()
      .then(() => page.locator('body').innerText()),
  ]);
  if (landed) throw new Error('the administrator could not sign in: ' + landed);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.locator('table.users-table').waitFor();
}

async function openEditor(page, p, username) {
  await openUsers(page, p);
  await page.locator(`tr[data-username="${username}"] td.user a`).click();
  await page.locator('form.user-form').waitFor();
}

const statusText = (page) => page.locator('#save-status').innerText();

export const scenarios = {
  // The admin creates p.user with p.method through the editor (a password typed, or
  // generated, or an imported hash); reports what the page said and the user as shown after.
  async users_create(page, p, context) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.url });
    await openUsers(page, p);
    await shot(page, p, 'users-table');
    await page.getByRole('link', { name: 'New user' }).click();
    await page.locator('form.user-form').waitFor();
    let password_error = '';
    await page.locator('[name="username"]').fill(p.user);
    if (p.email) await page.locator('[name="email"]').fill(p.email);
    await page.locator('[name="authentication_method"]').selectOption(p.method);
    if (p.method === 'password') {
      // Refused by the API's policy: its message next to the password.
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByLabel('Repeat the new password').fill('short');
      await page.waitForTimeout(400);
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.locator('[data-field="password"]').waitFor();
      password_error = await page.locator('[data-field="password"]').innerText();
      await shot(page, p, 'editor-password-error');
      await page.getByLabel('New password', { exact: true }).fill(p.user_password);
      await page.getByLabel('Repeat the new password').fill(p.user_password);
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.checklist li')].every((li) => li.className !== 'unmet'));
    }
    if (p.hash) await page.locator('[name="imported_password_hash"]').fill(p.hash);
    await shot(page, p, 'editor-new-' + p.method);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('#user-status').waitFor();
    const status = await statusText(page);
    await shot(page, p, 'editor-created-' + p.method);
    const method = await page.locator('[name="authentication_method"]').inputValue();
    let resent = '';
    if (p.resend) {
      await page.getByRole('button', { name: 'Resend welcome email' }).click();
      await page.locator('.resend [role=status]').waitFor();
      resent = await page.locator('.resend [role=status]').innerText();
    }
    return { status, method, password_error, resent, url: page.url() };
  },

  // Search, then the disabled filter, narrow the table (each answered by the server).
  async users_filter(page, p) {
    await openUsers(page, p);
    const all = await rowsOf(page);
    let more = [];
    if (p.more) {
      await answered(page, 'cursor=', () => page.getByRole('button', { name: 'Show more' }).click());
      await page.waitForFunction((n) =>
        document.querySelectorAll('table.users-table tbody tr').length > n, all.length);
      more = await rowsOf(page);
    }
    await answered(page, 'search=' + p.search, () => page.locator('[name="search"]').fill(p.search));
    const searched = await settledRows(page, p.expect_search);
    await shot(page, p, 'users-search');
    await page.locator('[name="search"]').fill('');
    await answered(page, 'disabled=true',
      () => page.locator('[name="status"]').selectOption('disabled'));
    const disabled = await settledRows(page, p.expect_disabled);
    await shot(page, p, 'users-disabled');
    await page.locator('[name="status"]').selectOption('');
    await answered(page, 'authentication_method=none',
      () => page.locator('[name="method"]').selectOption('none'));
    const none = await settledRows(page, p.expect_none);
    return { all, more, searched, disabled, none };
  },

  // The user's own web session is open (at p.user_url, another origin, so another cookie); the
  // admin disables them: ✗ in the table, and the user's next action lands on sign-in.
  async users_disable(page, p, context) {
    const theirs = await context.newPage();
    await theirs.goto(p.user_url + '/');
    await theirs.getByLabel('Username').fill(p.user);
    await theirs.getByLabel('Password').fill(p.user_password);
    await theirs.getByRole('button', { name: 'Sign in' }).click();
    await theirs.locator('table.files').waitFor();
    await openEditor(page, p, p.user);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    const status = await page.locator('#user-status').innerText();
    await page.getByRole('link', { name: 'Users', exact: true }).first().click();
    await page.locator(`tr[data-username="${p.user}"][data-disabled="true"]`).waitFor();
    const rows = await rowsOf(page);
    await shot(page, p, 'users-disabled-mark');
    // Their next action: sorting the list asks the server again.
    await theirs.getByRole('button', { name: /^Size/ }).click();
    await theirs.getByRole('button', { name: 'Sign in' }).waitFor();
    const notice = await theirs.locator('body').innerText();
    await theirs.screenshot({ path: p.out + '/user-session-ended.png' });
    return { status, rows, notice };
  },

  // A locked user shows locked in the table and the editor; Unlock lifts it.
  async users_unlock(page, p) {
    await openUsers(page, p);
    const before = await rowsOf(page);
    await shot(page, p, 'users-locked');
    await page.locator(`tr[data-username="${p.user}"] td.user a`).click();
    await page.locator('#lock-state').waitFor();
    const lock = await page.locator('#lock-state').innerText();
    await shot(page, p, 'editor-locked');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#lock-state').waitFor({ state: 'detached' });
    return { before, lock, status: await page.locator('#user-status').innerText() };
  },

  // An API key created in the editor (shown once, copied), an SSH key pasted, then a folder
  // permission set; reports the key and what the lists show.
  async users_keys(page, p, context) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.url });
    await openEditor(page, p, p.user);
    await page.locator('[name="api-key-name"]').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#new-api-key code.secret').waitFor();
    const key = await page.locator('#new-api-key code.secret').innerText();
    await page.locator('#new-api-key').getByRole('button', { name: 'Copy' }).click();
    await page.locator('#new-api-key [role=status]').waitFor();
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    await page.locator('[name="ssh-key-title"]').fill('laptop');
    await page.locator('[name="ssh-public-key"]').fill(p.public_key);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.locator('li[data-title="laptop"]').waitFor();
    // A bad key: the API's message in place.
    await page.locator('[name="ssh-public-key"]').fill('ssh-ed25519 nonsense');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.locator('section.keys[aria-labelledby="ssh-keys-title"] .error').waitFor();
    const ssh_error = await page.locator('section.keys[aria-labelledby="ssh-keys-title"] .error').innerText();
    // Folder permission: list and read only at the root.
    await page.locator('input[name="perm-path"]').fill('/');
    await page.locator('input[name="perm-write"]').uncheck();
    await page.locator('input[name="perm-delete"]').uncheck();
    await page.getByRole('button', { name: 'Set rule' }).click();
    await page.locator('#perm-list li[data-path="/"]').waitFor();
    const rule = await page.locator('#perm-list li[data-path="/"]').innerText();
    await shot(page, p, 'editor-keys');
    const api_keys = await page.locator('section.keys li').evaluateAll((lis) => lis.map((l) => l.innerText));
    return { key, clipboard, ssh_error, rule, api_keys };
  },

  // The editor's fields changed and saved, with a field error shown next to its field.
  async users_edit(page, p) {
    await openEditor(page, p, p.user);
    await page.locator('[name="email"]').fill('not-an-address');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-field="email"]').waitFor();
    const email_error = await page.locator('[data-field="email"]').innerText();
    await page.locator('[name="email"]').fill(p.email);
    await page.locator('input[name="expiry"]').nth(2).check();
    await page.locator('[name="ftp_permission"]').uncheck();
    // Typed, as a person does: the newline stays while the next address is typed.
    await page.locator('[name="allowed_ips"]').click();
    await page.keyboard.type('127.0.0.1/32\n10.0.0.0/8');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(() => document.querySelector('#save-status')?.innerText === 'Saved.');
    await shot(page, p, 'editor-saved');
    return { email_error, status: await statusText(page) };
  },

  // A `none` user given the password method and its password in one save.
  async users_method(page, p) {
    await openEditor(page, p, p.user);
    await page.locator('[name="authentication_method"]').selectOption('password');
    await page.getByLabel('New password', { exact: true }).fill(p.user_password);
    await page.getByLabel('Repeat the new password').fill(p.user_password);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(() => document.querySelector('#save-status')?.innerText === 'Saved.');
    await shot(page, p, 'editor-method-changed');
    return { method: await page.locator('[name="authentication_method"]').inputValue() };
  },

  // The delete button asks first, then the user is gone from the table.
  async users_delete(page, p) {
    await openEditor(page, p, p.user);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const question = await page.locator('#delete-q').innerText();
    await page.getByRole('button', { name: 'Delete ' + p.user }).click();
    await page.locator('table.users-table').waitFor();
    return { question, rows: await rowsOf(page) };
  },
};
