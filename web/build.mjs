// Bundles the web UI (docs/web-ui.md#build): src/main.js and src/style.css through esbuild,
// minified, named by their content's hash; the page and the icon beside them; and
// manifest.json, which scripts/embed-web-assets.py turns into the binary's web_assets.cpp.
// Usage: node build.mjs OUT_DIR
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/style.css') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const assets = [];
const named = {};
for (const file of Object.keys(result.metafile.outputs)) {
  const name = basename(file);
  named[name.endsWith('.js') ? 'js' : 'css'] = name;
  assets.push({ path: '/assets/' + name, file: 'assets/' + name, immutable: true });
}
const icon = readFileSync(join(here, 'src/icon.svg'));
const iconName = 'icon-' + createHash('sha256').update(icon).digest('hex').slice(0, 8) + '.svg';
writeFileSync(join(out, 'assets', iconName), icon);
assets.push({ path: '/assets/' + iconName, file: 'assets/' + iconName, immutable: true });
// Where browsers look on their own: not immutable, its name is fixed.
assets.push({ path: '/favicon.svg', file: 'assets/' + iconName, immutable: false });

const page = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('@JS@', named.js)
  .replace('@CSS@', named.css)
  .replace('@ICON@', iconName);
writeFileSync(join(out, 'index.html'), page);
assets.push({ path: '/', file: 'index.html', immutable: false });
writeFileSync(join(out, 'manifest.json'), JSON.stringify(assets, null, 1) + '\n');
