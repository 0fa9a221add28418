// What every scenario file of tests/integration/web shares: Debian's Chromium through
// playwright-core (never a downloaded browser), screenshots, signing in.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(join(process.env.DRAWBRIDGE_WEB_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function withBrowser(p, fn) {
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

export const shot = (page, p, name) => page.screenshot({ path: join(p.out, name + '.png'), fullPage: true });

export async function signIn(page, p, password = p.password) {
  await page.goto(p.url + '/');
  await page.getByLabel('Username').fill(p.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

