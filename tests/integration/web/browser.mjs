// Drives Debian's Chromium through playwright-core for tests/integration/web (docs/web-ui.md#tests):
// one scenario per run, named on the command line with its parameters as JSON; prints what it
// saw as one JSON line. Screenshots go to params.out. No browser is ever downloaded.
// Scenarios live in this folder's scenarios_*.mjs files, each exporting `scenarios`.
// Usage: node browser.mjs SCENARIO '{"url": ..., "out": ..., ...}'
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBrowser } from './browser_lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const scenarios = {};
for (const file of readdirSync(here).filter((f) => /^scenarios_.*\.mjs$/.test(f)).sort()) {
  const mod = await import('./' + file);
  for (const [name, fn] of Object.entries(mod.scenarios)) {
    if (scenarios[name]) throw new Error(`scenario ${name} is in two files`);
    scenarios[name] = fn;
  }
}

const [name, json] = process.argv.slice(2);
const params = JSON.parse(json);
if (!scenarios[name]) {
  console.error('no scenario ' + name);
  process.exit(2);
}
const result = await withBrowser(params, (page, context) => scenarios[name](page, params, context));
console.log(JSON.stringify(result));
