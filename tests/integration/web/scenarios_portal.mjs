// The scenarios of the sign-in, password, file portal and mail pages (docs/web-ui.md#tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shot, signIn } from './browser_lib.mjs';

export const scenarios = {
  // Sign in; report what the page shows next (the file list, or the refusal).
  async signin(page, p) {
    await page.goto(p.url + '/');
    await shot(page, p, p.name + '-form');
    await signIn(page, p);
    const outcome = await Promise.race([
      page.locator('#signin-error').waitFor().then(() => 'refused'),
      page.locator('table.files, main.page p.muted').first().waitFor().then(() => 'files'),
      page.locator('#change-reason').waitFor().then(() => 'change'),
    ]);
    await shot(page, p, p.name);
    const text = (sel) => page.locator(sel).first().innerText().catch(() => '');
    return { outcome, error: await text('#signin-error'), body: await text('body') };
  },

  // The forced change: the reason, the checklist following the typing, Generate + Copy, save.
  async change(page, p, context) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.url });
    await signIn(page, p);
    await page.locator('#change-reason').waitFor();
    const reason = await page.locator('#change-reason').innerText();
    const rules = () => page.locator('.checklist li').evaluateAll((lis) =>
      lis.map((li) => ({ rule: li.dataset.rule, state: li.className })));
    await page.locator('.checklist li').first().waitFor();
    const empty = await rules();
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.waitForTimeout(600);
    const weak = await rules();
    await shot(page, p, 'password-change-weak');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.checklist li')].every((li) => li.className !== 'unmet'));
    const generated = await page.getByLabel('New password', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.locator('#copy-status').waitFor();
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    const strong = await rules();
    await shot(page, p, 'password-change');
    // Other pages of the API stay closed to this session.
    const files_status = await page.evaluate(async () => (await fetch('/api/v1/folders/')).status);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('main.page').waitFor();
    await shot(page, p, 'after-change');
    return { reason, empty, weak, strong, generated, clipboard, files_status };
  },

  // The file list of a folder, then a download of `p.file` from it.
  async files(page, p) {
    await signIn(page, p);
    await page.locator('table.files').waitFor();
    if (p.folder) {
      await page.getByRole('link', { name: p.folder }).click();
      await page.locator('nav.crumbs [aria-current]').waitFor();
    }
    await page.getByRole('link', { name: p.file }).waitFor();
    const rows = await page.locator('table.files tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
    const crumbs = await page.locator('nav.crumbs').innerText();
    await shot(page, p, p.name || 'files');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: p.file }).click(),
    ]);
    const saved = join(p.out, 'downloaded-' + p.file);
    await download.saveAs(saved);
    return { rows, crumbs, download: saved, suggested: download.suggestedFilename(),
      size: readFileSync(saved).length };
  },

  // Upload p.file by the picker, recording every value the file's progress bar takes, then
  // download it again.
  async upload(page, p) {
    await signIn(page, p);
    await page.locator('main.page h2').waitFor();
    const name = p.file.slice(p.file.lastIndexOf('/') + 1);
    // Every value the bar shows, as the page sets it (a MutationObserver misses none).
    await page.evaluate(() => {
      window.seen = [];
      new MutationObserver(() => {
        const bar = document.querySelector('li.upload progress');
        if (bar && window.seen[window.seen.length - 1] !== bar.value) window.seen.push(bar.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    // A loopback upload can end before the page draws a value between empty and full: the
    // browser's own network throttling (DevTools protocol) makes it take a few seconds.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 16 * 1024 * 1024,
    });
    await page.locator('#pick-files').setInputFiles(p.file);
    await page.locator('li.upload.uploading').waitFor();
    await page.waitForFunction(() => window.seen.some((v) => v > 0 && v < 100));
    await shot(page, p, 'upload-progress');
    await page.locator('li.upload.done').waitFor({ timeout: 60000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    const row = page.locator(`table.files tr[data-name="${name}"]`);
    await row.waitFor();
    await shot(page, p, 'upload-done');
    const size = await row.locator('td.num').innerText();
    const summary = await page.locator('#upload-summary').innerText();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name }).click(),
    ]);
    const saved = join(p.out, 'downloaded-' + name);
    await download.saveAs(saved);
    return { seen: await page.evaluate(() => window.seen), size, summary, download: saved };
  },

  // Several files and a folder by the pickers, and a drop of files; the first PUT of
  // p.broken has its connection broken, then is retried by its Retry button.
  async uploads(page, p) {
    let broke = false;
    await page.route('**/api/v1/files/**', (route) => {
      const req = route.request();
      if (req.method() === 'PUT' && !broke && decodeURIComponent(req.url()).endsWith(p.broken)) {
        broke = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await signIn(page, p);
    await page.locator('main.page h2').waitFor();
    await page.locator('#pick-files').setInputFiles(p.files);
    await page.locator('#pick-folder').setInputFiles(p.folder);
    // A drop, as a file manager's would arrive.
    await page.evaluate(async (dropped) => {
      const dt = new DataTransfer();
      for (const [n, text] of dropped) dt.items.add(new File([text], n));
      document.querySelector('main.page').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
    }, p.dropped);
    const failed = page.locator('li.upload.failed');
    await failed.waitFor();
    await page.waitForFunction(() => !document.querySelector('li.upload.waiting, li.upload.uploading'));
    const error = await failed.locator('.upload-state').innerText();
    await shot(page, p, 'uploads-failed');
    await failed.getByRole('button', { name: /Retry/ }).click();
    await page.waitForFunction(() => !document.querySelector('li.upload.waiting, li.upload.uploading, li.upload.failed'));
    await page.waitForTimeout(400); // the listing's refresh
    await shot(page, p, 'uploads-done');
    const states = await page.locator('li.upload').evaluateAll((lis) =>
      lis.map((li) => [li.dataset.name, li.className]));
    const names = await page.locator('table.files tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
    return { error, states, names, summary: await page.locator('#upload-summary').innerText() };
  },

  // New folder, rename, move into the folder, copy, delete with confirmation, sort by size.
  async fileops(page, p) {
    await signIn(page, p);
    await page.locator('table.files').waitFor();
    const names = () => page.locator('table.files tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
    const act = async (name, action) => {
      await page.getByLabel('Actions for ' + name, { exact: true }).click();
      await page.getByRole('menuitem', { name: action }).click();
      await page.getByRole('dialog').waitFor();
    };
    const submit = async (label) => {
      await page.getByRole('dialog').getByRole('button', { name: label, exact: true }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await page.waitForTimeout(300);
    };
    const out = {};
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill('Archive');
    await shot(page, p, 'ops-new-folder');
    await submit('Create');
    out.after_mkdir = await names();

    await page.getByLabel('Actions for notes.txt', { exact: true }).click();
    await shot(page, p, 'ops-menu');
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('memo.txt');
    await shot(page, p, 'ops-rename');
    await submit('Rename');
    out.after_rename = await names();

    // A name that is taken: the API's message, in the dialog.
    await act('memo.txt', 'Rename');
    await page.getByLabel('New name').fill('big.bin');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename', exact: true }).click();
    out.taken = await page.locator('#dialog-error').innerText();
    await shot(page, p, 'ops-rename-taken');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await act('memo.txt', 'Move');
    await page.getByLabel('To folder').fill('/Archive');
    await submit('Move');
    out.after_move = await names();

    await act('big.bin', 'Copy');
    await page.getByLabel('To folder').fill('/Archive');
    await submit('Copy');

    await act('old.log', 'Delete');
    out.confirm = await page.getByRole('dialog').innerText();
    await shot(page, p, 'ops-delete');
    await submit('Delete');
    out.after_delete = await names();

    await page.getByRole('button', { name: /^Size/ }).click();
    await page.waitForTimeout(300);
    await page.getByRole('button', { name: /^Size/ }).click(); // largest first
    await page.waitForFunction(() => document.querySelector('th[aria-sort=descending]'));
    await page.waitForTimeout(300);
    out.by_size_desc = await names();
    await shot(page, p, 'ops-sorted');
    await page.getByRole('link', { name: 'Archive' }).click();
    await page.locator('nav.crumbs [aria-current]').waitFor();
    await page.locator('table.files tr[data-name="memo.txt"]').waitFor();
    out.archive = await names();
    await shot(page, p, 'ops-archive');
    return out;
  },

  // A folder of many entries: the time until its first page shows, then the next page.
  async bigfolder(page, p) {
    await signIn(page, p);
    await page.locator('table.files').waitFor();
    const start = Date.now();
    await page.getByRole('link', { name: p.folder }).click();
    await page.locator(`table.files tr[data-name="${p.first}"]`).waitFor();
    const first_ms = Date.now() - start;
    const first = await page.locator('table.files tbody tr').count();
    const count = await page.locator('#list-count').innerText();
    await shot(page, p, 'big-folder');
    await page.getByRole('button', { name: 'Show more' }).scrollIntoViewIfNeeded();
    await page.waitForFunction((n) => document.querySelectorAll('table.files tbody tr').length > n, first);
    const second = await page.locator('table.files tbody tr').count();
    const names = await page.locator('table.files tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
    return { first_ms, first, second, count, names };
  },

  // A page of another origin (p.evil) posts a sign-in to the server (p.url) as a form or a
  // script would: simple requests, which a browser sends without asking the server first.
  async crossorigin(page, p) {
    await page.goto(p.evil + '/');
    return await page.evaluate(async ({ url, username, password }) => {
      const body = JSON.stringify({ username, password, web: true });
      const sent = [];
      for (const mode of ['no-cors', 'cors']) {
        try {
          const r = await fetch(url + '/api/v1/sessions', {
            method: 'POST', mode, body, credentials: 'include',
            headers: { 'Content-Type': 'text/plain' },
          });
          sent.push({ mode, status: r.status, type: r.type });
        } catch (e) {
          sent.push({ mode, error: String(e) });
        }
      }
      return { sent };
    }, p);
  },

  // The page loaded again and again in fresh tabs, without signing in.
  async reload(page, p, context) {
    let shown = 0;
    for (let i = 0; i < p.times; i++) {
      const tab = await context.newPage();
      await tab.goto(p.url + '/');
      await tab.getByRole('button', { name: 'Sign in' }).waitFor();
      shown++;
      await tab.close();
    }
    return { shown };
  },

  // --- mail's pages (test_web_mail.py) ---

  // A sign-up or reset link opened: refused, or a weak password's checklist, then p.password
  // set. The page's states are screenshots named p.name-*.
  async setpassword(page, p) {
    await page.goto(p.link);
    const state = await Promise.race([
      page.locator('#link-refused').waitFor().then(() => 'refused'),
      page.locator('#link-user').waitFor().then(() => 'valid'),
    ]);
    const text = (sel) => page.locator(sel).first().innerText().catch(() => '');
    if (state === 'refused') {
      await shot(page, p, p.name + '-refused');
      return { state, refused: await text('#link-refused') };
    }
    const rules = () => page.locator('.checklist li').evaluateAll((lis) =>
      lis.map((li) => ({ rule: li.dataset.rule, state: li.className })));
    await page.locator('.checklist li').first().waitFor();
    await page.waitForFunction(() => document.querySelector('#link-user strong'));
    const user = await text('#link-user');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.waitForFunction(() =>
      document.querySelector('.checklist li[data-rule=letter]').className === 'met');
    const weak = await rules();
    await shot(page, p, p.name + '-weak');
    await page.getByLabel('New password', { exact: true }).fill(p.password);
    await page.getByLabel('Repeat the new password').fill(p.password);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.checklist li')].every((li) => li.className !== 'unmet'));
    const strong = await rules();
    await shot(page, p, p.name + '-strong');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.locator('#set-done').waitFor();
    await shot(page, p, p.name + '-done');
    return { state, user, weak, strong, done: await text('#set-done') };
  },

  // The sign-in page's "Forgot your password?" (shown or not), then a request for p.who.
  async forgot(page, p) {
    const options = page.waitForResponse((r) => r.url().endsWith('/api/v1/sign_in_options'));
    await page.goto(p.url + '/');
    await options;
    await page.waitForTimeout(200);
    const shown = (await page.locator('#forgot-link').count()) > 0;
    await shot(page, p, p.name + '-signin');
    if (!shown || !p.who) return { shown };
    await page.locator('#forgot-link').click();
    await page.getByLabel('Username or email').fill(p.who);
    await shot(page, p, p.name + '-form');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.locator('#forgot-sent').waitFor();
    await shot(page, p, p.name + '-sent');
    return { shown, message: await page.locator('#forgot-sent').innerText() };
  },

  // The admin outbox: a test mail sent by its form (p.send_to), then the row of p.wait_to
  // waited for in state p.wait_state (with a relay error when p.with_error).
  async outbox(page, p) {
    await signIn(page, p);
    await page.locator('header.bar').waitFor();
    await page.getByRole('link', { name: 'Mail' }).click();
    await page.locator('#outbox-title').waitFor();
    if (p.send_to) {
      await page.getByLabel('To', { exact: true }).fill(p.send_to);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.locator('#test-status').waitFor();
    }
    await page.waitForFunction(({ to, state, withError }) =>
      [...document.querySelectorAll('table.outbox tbody tr')].some((tr) =>
        tr.querySelector('.to').textContent === to && tr.dataset.state === state &&
        (!withError || tr.querySelector('.relay-error'))),
    { to: p.wait_to, state: p.wait_state, withError: !!p.with_error }, { timeout: 30000 });
    await shot(page, p, p.name);
    const rows = await page.locator('table.outbox tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      to: tr.querySelector('.to').textContent, state: tr.dataset.state,
      relay: tr.querySelector('.relay').textContent })));
    return { rows };
  },

  // The templates: p.kind's subject changed and saved, then back to the default.
  async templates(page, p) {
    await signIn(page, p);
    await page.locator('header.bar').waitFor();
    await page.goto(p.url + '/#/admin/mail');
    await page.getByRole('tab', { name: p.kind }).click();
    const subject = page.getByLabel('Subject');
    const before = await subject.inputValue();
    await subject.fill(p.subject);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#template-status').waitFor();
    const saved = await page.locator('#template-status').innerText();
    await page.waitForFunction(() => document.querySelector('#template-origin').textContent.includes('own'));
    await page.locator('#template-form').screenshot({ path: join(p.out, 'template-custom.png') });
    const custom = await page.getByRole('tab', { name: p.kind }).innerText();
    if (p.keep) return { before, saved, custom };
    await page.getByRole('button', { name: 'Reset to default' }).click();
    await page.waitForFunction(() => document.querySelector('#template-origin').textContent.includes('default'));
    return { before, saved, custom, after: await subject.inputValue() };
  },
};

