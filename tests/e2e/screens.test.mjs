// The five screens end to end: headless Chromium against a real hallkeeperd with simulated
// devices. Each test acts as the people in the hall do (a citizen at the kiosk, an officer at the
// counter, a citizen at the evaluator) and checks what the other screens show. Screenshots of
// every surface go to the --out directory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { byTestId, launch, openPage, screenshotter } from './lib/browser.mjs';
import { Hall, OFFICERS, SAMPLE_ID_NUMBER } from './lib/hall.mjs';

const paths = JSON.parse(process.env.HK_E2E_PATHS);
const hall = new Hall(paths);
const shoot = screenshotter(paths.outDir);
let browser;
let failed = false;
let touchTicket = ''; // the kiosk's first ticket: the counter calls it first

before(async () => {
  await hall.start();
  browser = await launch();
  // Window 2 is staffed from the start (through the control socket, as a technician would),
  // so every service can be ticketed; window 1 is the counter the tests log in at.
  hall.hallctl(['queue', JSON.stringify({ op: 'login', window: '2', officer: OFFICERS[1].id })]);
});

after(async () => {
  await browser?.close();
  if (failed) {
    process.stderr.write(`--- hallkeeperd log ---\n${hall.log()}\n`);
  }
  await hall.stop({ keep: failed });
});

