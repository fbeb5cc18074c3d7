// Runs the end-to-end tests (ctest `e2e_screens`, label e2e):
//   node run.mjs --daemon PATH --hallctl PATH --ui-dir DIR --out DIR
// Exit 77 (skipped) when Chromium, this directory's node_modules or the built screens are
// missing; scripts/test installs and builds them, so in CI the tests run.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    daemon: { type: 'string' },
    hallctl: { type: 'string' },
    'ui-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
for (const name of ['daemon', 'hallctl', 'ui-dir', 'out']) {
  if (!values[name]) {
    console.error(`usage: node run.mjs --daemon PATH --hallctl PATH --ui-dir DIR --out DIR (missing --${name})`);
    process.exit(2);
  }
}
const chromium = process.env.HK_CHROMIUM || '/usr/bin/chromium';
const missing = [
  [existsSync(chromium), `${chromium} (Debian's chromium package)`],
  [existsSync(join(here, 'node_modules', 'playwright-core')), 'tests/e2e/node_modules (npm ci)'],
  [existsSync(join(values['ui-dir'], 'index.html')), `${values['ui-dir']}/index.html (the built kiosk-ui)`],
].filter(([present]) => !present);
if (missing.length > 0) {
  console.log(`skipped: missing ${missing.map(([, what]) => what).join(', ')}; scripts/test installs them`);
  process.exit(77);
}
process.env.HK_E2E_PATHS = JSON.stringify({
  daemon: resolve(values.daemon),
  hallctl: resolve(values.hallctl),
  uiDir: resolve(values['ui-dir']),
  outDir: resolve(values.out),
});
console.log(`screenshots: ${resolve(values.out)}`);
await import('./screens.test.mjs');
