// The kiosk's other ways to a ticket: ID card, mobile number, priority code, appointment
// check-in by code or ID card; their refusals; spoken guidance in elderly mode.
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CARD_WAIT_MS } from '../src/screens/kiosk/CardWait';
import { KIOSK_ERROR_CODES, kioskErrorKey } from '../src/screens/kiosk/messages';
import { INACTIVITY_MS, KioskScreen } from '../src/screens/KioskScreen';
import { translate } from '../src/i18n';
import { apiError, fakeFetch, hallOf, service, settle, useFakeTime, type Answer, type Route } from './helpers';

const hall = hallOf([service({}), service({ code: 'RE', name_zh: '不动产登记', name_en: 'Real estate', prefix: 'B', materials_zh: ['不动产权证书'] })]);
const ticket = (n = 'A005', svc = 'SOC'): Answer => ({
  status: 201,
  body: { ticket: n, service: svc, waiting_ahead: 2, estimated_wait_s: 300, issued_at_ms: 1 },
});
const CARD = { card: 'ab'.repeat(16), id_masked: '1101**********1234', expires_at_ms: 99 };

/** A long poll: answers after `ms` of (fake) time. */
const later = (ms: number, a: Answer): Route => () => new Promise((r) => setTimeout(() => r(a), ms));

/** Answers the card waits in turn, each after `ms`. */
function cardWaits(answers: Answer[], ms = 30_000): Route {
  let i = 0;
  return () => {
    const a = answers[Math.min(i++, answers.length - 1)]!;
    return new Promise((r) => setTimeout(() => r(a), ms));
  };
}

function keypad(text: string) {
  for (const ch of text) fireEvent.click(screen.getByTestId(`kiosk-keypad-${ch}`));
}

async function chooseService(code = 'SOC') {
  render(<KioskScreen />);
  await settle();
  fireEvent.click(screen.getByTestId(`kiosk-service-${code}`));
}

const posts = (calls: { method: string; url: string; body: unknown }[]) =>
  calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body]);

beforeEach(useFakeTime);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('kiosk: ID card', () => {
  it('waits for a card, asking again after an empty answer, then takes the ticket with its token', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/id-card/wait': cardWaits([{ status: 200, body: { card: null } }, { status: 200, body: CARD }], 20_000),
      'POST /api/v1/tickets': ticket(),
    });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-idcard'));
    await settle();
    expect(screen.getByTestId('kiosk-idcard-waiting').textContent).toContain('请在读卡器上放置身份证');
    await settle(20_000); // the first wait ends without a card
    expect(screen.getByTestId('kiosk-idcard-waiting')).toBeTruthy();
    await settle(20_000);
    expect(posts(calls)).toEqual([
      ['/api/v1/id-card/wait', {}],
      ['/api/v1/id-card/wait', {}],
      ['/api/v1/tickets', { service: 'SOC', channel: 'id_card', card: CARD.card }],
    ]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');
    // Only the masked number is ever shown.
    expect(document.body.textContent).toContain('1101**********1234');
    expect(document.body.textContent).not.toContain(CARD.card);
  });

  it('gives up after about 60 s without a card, then returns to the start later', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/id-card/wait': later(30_000, { status: 200, body: { card: null } }),
    });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-idcard'));
    await settle(CARD_WAIT_MS - 1);
    // Waiting on the reader is not inactivity: the kiosk stays.
    expect(screen.getByTestId('kiosk-idcard-waiting')).toBeTruthy();
    await settle(1);
    expect(screen.getByTestId('kiosk-error').textContent).toContain('没有读取到身份证');
    const waits = calls.filter((c) => c.url === '/api/v1/id-card/wait').length;
    expect(waits).toBe(2);
    await settle(INACTIVITY_MS);
    expect(screen.getByTestId('kiosk-service-SOC')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/id-card/wait').length).toBe(waits);
  });

  it('stops waiting when the citizen goes back', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/id-card/wait': later(1000, { status: 200, body: { card: null } }),
    });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-idcard'));
    await settle(500);
    fireEvent.click(screen.getByRole('button', { name: '返回' }));
    await settle(10_000);
    expect(calls.filter((c) => c.url === '/api/v1/id-card/wait').length).toBe(1);
    expect(screen.getByTestId('kiosk-take-idcard')).toBeTruthy();
  });

  it.each([
    ['device_offline', 409, '读卡器暂不可用'],
    ['card_unreadable', 409, '无法读取身份证'],
    ['unknown_device', 404, '读卡器暂不可用'],
  ])('explains %s from the reader', async (code, status, text) => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/id-card/wait': apiError(status, code) });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-idcard'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain(text);
  });

  it.each([
    ['already_waiting', '您已取过该业务的号'],
    ['unknown_card', '身份证读取已失效'],
  ])('explains %s when the ticket is refused', async (code, text) => {
    fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/id-card/wait': { status: 200, body: CARD },
      'POST /api/v1/tickets': apiError(code === 'unknown_card' ? 404 : 409, code),
    });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-idcard'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain(text);
  });
});