// Wraps a test body so that a failure keeps the daemon's log for the report.
function step(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

async function takeAtKiosk(page, how) {
  await page.click(byTestId('kiosk-service-RE'));
  await page.click(byTestId(how));
}

async function counterPage() {
  const page = await openPage(browser, `${hall.base}/counter/1`);
  await page.fill(byTestId('counter-login-officer'), OFFICERS[0].id);
  await page.fill(byTestId('counter-login-pin'), OFFICERS[0].pin);
  await page.click(byTestId('counter-login-submit'));
  await page.waitForSelector(`${byTestId('counter-state')}[data-state="idle"]`);
  return page;
}

step('a citizen takes a ticket at the kiosk by touch', async () => {
  const kiosk = await openPage(browser, `${hall.base}/kiosk`, { width: 1080, height: 1920 });
  await shoot(kiosk, 'kiosk-services');
  await takeAtKiosk(kiosk, 'kiosk-take-touch');
  const number = (await kiosk.textContent(byTestId('ticket-number'))).trim();
  assert.equal(number, 'A001');
  touchTicket = number;
  await shoot(kiosk, 'kiosk-ticket');
  const waiting = await hall.api('GET', '/api/v1/hall');
  assert.equal(waiting.body.services.find((s) => s.code === 'RE').waiting, 1);
  await kiosk.context().close();
});

step('a citizen takes a ticket with an ID card, and the number stays in the daemon', async () => {
  const kiosk = await openPage(browser, `${hall.base}/kiosk`, { width: 1080, height: 1920 });
  const sent = [];
  kiosk.on('request', (request) => sent.push(request.url() + (request.postData() ?? '')));
  const received = [];
  kiosk.on('response', async (response) => {
    received.push(await response.text().catch(() => ''));
  });
  kiosk.on('websocket', (ws) => ws.on('framereceived', (frame) => received.push(String(frame.payload))));
  await takeAtKiosk(kiosk, 'kiosk-take-idcard');
  await kiosk.waitForSelector(byTestId('kiosk-idcard-waiting'));
  await shoot(kiosk, 'kiosk-idcard');
  hall.hallctl(['devices', 'simulate', 'kiosk-reader', 'present_card']);
  const number = (await kiosk.textContent(byTestId('ticket-number'))).trim();
  assert.match(number, /^A\d{3}$/);
  hall.hallctl(['devices', 'simulate', 'kiosk-reader', 'remove_card']);
  const page = await kiosk.content();
  for (const text of [page, ...sent, ...received]) {
    assert.ok(!text.includes(SAMPLE_ID_NUMBER), 'the ID number reached the browser');
  }
  const events = hall.hallctl(['--json', 'events', '--after', '0', '--limit', '500']);
  const issued = JSON.parse(events).events.filter((e) => e.type === 'queue.ticket_issued');
  assert.equal(issued.at(-1).payload.channel, 'idcard');
  await kiosk.context().close();
});

step('an officer calls at the counter, the screens show it, the citizen rates it', async () => {
  const hallScreen = await openPage(browser, `${hall.base}/hall`);
  const windowScreen = await openPage(browser, `${hall.base}/window/1`);
  const evaluator = await openPage(browser, `${hall.base}/evaluator/1`, { width: 1280, height: 800 });
  const counter = await counterPage();
  await counter.click(byTestId('counter-call-next'));
  const number = (await counter.textContent(byTestId('counter-current-ticket'))).trim();
  assert.equal(number, touchTicket, 'the counter called the ticket taken by touch');
  await hallScreen.waitForSelector(`${byTestId('hall-call')}[data-ticket="${number}"][data-window="1"]`);
  await windowScreen.waitForFunction(
    ([selector, expected]) => document.querySelector(selector)?.textContent?.includes(expected),
    [byTestId('window-ticket'), number],
  );
  assert.match(await windowScreen.textContent(byTestId('window-officer')), new RegExp(OFFICERS[0].name));
  await shoot(counter, 'counter-calling');
  await shoot(hallScreen, 'hall-calling');
  await shoot(windowScreen, 'window-calling');

  await counter.click(byTestId('counter-start'));
  await counter.waitForSelector(`${byTestId('counter-state')}[data-state="serving"]`);
  await shoot(evaluator, 'evaluator-serving');
  await counter.click(byTestId('counter-finish'));
  await evaluator.waitForSelector(byTestId('evaluator-prompt'));
  assert.equal((await evaluator.textContent(byTestId('evaluator-ticket'))).trim(), number);
  assert.match(await evaluator.textContent(byTestId('evaluator-officer-name')), new RegExp(OFFICERS[0].name));
  await shoot(evaluator, 'evaluator-prompt');
  await evaluator.click(byTestId('evaluator-score-5'));
  await evaluator.click(byTestId('evaluator-submit'));
  await evaluator.waitForSelector(byTestId('evaluator-thanks'));
  await shoot(evaluator, 'evaluator-thanks');
  const events = JSON.parse(hall.hallctl(['--json', 'events', '--after', '0', '--limit', '500']));
  const rated = events.events.filter((e) => e.type === 'queue.ticket_evaluated');
  assert.equal(rated.length, 1);
  assert.equal(rated[0].payload.score, 5);
  for (const page of [hallScreen, windowScreen, evaluator, counter]) await page.context().close();
});

step('a paused window shows its message on the hall and window screens', async () => {
  const hallScreen = await openPage(browser, `${hall.base}/hall`);
  const windowScreen = await openPage(browser, `${hall.base}/window/1`);
  const counter = await counterPage();
  const message = '暂停服务，请到2号窗口';
  await counter.click(byTestId('counter-pause'));
  await counter.fill(byTestId('counter-pause-message'), message);
  await counter.click(byTestId('counter-pause-confirm'));
  await counter.waitForSelector(`${byTestId('counter-state')}[data-state="paused"]`);
  await hallScreen.waitForSelector(`${byTestId('hall-paused-message')}[data-window="1"]`);
  assert.match(await hallScreen.textContent(`${byTestId('hall-paused-message')}[data-window="1"]`), /暂停服务/);
  await windowScreen.waitForSelector(byTestId('window-paused-message'));
  assert.equal((await windowScreen.textContent(byTestId('window-paused-message'))).trim(), message);
  await shoot(windowScreen, 'window-paused');
  await shoot(hallScreen, 'hall-paused');
  await counter.click(byTestId('counter-resume'));
  await windowScreen.waitForSelector(byTestId('window-paused-message'), { state: 'detached' });
  await hallScreen.waitForSelector(`${byTestId('hall-paused-message')}[data-window="1"]`, { state: 'detached' });
  for (const page of [hallScreen, windowScreen, counter]) await page.context().close();
});

step('a hall screen that lost its connection catches up without reloading', async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  const screen = await context.newPage();
  screen.setDefaultTimeout(15_000);
  // The stream goes through a relay the test can cut: while `cut`, connections are refused.
  let cut = false;
  const relays = [];
  const streamUrls = [];
  let connected;
  const firstConnection = new Promise((resolve) => {
    connected = resolve;
  });
  await screen.routeWebSocket(/\/api\/v1\/stream/, (ws) => {
    streamUrls.push(ws.url());
    if (cut) {
      ws.close({ code: 1011, reason: 'cut by the test' });
      return;
    }
    relays.push(ws);
    ws.connectToServer();
    connected();
  });
  await screen.goto(`${hall.base}/hall`);
  await screen.waitForSelector(`${byTestId('hall-waiting')}[data-service="SOC"]`);
  await firstConnection;
  await screen.evaluate(() => {
    window.__notReloaded = true;
  });
  const boardLoads = [];
  screen.on('request', (request) => {
    if (request.url().includes('/api/v1/board')) boardLoads.push(request.url());
  });

  cut = true;
  for (const ws of relays) await ws.close({ code: 1011, reason: 'cut by the test' });
  // While the screen is cut off: a ticket is taken and called at window 2.
  const taken = await hall.api('POST', '/api/v1/tickets', { service: 'SOC' });
  assert.equal(taken.status, 201);
  const login = await hall.api('POST', '/api/v1/sessions', {
    officer: OFFICERS[1].id, pin: OFFICERS[1].pin, window: '2',
  });
  assert.equal(login.status, 201);
  let called;
  do {
    called = await hall.api('POST', '/api/v1/counter/call-next', {}, login.body.token);
    assert.equal(called.status, 200);
    if (called.body.ticket !== taken.body.ticket) {
      await hall.api('POST', '/api/v1/counter/no-show', {}, login.body.token);
    }
  } while (called.body.ticket !== taken.body.ticket);
  cut = false;

  await screen.waitForSelector(
    `${byTestId('hall-call')}[data-ticket="${taken.body.ticket}"][data-window="2"]`,
  );
  assert.equal(await screen.evaluate(() => window.__notReloaded), true);
  assert.ok(streamUrls.at(-1).includes('after='), 'the screen resumed from its last event');
  assert.deepEqual(boardLoads, [], 'the screen caught up from the stream, not a new snapshot');
  await shoot(screen, 'hall-caught-up');
  await context.close();
});

step('the status screen lists the devices and their health', async () => {
  const status = await openPage(browser, `${hall.base}/status`);
  for (const device of ['kiosk-reader', 'printer-1', 'evaluator-1', 'display-1']) {
    await status.waitForSelector(`${byTestId('status-device')}[data-device="${device}"][data-state="online"]`);
  }
  await status.waitForSelector(byTestId('status-queue'));
  await shoot(status, 'status');
  await status.context().close();
});
