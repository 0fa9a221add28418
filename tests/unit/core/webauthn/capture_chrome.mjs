// Writes chrome_vectors.json beside this script: a registration and two assertions made by
// Chrome's virtual authenticator (CDP WebAuthn domain, ES256, "none" attestation), the shape the
// web UI's tests will send, so that the unit tests check core/webauthn against a real browser's
// bytes. Run by hand after `cmake --build build` (which installs web/node_modules):
//   node tests/unit/core/webauthn/capture_chrome.mjs
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../../../web/package.json'));
const { chromium } = require('playwright-core');

// http://localhost is a secure context, so WebAuthn works without a certificate.
const server = createServer((_, res) => res.end('<!doctype html><title>capture</title>'));
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://localhost:${server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), 'webauthn-capture-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(origin + '/');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true },
  });
  const captured = await page.evaluate(async () => {
    const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const random = () => crypto.getRandomValues(new Uint8Array(32));
    const createChallenge = random();
    const created = await navigator.credentials.create({ publicKey: {
      rp: { id: 'localhost', name: 'drawbridge' },
      user: { id: random(), name: 'alice', displayName: 'Alice' },
      challenge: createChallenge,
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -8 },
        { type: 'public-key', alg: -257 }],
      attestation: 'none',
      authenticatorSelection: { userVerification: 'preferred' },
    } });
    const out = {
      registration: { challenge: b64u(createChallenge), id: b64u(created.rawId),
        clientDataJSON: b64u(created.response.clientDataJSON),
        attestationObject: b64u(created.response.attestationObject) },
      assertions: [],
    };
    for (let i = 0; i < 2; i++) {
      const challenge = random();
      const got = await navigator.credentials.get({ publicKey: { challenge, rpId: 'localhost',
        allowCredentials: [{ type: 'public-key', id: created.rawId }],
        userVerification: 'preferred' } });
      out.assertions.push({ challenge: b64u(challenge), credentialId: b64u(got.rawId),
        clientDataJSON: b64u(got.response.clientDataJSON),
        authenticatorData: b64u(got.response.authenticatorData),
        signature: b64u(got.response.signature) });
    }
    return out;
  });
  captured.rp = { id: 'localhost', origin };
  captured.browser = context.browser()?.version() ?? 'chromium';
  writeFileSync(join(here, 'chrome_vectors.json'), JSON.stringify(captured, null, 1) + '\n');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.close();
}
