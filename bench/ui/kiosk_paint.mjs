// Kiosk first paint on loopback: cold loads of /kiosk, each in a fresh browser context (empty
// cache, no open connections), timed by the page's own clock from the start of navigation:
// first-contentful-paint (Paint Timing API), and the moment the service buttons are in the DOM
// ([data-testid^="kiosk-service-"], which needs the catalogue from GET /api/v1/hall) and the
// next frame after it, when they are painted. Target: the buttons on screen within 1 s.
//
// Baseline in the same run, alternating with the kiosk's loads: a minimal static page
// (baseline.html: one line of text) served by the same daemon from the same directory, the
// floor of browser and server for a first paint. The built screens are copied into a
// temporary directory with baseline.html added, and the benchmark daemon (bench/api_serve.cpp)
// serves it.
//
//   node bench/ui/kiosk_paint.mjs [--loads N] [--bin-dir DIR] [--ui-dir DIR]
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkUi, header, launchChromium, options, PATH_DEFAULTS, row, startDaemon } from './lib.mjs';

const TARGET_MS = 1000;
const opt = options({ loads: 30, ...PATH_DEFAULTS });

console.log(`kiosk first paint in Chromium (headless), ${opt.loads} cold loads each, alternating`);
if (!checkUi(opt.uiDir)) process.exit(0);
const browser = await launchChromium();
if (!browser) process.exit(0);

const dir = mkdtempSync(join(tmpdir(), 'hk-kiosk-paint-'));
cpSync(opt.uiDir, dir, { recursive: true });
writeFileSync(
  join(dir, 'baseline.html'),
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>取号</title></head>' +
    '<body><p>示范镇便民服务中心</p></body></html>\n',
);
const daemon = await startDaemon({ binDir: opt.binDir, uiDir: dir });

// Installed before any of the page's scripts: notes when the first service button is in the
// DOM and the frame after it.
function watchButtons() {
  const marks = {};
  window.__hkMarks = marks;
  const selector = '[data-testid^="kiosk-service-"], .service[data-service]';
  const observer = new MutationObserver(() => {
    if (marks.buttons === undefined && document.querySelector(selector)) {
      marks.buttons = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => {
        marks.buttonsFrame = performance.now();
      });
    }
  });
  observer.observe(document, { subtree: true, childList: true });
}

async function coldLoad(path, waitForButtons) {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(watchButtons);
    await page.goto(daemon.base + path, { waitUntil: 'load' });
    await page.waitForFunction(
      (buttons) =>
        performance.getEntriesByName('first-contentful-paint').length > 0 &&
        (!buttons || window.__hkMarks?.buttonsFrame !== undefined),
      waitForButtons,
      { timeout: 10_000 },
    );
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      const script = resources.find((e) => /\/assets\/.*\.js$/.test(e.name));
      const hall = resources.find((e) => e.name.endsWith('/api/v1/hall'));
      return {
        scriptEnd: script?.responseEnd,
        hallStart: hall?.startTime,
        hallEnd: hall?.responseEnd,
        fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        buttons: window.__hkMarks.buttons,
        buttonsFrame: window.__hkMarks.buttonsFrame,
        responseEnd: nav.responseEnd,
        load: nav.loadEventEnd,
      };
    });
  } finally {
    await context.close();
  }
}

try {
  const base = { fcp: [], load: [] };
  const kiosk = {
    fcp: [],
    buttons: [],
    buttonsFrame: [],
    load: [],
    scriptEnd: [],
    hallStart: [],
    hallEnd: [],
  };
  // One load of each first, not counted: the browser's own first start of a renderer.
  await coldLoad('/baseline.html', false);
  await coldLoad('/kiosk', true);
  for (let i = 0; i < opt.loads; i++) {
    const order = i % 2 === 0 ? ['baseline', 'kiosk'] : ['kiosk', 'baseline'];
    for (const which of order) {
      if (which === 'baseline') {
        const m = await coldLoad('/baseline.html', false);
        base.fcp.push(m.fcp);
        base.load.push(m.load);
      } else {
        const m = await coldLoad('/kiosk', true);
        kiosk.fcp.push(m.fcp);
        kiosk.buttons.push(m.buttons);
        kiosk.buttonsFrame.push(m.buttonsFrame);
        kiosk.load.push(m.load);
        kiosk.scriptEnd.push(m.scriptEnd);
        kiosk.hallStart.push(m.hallStart);
        kiosk.hallEnd.push(m.hallEnd);
      }
    }
  }
  header('(ms from navigation start)');
  const floor = row('baseline.html: first contentful paint', base.fcp);
  row('baseline.html: load event end', base.load);
  row('/kiosk: script received', kiosk.scriptEnd);
  row('/kiosk: load event end', kiosk.load);
  const fcp = row('/kiosk: first contentful paint', kiosk.fcp);
  row('/kiosk: GET /api/v1/hall sent', kiosk.hallStart);
  row('/kiosk: GET /api/v1/hall answered', kiosk.hallEnd);
  row('/kiosk: service buttons in the DOM', kiosk.buttons);
  const shown = row('/kiosk: service buttons, next frame', kiosk.buttonsFrame);
  console.log(
    `  /kiosk first contentful paint ${(fcp.p50 / floor.p50).toFixed(1)}x the baseline's at p50; ` +
      `buttons on screen ${(shown.p50 / floor.p50).toFixed(1)}x the baseline's first paint at p50, ` +
      `max ${shown.max.toFixed(0)} ms = ${(shown.max / TARGET_MS).toFixed(3)} of the ${TARGET_MS} ms target`,
  );
} finally {
  await browser.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
}
