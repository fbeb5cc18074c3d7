// Event → screen latency in the browser: from the moment an operation is requested to the
// moment the screen's DOM shows it, and to the next frame after that (when the browser paints
// it). Target: p99 ≤ 100 ms. bench/stream_bench.cpp measures the part up to the WebSocket.
//
// Debian's Chromium (headless) opens the built screens served by the benchmark daemon
// (bench/api_serve.cpp). Each measurement runs inside the screen's own page, on its clock
// (performance.now()): the page sends the operation with fetch(), and a MutationObserver on the
// document notes when the element showing it changes; one operation at a time, each after a
// random pause of up to a frame (17 ms), so operations fall at every phase of the frame clock.
// The browser's floor in the same run: a fetch of an unknown API path, answered 404.
//
// 1. The hall screen (/hall): a ticket taken (POST /api/v1/tickets) → the service's waiting
//    count in the queue table is one more.
// 2. The window screen (/window/1): call-next at window 1 (POST /api/v1/counter/call-next with
//    its officer's session) → the window's number (data-testid="window-ticket") is the ticket
//    called; then finish (not timed). Skipped when the daemon has no counter routes yet.
// 3. The hall screen: the same call-next → the call appears among the current calls
//    (data-testid="hall-call" with its data-ticket).
//
//   node bench/ui/event_latency.mjs [--takes N] [--calls N] [--bin-dir DIR] [--ui-dir DIR]
import {
  checkUi,
  header,
  launchChromium,
  options,
  PATH_DEFAULTS,
  percentiles,
  row,
  startDaemon,
} from './lib.mjs';

const TARGET_MS = 100;
const opt = options({ takes: 500, calls: 250, ...PATH_DEFAULTS });

console.log('event → screen in Chromium (headless): operation requested → DOM changed → next frame');
if (!checkUi(opt.uiDir)) process.exit(0);
const browser = await launchChromium();
if (!browser) process.exit(0);
const daemon = await startDaemon(opt);

// Runs in the page: `count` operations, each timed from its fetch to the DOM showing it.
// kind: 'take' (waiting count of `service` on the hall screen), 'window-call' (window 1's
// number), 'hall-call' (the call among the hall screen's current calls).
async function measureInPage({ kind, count, service, token }) {
  const now = () => performance.now();
  const nextFrame = () => new Promise((done) => requestAnimationFrame(() => done(now())));
  const post = async (path, body, auth) => {
    const r = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
    const at = now();
    const json = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
    return { at, json };
  };

  // What the screen shows of the operation, and whether it shows the expected value.
  let snapshot;
  let shows = (snap, expected) => snap === expected;
  if (kind === 'take') {
    const hall = await (await fetch('/api/v1/hall')).json();
    const name = hall.services.find((s) => s.code === service).name_zh;
    snapshot = () => {
      for (const tr of document.querySelectorAll('.queue-table tbody tr')) {
        if (tr.querySelector('th')?.textContent.includes(name)) {
          return tr.querySelector('.queue-table__num')?.textContent;
        }
      }
      return undefined;
    };
  } else if (kind === 'window-call') {
    snapshot = () =>
      (
        document.querySelector('[data-testid="window-ticket"]') ??
        document.querySelector('.winscreen__ticket')
      )?.textContent.trim();
  } else {
    snapshot = () => [...document.querySelectorAll('[data-testid="hall-call"]')].map((e) => e.dataset.ticket);
    shows = (snap, expected) => snap.includes(expected);
  }

  // Every batch of DOM changes, with its time, what it shows, and the next frame after it. The
  // expected value of a call is known only from the answer, which may come after the screen
  // changed: the log keeps the change that showed it.
  let log = [];
  let wake = null;
  const observer = new MutationObserver(() => {
    log.push({ at: now(), snap: snapshot(), frame: nextFrame() });
    wake?.();
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });

  const out = { dom: [], frame: [], answer: [], floor: [] };
  for (let i = 0; i < count; i++) {
    // The browser's floor: a fetch answered 404 by the daemon's router.
    const f0 = now();
    const missing = await fetch('/api/v1/nothing-here');
    await missing.json();
    out.floor.push(now() - f0);
    // Operations come at any moment, not just after a frame.
    await new Promise((done) => setTimeout(done, Math.random() * 17));
    log = [];
    const before = snapshot();
    const t0 = now();
    const answer =
      kind === 'take' ? post('/api/v1/tickets', { service }) : post('/api/v1/counter/call-next', {}, token);
    const expected = kind === 'take' ? String(Number(before) + 1) : (await answer).json.ticket;
    let entry;
    while (!(entry = log.find((e) => shows(e.snap, expected)))) {
      if (now() - t0 > 5000) throw new Error(`the screen did not show ${expected} within 5 s`);
      await new Promise((done) => {
        wake = done;
        setTimeout(done, 50);
      });
      wake = null;
    }
    const frameAt = await entry.frame;
    const { at } = await answer;
    out.dom.push(entry.at - t0);
    out.frame.push(frameAt - t0);
    out.answer.push(at - t0);
    if (kind !== 'take') await post('/api/v1/counter/finish', {}, token);
    await nextFrame();
  }
  observer.disconnect();
  return out;
}

async function screen(path, ready) {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (e) => console.error(`  page error on ${path}: ${e.message}`));
  await page.goto(daemon.base + path);
  await page.waitForSelector(ready, { timeout: 10_000 });
  return page;
}

const results = [];
try {
  header();
  const hall = await screen('/hall', '.queue-table tbody tr');
  const takes = await hall.evaluate(measureInPage, { kind: 'take', count: opt.takes, service: 'SOC' });
  row('hall screen, take → waiting count: DOM', takes.dom);
  row('  next frame', takes.frame);
  row('  the answer to the fetch', takes.answer);
  row('  floor: fetch answered 404', takes.floor);
  results.push(['take → hall screen', takes.frame]);
  if (daemon.token) {
    const window1 = await screen('/window/1', '.winscreen:not(.winscreen--loading)');
    const calls = await window1.evaluate(measureInPage, {
      kind: 'window-call',
      count: opt.calls,
      token: daemon.token,
    });
    row('window screen, call-next → number: DOM', calls.dom);
    row('  next frame', calls.frame);
    row('  the answer to the fetch', calls.answer);
    row('  floor: fetch answered 404', calls.floor);
    results.push(['call-next → window screen', calls.frame]);
    await window1.close();
    const hallCalls = await hall.evaluate(measureInPage, {
      kind: 'hall-call',
      count: opt.calls,
      token: daemon.token,
    });
    row('hall screen, call-next → current call: DOM', hallCalls.dom);
    row('  next frame', hallCalls.frame);
    row('  the answer to the fetch', hallCalls.answer);
    row('  floor: fetch answered 404', hallCalls.floor);
    results.push(['call-next → hall screen', hallCalls.frame]);
  } else {
    console.log('  calls: skipped, the daemon has no counter routes yet (POST /api/v1/counter/... is 404)');
  }
  for (const [label, frames] of results) {
    const p99 = percentiles(frames).p99;
    const share = (p99 / TARGET_MS).toFixed(3);
    console.log(`  ${label}: next frame p99 ${p99.toFixed(1)} ms, ${share} of the ${TARGET_MS} ms target`);
  }
} finally {
  await browser.close();
  await daemon.stop();
}
