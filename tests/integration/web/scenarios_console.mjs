// The scenarios of the admin console's Site settings and Action log pages (docs/web-ui.md#site,
// #log), run by test_web_console.py.
import { join } from 'node:path';
import { shot, signIn } from './browser_lib.mjs';

// What the screen shows (the site page is long: a full-page shot of a dialog shows little).
const view = (page, p, name) => page.screenshot({ path: join(p.out, name + '.png') });

const logRows = (page) => page.locator('table.log-table tbody tr').evaluateAll((trs) =>
  trs.map((tr) => ({
    user: tr.querySelector('.user').innerText.trim(),
    proto: tr.querySelector('.proto').innerText.trim(),
    addr: tr.querySelector('.addr').innerText.trim(),
    action: tr.querySelector('.action').innerText.trim(),
    failure_type: tr.dataset.failureType,
    reason: tr.querySelector('.reason').innerText.trim(),
  })));

// Waits for the log's first page of the filters in the location's hash.
async function logShown(page) {
  await page.waitForFunction(() => {
    const main = document.querySelector('main.log');
    const hash = location.hash;
    const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
    return main && main.getAttribute('aria-busy') === 'false' &&
      main.dataset.shown === query.toString();
  });
}

const setting = (page, name) => page.locator(`[data-setting="${name}"]`);

async function siteShown(page, p) {
  await page.goto(p.url + '/#/admin/site');
  await setting(page, 'password_min_length').waitFor();
}

export const scenarios = {
  // The admin's Action log: Action = Login Failure and a username by the filters, then the same
  // view again from a link (the hash), and the next page by "Show more".
  async console_log(page, p) {
    await signIn(page, p);
    await page.locator('main.page').waitFor();
    await page.getByRole('link', { name: 'Log', exact: true }).click();
    await logShown(page);
    const all = await logRows(page);
    await page.locator('form.filters select[name=action]').selectOption({ label: 'Login Failure' });
    await page.locator('form.filters input[name=username]').fill(p.filter_user);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => location.hash.includes('action=failedlogin'));
    await logShown(page);
    const filtered = await logRows(page);
    const hash = await page.evaluate(() => location.hash);
    await shot(page, p, p.name || 'log');
    // A link reproduces the view: a fresh load of the same address.
    await page.goto(p.url + '/' + hash);
    await logShown(page);
    const linked = await logRows(page);
    const selected = await page.locator('form.filters select[name=action]').inputValue();
    // A time range: nothing since a day in the future.
    await page.locator('form.filters input[name=since]').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => location.hash.includes('since='));
    await logShown(page);
    const future = { hash: await page.evaluate(() => location.hash),
      empty: await page.locator('#log-empty').innerText() };
    // Paging: one entry a page would be too few to see; the server's cursor decides.
    let more = null;
    if (p.paged) {
      await page.goto(p.url + '/#/admin/log');
      await logShown(page);
      const first = (await logRows(page)).length;
      await page.getByRole('button', { name: 'Show more' }).click();
      await page.waitForFunction((n) =>
        document.querySelectorAll('table.log-table tbody tr').length > n, first);
      more = { first, after: (await logRows(page)).length };
    }
    return { all, filtered, hash, linked, selected, future, more };
  },

  // The site page: a range error by its field, then the policy changed (minimum length).
  async console_site(page, p) {
    await signIn(page, p);
    await page.locator('main.page').waitFor();
    await page.getByRole('link', { name: 'Site', exact: true }).click();
    await setting(page, 'password_min_length').waitFor();
    const groups = await page.locator('[data-group] > h2').allInnerTexts();
    const hint = await setting(page, 'password_min_length').locator('.setting-text .muted').first().innerText();
    await shot(page, p, (p.name || 'site') + '-page');
    const field = page.locator('#setting-password_min_length');
    await field.fill('0');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const error = page.locator('#setting-password_min_length-error');
    await error.waitFor();
    const range_error = await error.innerText();
    await error.scrollIntoViewIfNeeded();
    await view(page, p, (p.name || 'site') + '-range-error');
    await field.fill(String(p.min_length));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('#site-status', { hasText: /^Saved / }).waitFor();
    const status = await page.locator('#site-status').innerText();
    const saved = await page.evaluate(async () => (await (await fetch('/api/v1/site')).json()).password_min_length);
    return { groups, hint, range_error, status, saved };
  },

  // A change that would shut this admin out (an allow list without its address): the warning,
  // Cancel keeping the old value, then Save anyway.
  async console_lockout(page, p) {
    await siteShownSignedIn(page, p);
    const addList = async () => {
      await page.locator('#setting-allowed_ips').fill(p.allowed_ips);
      await setting(page, 'allowed_ips').getByRole('button', { name: 'Add' }).click();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('alertdialog').waitFor();
    };
    await addList();
    const warning = await page.locator('#confirm-text').innerText();
    await view(page, p, (p.name || 'lockout') + '-warning');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    const after_cancel = {
      status: await page.locator('#site-status').innerText(),
      chips: await setting(page, 'allowed_ips').locator('.chip').count(),
      server: await page.evaluate(async () => (await (await fetch('/api/v1/site')).json()).allowed_ips),
    };
    await addList();
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await page.locator('#site-status', { hasText: /^Saved / }).waitFor();
    const status = await page.locator('#site-status').innerText();
    await view(page, p, (p.name || 'lockout') + '-saved');
    return { warning, after_cancel, status };
  },

  // A user's change-password page: its checklist (the site's rules, as the API states them).
  async console_checklist(page, p) {
    await signIn(page, p);
    await page.locator('.checklist li').first().waitFor();
    const rules = await page.locator('.checklist li').evaluateAll((lis) =>
      lis.map((li) => ({ rule: li.dataset.rule, text: li.innerText.trim() })));
    await shot(page, p, p.name || 'checklist');
    return { rules };
  },
};

async function siteShownSignedIn(page, p) {
  await signIn(page, p);
  await page.locator('main.page').waitFor();
  await siteShown(page, p);
}
