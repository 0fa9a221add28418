// The scenarios of the signed-in user's own account page (docs/web-ui.md#account): profile,
// password change under the site's rules, own API and SSH keys, own login history.
import { shot, signIn } from './browser_lib.mjs';

async function openAccount(page, p) {
  await signIn(page, p);
  await page.locator('header.bar').waitFor();
  await page.getByRole('link', { name: 'Account' }).click();
  await page.locator('main.account').waitFor();
}

const text = (page, sel) => page.locator(sel).first().innerText().catch(() => '');

export const scenarios = {
  // The page as it first shows: the profile, the key panels (made or refused), the history.
  async account_keys(page, p, context) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.url });
    await openAccount(page, p);
    await page.locator('#history-title').waitFor();
    await page.locator('.history table.log-table, #history-empty').first().waitFor();
    const profile = await text(page, 'dl.facts');
    const sshRefused = await text(page, '.keys:has(#ssh-keys-title) .refused');
    await page.getByLabel('Name', { exact: true }).fill(p.key_name);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#new-api-key code.secret').waitFor();
    const key = await text(page, '#new-api-key code.secret');
    await shot(page, p, p.narrow ? 'account-narrow' : 'account');
    const history = await page.locator('.history tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ action: tr.dataset.action, protocol: tr.querySelector('.proto').innerText })));
    return { profile, ssh_refused: sshRefused, key, history };
  },

  // A wrong current password, then the right one with a generated new password.
  async account_password(page, p) {
    await openAccount(page, p);
    await page.getByLabel('Current password').fill(p.password + 'x');
    await page.getByRole('button', { name: 'Generate' }).click();
    const submit = page.getByRole('button', { name: 'Change password' });
    await page.waitForFunction(() => !document.querySelector('form[aria-label="Change your password"] button[type=submit]').disabled);
    await submit.click();
    await page.locator('#password-error').waitFor();
    const wrong = await text(page, '#password-error');
    await page.getByLabel('Current password').fill(p.password);
    const generated = await page.getByLabel('New password', { exact: true }).inputValue();
    await submit.click();
    await page.locator('#password-done').waitFor();
    const done = await text(page, '#password-done');
    await shot(page, p, 'account-password-changed');
    // Still signed in, with the new password's session: the page goes on working.
    await page.locator('select[name=history-kind]').selectOption('failedlogin');
    await page.locator('.history tbody tr, #history-empty').first().waitFor();
    await page.waitForTimeout(300);
    const failures = await page.locator('.history tbody tr').evaluateAll((trs) =>
      trs.map((tr) => tr.dataset.failureType));
    return { wrong, done, generated, failures };
  },
};