describe('kiosk: mobile number', () => {
  it('takes 11 digits on the keypad and posts them with channel phone', async () => {
    const calls = fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': ticket() });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-phone'));
    keypad('1381234567');
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    expect(screen.getByTestId('kiosk-error').textContent).toContain('请输入以1开头的11位手机号码');
    keypad('89'); // the 12th digit is ignored
    fireEvent.click(screen.getByTestId('kiosk-keypad-back'));
    keypad('8');
    expect(screen.getByTestId('kiosk-phone-display').textContent).toBe('138 1234 5678');
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    await settle();
    expect(posts(calls)).toEqual([['/api/v1/tickets', { service: 'SOC', channel: 'phone', phone: '13812345678' }]]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');
  });
});

describe('kiosk: priority code', () => {
  it('says clearly when the code is wrong, and takes a ticket with a good one', async () => {
    let first = true;
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': () => {
        const a = first ? apiError(403, 'bad_priority_code') : ticket('A006');
        first = false;
        return a;
      },
    });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-priority'));
    keypad('1111');
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain('绿色通道码不正确');
    fireEvent.click(screen.getByRole('button', { name: '重试' }));
    fireEvent.click(screen.getByTestId('kiosk-take-priority'));
    fireEvent.input(screen.getByTestId('kiosk-code-input'), { target: { value: '2468' } });
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    await settle();
    expect(posts(calls)).toEqual([
      ['/api/v1/tickets', { service: 'SOC', channel: 'priority_code', priority_code: '1111' }],
      ['/api/v1/tickets', { service: 'SOC', channel: 'priority_code', priority_code: '2468' }],
    ]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('A006');
  });

  it('asks for a code before sending', async () => {
    const calls = fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-priority'));
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    expect(screen.getByTestId('kiosk-error').textContent).toContain('请先输入号码');
    expect(posts(calls)).toEqual([]);
  });
});

