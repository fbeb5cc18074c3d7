// Shared by the browser benchmarks (docs/performance.md): Debian's Chromium driven by
// playwright-core (the copy installed for the end-to-end tests, tests/e2e/node_modules), the
// benchmark daemon (bench/api_serve.cpp: hallkeeperd with the Local API, the demo's five
// services and five staffed windows, 100 tickets waiting per service), command-line options
// and percentiles as the C++ benchmarks print them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `--name value` options of the command line, with defaults; numbers stay numbers. */
export function options(defaults) {
  const out = { ...defaults };
  const args = process.argv.slice(2);
  for (let i = 0; i + 1 < args.length; i += 2) {
    const key = args[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) {
      console.error(`unknown option ${args[i]}; known: ${Object.keys(defaults).join(', ')}`);
      process.exit(2);
    }
    out[key] = typeof defaults[key] === 'number' ? Number(args[i + 1]) : args[i + 1];
  }
  return out;
}

/**
 * Chromium through playwright-core, or null after printing why the benchmark is skipped
 * (no Chromium, or the end-to-end tests' node_modules not installed).
 */
export async function launchChromium() {
  const executablePath = process.env.HK_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.log(`  skipped: no Chromium at ${executablePath} (apt-get install chromium)`);
    return null;
  }
  const e2e = join(ROOT, 'tests/e2e/package.json');
  let chromium;
  try {
    ({ chromium } = createRequire(e2e)('playwright-core'));
  } catch {
    console.log('  skipped: playwright-core is not installed (cd tests/e2e && npm ci)');
    return null;
  }
  // Root cannot use Chromium's sandbox; these benchmarks only load the local daemon's pages.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, args });
}

/**
 * Starts bench/api_serve serving `uiDir`; resolves once the daemon is ready with
 * { base, port, token (window 1's officer session, or null), stop() }.
 */
export async function startDaemon({ binDir, uiDir }) {
  const serve = join(binDir, 'api_serve');
  if (!existsSync(serve)) {
    throw new Error(`${serve} is missing: build the api_serve target first`);
  }
  const child = spawn(serve, ['--ui-dir', uiDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((done) => child.on('exit', (code) => done(code)));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise((done) => lines.once('line', done)),
    exited.then((code) => {
      throw new Error(`api_serve exited with ${code} before it was ready`);
    }),
  ]);
  const ready = JSON.parse(first);
  return {
    ...ready,
    base: `http://127.0.0.1:${ready.port}`,
    stop: async () => {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`api_serve exited with ${code}`);
    },
  };
}

/** The sample at each rank (nearest rank below), as bench/percentiles.hpp. */
export function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const at = (q) => s[Math.floor(q * (s.length - 1))];
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] };
}

/** One table row: label, p50, p90, p99, max and n, in ms. */
export function row(label, samples) {
  const p = percentiles(samples);
  const f = (v) => v.toFixed(2).padStart(8);
  const n = String(p.n).padStart(6);
  console.log(`  ${label.padEnd(44)} ${f(p.p50)} ${f(p.p90)} ${f(p.p99)} ${f(p.max)} ${n}`);
  return p;
}

export function header(title = '(ms)') {
  const h = (v) => v.padStart(8);
  console.log(`  ${title.padEnd(44)} ${h('p50')} ${h('p90')} ${h('p99')} ${h('max')} ${'n'.padStart(6)}`);
}

/** Where the C++ benchmarks and the built screens are, from --bin-dir and --ui-dir. */
export const PATH_DEFAULTS = {
  binDir: join(ROOT, 'build/release/bench'),
  uiDir: join(ROOT, 'kiosk-ui/dist'),
};

/** Null after printing why the benchmark is skipped when the screens are not built. */
export function checkUi(uiDir) {
  if (!existsSync(join(uiDir, 'index.html'))) {
    console.log(`  skipped: no built screens in ${uiDir} (npm run build in kiosk-ui)`);
    return null;
  }
  return uiDir;
}
