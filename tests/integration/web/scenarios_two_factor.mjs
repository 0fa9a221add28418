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

export const scenarios = {
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
