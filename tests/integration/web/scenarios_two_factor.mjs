// The sign-in's second step in the browser (docs/two-factor.md#per-interface): a wrong code
// keeps the step with the server's message, the app's code signs in, and a recovery code does
// too. Codes are computed here from the secret (RFC 6238), at the moment they are typed.
import { createHmac } from 'node:crypto';
import { signIn } from './browser_lib.mjs';

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, time = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30000)));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

const step = (page) => page.locator('form[aria-label="Two-factor authentication"]');
const text = (page, sel) => page.locator(sel).first().innerText().catch(() => '');
// The text of an element that may be absent, without waiting for it.
const textIfShown = async (page, sel) => ((await page.locator(sel).count()) ? text(page, sel) : '');

// Sets the app up on the page shown (the Account page, or the setup-only page): the key read
// from the page, the first code, the recovery codes shown once.
async function setUpApp(page) {
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.locator('.qr svg').waitFor();
  const secret = await text(page, '#totp-secret');
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.locator('#recovery-codes').waitFor();
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  return { secret, codes };
}

export const scenarios = {
  // From the Account page (setup_only false) or the page a setup-only session shows.
  async two_factor_enrol(page, p) {
    await signIn(page, p);
    let required = '';
    if (p.setup_only) {
      await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
      required = await text(page, 'main.card p');
    } else {
      await page.locator('header.bar').waitFor();
      await page.getByRole('link', { name: 'Account' }).click();
      await page.locator('#two-factor-status').waitFor();
    }
    const got = await setUpApp(page);
    if (p.setup_only) await page.locator('header.bar').waitFor();
    else await page.waitForFunction(() => document.querySelector('#two-factor-status').innerText.startsWith('On'));
    const status = p.setup_only ? '' : await text(page, '#two-factor-status');
    return { ...got, required, status, home: await page.locator('header.bar').count() };
  },

  async two_factor_code(page, p) {
    await signIn(page, p);
    await step(page).waitFor();
    const right = totp(p.secret);
    await page.getByLabel('Code from your authenticator app').fill(right === '123456' ? '654321' : '123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#two-factor-error').waitFor();
    const wrong = await text(page, '#two-factor-error');
    await page.getByLabel('Code from your authenticator app').fill(totp(p.secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('header.bar').waitFor();
    return { wrong, signed_in: true };
  },

  async two_factor_recovery(page, p) {
    await signIn(page, p);
    await step(page).waitFor();
    await page.locator('#toggle-recovery').click();
    await page.getByLabel('Recovery code').fill(p.recovery);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('header.bar').waitFor();
    return { signed_in: true };
  },
};

// The administrator's side: the user editor shows 2FA on and resets it.
scenarios.two_factor_admin_reset = async (page, p) => {
  await signIn(page, p);
  await page.locator('header.bar').waitFor();
  await page.goto(`${p.url}/#/admin/users/${p.user_id}`);
  await page.locator('#reset-2fa').waitFor();
  const before = await text(page, '#two-factor-state');
  const field = await page.locator('select[name=require_2fa]').inputValue();
  await page.locator('#reset-2fa').click();
  await page.waitForFunction(() => !document.querySelector('#reset-2fa'));
  return { before, field, after: await textIfShown(page, '#two-factor-state') };
};

// A security key on Chrome's virtual authenticator: registered on the Account page, then the
// sign-in's second step with it (the page must be on the site's host name: localhost).
scenarios.two_factor_security_key = async (page, p, context) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  await signIn(page, p);
  await page.locator('header.bar').waitFor();
  await page.getByRole('link', { name: 'Account' }).click();
  await page.locator('#two-factor-status').waitFor();
  await page.getByLabel('Key name').fill(p.key_name);
  await page.getByRole('button', { name: 'Add a security key' }).click();
  await page.locator('#recovery-codes, #security-key-error').first().waitFor();
  const error = await textIfShown(page, '#security-key-error');
  if (error) return { error };
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.locator('.security-keys li').first().waitFor();
  const keys = await page.locator('.security-keys li').evaluateAll((lis) => lis.map((li) => li.dataset.key));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, p);
  await step(page).waitFor();
  await page.getByRole('button', { name: 'Use your security key' }).click();
  await page.locator('header.bar, #two-factor-error').first().waitFor();
  return { codes, keys, second_error: await textIfShown(page, '#two-factor-error'), home: await page.locator('header.bar').count() };
};