describe('kiosk: appointment check-in', () => {
  it('checks in by code typed with letters and digits, and shows the ticket with its materials', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/appointments/check-in': ticket('B003', 'RE'),
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-checkin'));
    fireEvent.click(screen.getByTestId('kiosk-checkin-code'));
    fireEvent.input(screen.getByTestId('kiosk-code-input'), { target: { value: 'appt-00' } });
    keypad('42');
    expect((screen.getByTestId('kiosk-code-input') as HTMLInputElement).value).toBe('APPT-0042');
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    await settle();
    expect(posts(calls)).toEqual([['/api/v1/appointments/check-in', { code: 'APPT-0042' }]]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('B003');
    expect(screen.getByText('不动产登记')).toBeTruthy();
    expect(screen.getByText('不动产权证书')).toBeTruthy();
  });

  it.each([
    ['unknown_appointment', 404, '没有找到您的预约'],
    ['too_early', 409, '还没到预约签到时间'],
    ['too_late', 409, '已过预约签到时间'],
    ['appointment_not_due', 409, '不在预约签到时间内'],
    ['service_closed', 409, '该业务现在不能取号'],
  ])('explains %s', async (code, status, text) => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/appointments/check-in': apiError(status, code) });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-checkin'));
    fireEvent.click(screen.getByTestId('kiosk-checkin-code'));
    keypad('482913');
    fireEvent.click(screen.getByTestId('kiosk-keypad-ok'));
    await settle();
    const error = screen.getByTestId('kiosk-error');
    expect(error.textContent).toContain('签到未成功');
    expect(error.textContent).toContain(text);
  });

  it('checks in by ID card', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/id-card/wait': later(3000, { status: 200, body: CARD }),
      'POST /api/v1/appointments/check-in': ticket('B004', 'RE'),
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-checkin'));
    fireEvent.click(screen.getByTestId('kiosk-checkin-idcard'));
    await settle();
    expect(screen.getByTestId('kiosk-idcard-waiting')).toBeTruthy();
    await settle(3000);
    expect(posts(calls)).toEqual([
      ['/api/v1/id-card/wait', {}],
      ['/api/v1/appointments/check-in', { card: CARD.card }],
    ]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('B004');
  });
});

describe('kiosk: errors', () => {
  it('has words for every refusal the API can give, in both languages', () => {
    for (const code of [...KIOSK_ERROR_CODES, 'bad_argument', 'internal', 'http_502']) {
      for (const flow of ['touch', 'phone', 'checkin_code'] as const) {
        const key = kioskErrorKey(code, flow);
        expect(translate('zh-CN', key), `${code}`).toBeTruthy();
        expect(translate('en', key), `${code}`).toBeTruthy();
      }
    }
    expect(kioskErrorKey('daily_limit', 'touch')).toBe('kiosk.error.quota_exhausted');
    expect(kioskErrorKey('bad_argument', 'phone')).toBe('kiosk.error.bad_input');
    expect(kioskErrorKey('internal', 'touch')).toBe('kiosk.error.other');
  });

  it('says when the daemon cannot be reached', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } }); // no POST route: fetch fails
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain('无法连接系统');
  });

  it.each([
    ['quota_exhausted', '该业务今日号已取完'],
    ['already_waiting', '您已取过该业务的号'],
    ['busy', '系统繁忙'],
  ])('explains %s on a touch ticket', async (code, text) => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': apiError(409, code) });
    await chooseService();
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain(text);
  });
});

describe('kiosk: elderly mode', () => {
  it('speaks guidance with a zh-CN voice, and stays silent without speech synthesis', async () => {
    const spoken: { text: string; lang: string }[] = [];
    class Utterance {
      lang = '';
      constructor(readonly text: string) {}
    }
    vi.stubGlobal('SpeechSynthesisUtterance', Utterance);
    vi.stubGlobal('speechSynthesis', {
      speak: (u: Utterance) => spoken.push({ text: u.text, lang: u.lang }),
      cancel: () => {},
      getVoices: () => [{ lang: 'zh-CN' }],
    });
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': ticket() });
    render(<KioskScreen />);
    await settle();
    expect(spoken).toEqual([]); // standard mode says nothing
    fireEvent.click(screen.getByTestId('kiosk-elderly'));
    await settle();
    expect(spoken.at(-1)).toEqual({ text: '欢迎，请选择要办理的业务', lang: 'zh-CN' });
    fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
    await settle();
    expect(spoken.at(-1)!.text).toContain('请选择取号方式');
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    expect(spoken.at(-1)!.text).toContain('您的号码 A005');
    expect(spoken.at(-1)!.text).toContain('前面还有 2 人');

    cleanup();
    vi.unstubAllGlobals();
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-elderly')); // no speechSynthesis: no error either
    await settle();
    expect(screen.getByTestId('kiosk-elderly').getAttribute('aria-pressed')).toBe('true');
  });
});
