// Drives Debian's Chromium through playwright-core for tests/integration/web (docs/web-ui.md#tests):
// one scenario per run, named on the command line with its parameters as JSON; prints what it
// saw as one JSON line. Screenshots go to params.out. No browser is ever downloaded.
// Usage: node browser.mjs SCENARIO '{"url": ..., "out": ..., ...}'
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(join(process.env.DRAWBRIDGE_WEB_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

async function withBrowser(p, fn) {
  const profile = mkdtempSync(join(tmpdir(), 'drawbridge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreHTTPSErrors: true, // the node's self-signed certificate
    acceptDownloads: true,
    viewport: p.narrow ? { width: 380, height: 760 } : { width: 1100, height: 720 },
  });
  const errors = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    const result = await fn(page, context);
    return { ...result, console_errors: errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const shot = (page, p, name) => page.screenshot({ path: join(p.out, name + '.png'), fullPage: true });

async function signIn(page, p, password = p.password) {
  await page.goto(p.url + '/');
  await page.getByLabel('Username').fill(p.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const scenarios = {
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
};

const [name, json] = process.argv.slice(2);
const params = JSON.parse(json);
if (!scenarios[name]) {
  console.error('no scenario ' + name);
  process.exit(2);
}
const result = await withBrowser(params, (page, context) => scenarios[name](page, params, context));
console.log(JSON.stringify(result));
