import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CounterView } from '../src/api/types';
import { CounterScreen } from '../src/screens/CounterScreen';
import { COUNTER_ERROR_CODES, counterErrorKey } from '../src/screens/counter/messages';
import { SESSION_KEY } from '../src/screens/counter/session';
import { translate } from '../src/i18n';
import {
  apiError,
  boardOf,
  fakeFetch,
  fakeWebSocket,
  hallOf,
  service,
  settle,
  streamSend,
  settleAll,
  useFakeTime,
  win,
  type Answer,
  type Route,
} from './helpers';

const TOKEN = 'f'.repeat(64);
const session = { token: TOKEN, officer: { id: '1024', name: '王芳' }, window: '3', expires_at_ms: 9e12 };

const view = (patch: Partial<CounterView> = {}): CounterView => ({
  window: win('3', { state: 'idle' }),
  officer: { id: '1024', name: '王芳' },
  current: null,
  queue: [
    { ticket: 'A002', service: 'SOC', class: 'normal', issued_at_ms: 1, waiting_s: 125 },
    { ticket: 'A003', service: 'SOC', class: 'green', issued_at_ms: 2, waiting_s: 60 },
  ],
  held: [{ ticket: 'A000', service: 'SOC' }],
  services: [
    { code: 'SOC', name_zh: '社保业务', name_en: 'Social insurance' },
    { code: 'TAX', name_zh: '税务办理', name_en: 'Tax' },
  ],
  windows: [{ id: '4', name_zh: '4号窗口', name_en: 'Window 4' }],
  ...patch,
});

const calling = view({
  window: win('3', { state: 'calling', ticket: 'A002' }),
  current: {
    ticket: 'A002',
    service: 'SOC',
    state: 'called',
    class: 'normal',
    channel: 'walkin',
    issued_at_ms: new Date(2026, 0, 5, 9, 0).getTime(),
    recalls: 1,
    no_shows: 0,
    calls: [
      { window: '3', at_ms: new Date(2026, 0, 5, 9, 10).getTime(), specific: false, reason: '', rule: '先到先办' },
      { window: '4', at_ms: new Date(2026, 0, 5, 9, 12).getTime(), specific: true, reason: '老人行动不便', rule: '' },
    ],
  },
  queue: [{ ticket: 'A003', service: 'SOC', class: 'green', issued_at_ms: 2, waiting_s: 60 }],
});

/** What GET /counter answers now; the action routes of a test change it. */
const server = { view: view() };

/** An action answering `body` and moving the window to `next`. */
const moves = (next: CounterView, body: unknown = {}): Route => () => {
  server.view = next;
  return { status: 200, body };
};

/** The daemon's counter routes. */
function counterApi(first: CounterView, extra: Record<string, Route> = {}) {
  server.view = first;
  return fakeFetch({
    'GET /api/v1/hall': { status: 200, body: hallOf([service()], [win('3'), win('4', { officer: null, officer_name: null })]) },
    'GET /api/v1/board': { status: 200, body: boardOf([win('3')]) },
    'POST /api/v1/sessions': { status: 201, body: session },
    'GET /api/v1/counter': (call) =>
      call.auth === `Bearer ${TOKEN}` ? { status: 200, body: server.view } : apiError(401, 'unauthorized'),
    'DELETE /api/v1/sessions/current': { status: 204 },
    ...extra,
  });
}

const actions = (calls: { method: string; url: string; body: unknown }[]) =>
  calls.filter((c) => c.url.startsWith('/api/v1/counter/')).map((c) => [c.url.slice('/api/v1/counter/'.length), c.body]);

async function loggedIn(first: CounterView, extra: Record<string, Route> = {}, windowId: string | null = '3') {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  const calls = counterApi(first, extra);
  render(<CounterScreen window={windowId} />);
  await settleAll();
  return calls;
}

const key = (k: string, target: Element | Document = document.body) => fireEvent.keyDown(target, { key: k });

beforeEach(() => {
  useFakeTime();
  fakeWebSocket();
  sessionStorage.clear();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('counter: login', () => {
  it('logs in with 工号, PIN and a window chosen from /hall, and keeps the token in sessionStorage', async () => {
    const calls = counterApi(view());
    render(<CounterScreen window={null} />);
    await settle();
    const select = screen.getByTestId('counter-login-window') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', '3', '4']);
    fireEvent.input(screen.getByTestId('counter-login-officer'), { target: { value: '1024' } });
    fireEvent.input(screen.getByTestId('counter-login-pin'), { target: { value: '246810' } });
    fireEvent.click(screen.getByTestId('counter-login-submit'));
    expect(screen.getByTestId('counter-login-error').textContent).toContain('请输入工号、密码并选择窗口');
    fireEvent.change(select, { target: { value: '3' } });
    fireEvent.click(screen.getByTestId('counter-login-submit'));
    await settleAll();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({
      url: '/api/v1/sessions',
      body: { officer: '1024', pin: '246810', window: '3' },
    });
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY)!).token).toBe(TOKEN);
    expect(screen.getByTestId('counter-state').getAttribute('data-state')).toBe('idle');
    expect(screen.getByText('王芳（工号 1024）')).toBeTruthy();
    expect(calls.find((c) => c.url === '/api/v1/counter')!.auth).toBe(`Bearer ${TOKEN}`);
  });

  it('takes the window from the URL (no select) and says when the PIN is wrong', async () => {
    counterApi(view(), { 'POST /api/v1/sessions': apiError(401, 'bad_credentials', 'wrong 工号 or PIN') });
    render(<CounterScreen window="3" />);
    await settle();
    expect(screen.queryByTestId('counter-login-window')).toBeNull();
    expect(screen.getByText('登录到 3号窗口')).toBeTruthy();
    fireEvent.input(screen.getByTestId('counter-login-officer'), { target: { value: '1024' } });
    fireEvent.input(screen.getByTestId('counter-login-pin'), { target: { value: '000000' } });
    fireEvent.click(screen.getByTestId('counter-login-submit'));
    await settle();
    const error = screen.getByTestId('counter-login-error');
    expect(error.textContent).toContain('工号或密码错误');
    expect(error.textContent).toContain('Wrong officer number or PIN');
    expect((screen.getByTestId('counter-login-pin') as HTMLInputElement).value).toBe('');
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('says when logins are locked', async () => {
    counterApi(view(), { 'POST /api/v1/sessions': apiError(429, 'login_locked', 'try again in 5 minutes') });
    render(<CounterScreen window="3" />);
    await settle();
    fireEvent.input(screen.getByTestId('counter-login-officer'), { target: { value: '1024' } });
    fireEvent.input(screen.getByTestId('counter-login-pin'), { target: { value: '1' } });
    fireEvent.click(screen.getByTestId('counter-login-submit'));
    await settle();
    expect(screen.getByTestId('counter-login-error').textContent).toContain('密码错误次数过多');
    expect(screen.getByTestId('counter-login-error').textContent).toContain('try again in 5 minutes');
  });

  it('goes back to the login with a message on a 401, and forgets the token', async () => {
    await loggedIn(view(), { 'POST /api/v1/counter/call-next': apiError(401, 'unauthorized') });
    fireEvent.click(screen.getByTestId('counter-call-next'));
    await settle();
    expect(screen.getByTestId('counter-login-error').textContent).toContain('登录已失效，请重新登录');
    expect(screen.queryByTestId('counter-call-next')).toBeNull();
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('a stale token in storage gets the login at once', async () => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ ...session, token: 'old' }));
    counterApi(view());
    render(<CounterScreen window="3" />);
    await settleAll();
    expect(screen.getByTestId('counter-login-error').textContent).toContain('登录已失效');
  });

  it('logs out', async () => {
    const calls = await loggedIn(view());
    fireEvent.click(screen.getByTestId('counter-logout'));
    await settle();
    expect(calls.find((c) => c.method === 'DELETE')).toMatchObject({ url: '/api/v1/sessions/current', auth: `Bearer ${TOKEN}` });
    expect(screen.getByTestId('counter-login-submit')).toBeTruthy();
    expect(screen.queryByTestId('counter-login-error')).toBeNull();
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('stays logged in when logout is refused (a ticket in hand)', async () => {
    await loggedIn(calling, { 'DELETE /api/v1/sessions/current': apiError(409, 'window_busy') });
    fireEvent.click(screen.getByTestId('counter-logout'));
    await settle();
    expect(screen.getByTestId('counter-error').textContent).toContain('本窗口还有号码未处理完');
    expect(screen.getByTestId('counter-current-ticket').textContent).toBe('A002');
  });
});

describe('counter: the window', () => {
  it('shows the current ticket with its history, the queue and the held tickets', async () => {
    await loggedIn(calling);
    expect(screen.getByTestId('counter-current-ticket').textContent).toBe('A002');
    expect(screen.getByTestId('counter-state').getAttribute('data-state')).toBe('calling');
    expect(screen.getByTestId('counter-state').textContent).toBe('呼叫中');
    const history = screen.getByTestId('counter-history').textContent!;
    expect(history).toContain('09:10 由 3号窗口 呼叫');
    expect(history).toContain('规则：先到先办');
    expect(history).toContain('09:12 由 4号窗口 呼叫');
    expect(history).toContain('理由：老人行动不便');
    expect(document.body.textContent).toContain('重呼 1 次 · 过号 0 次');
    expect(screen.getAllByTestId('counter-queue-item').map((e) => e.getAttribute('data-ticket'))).toEqual(['A003']);
    expect(screen.getByTestId('counter-queue').textContent).toContain('绿色通道');
    expect(screen.getByTestId('counter-held-item').getAttribute('data-ticket')).toBe('A000');
  });

  it('runs the actions by button, refreshing after each', async () => {
    const serving = { ...calling, window: win('3', { state: 'serving', ticket: 'A002' }) };
    const calls = await loggedIn(view(), {
      'POST /api/v1/counter/call-next': moves(calling, { ticket: 'A002', window: '3', strategy: 'fifo', rule: '' }),
      'POST /api/v1/counter/recall': moves(calling, { ticket: 'A002', recalls: 1 }),
      'POST /api/v1/counter/start': moves(serving, { ticket: 'A002' }),
      'POST /api/v1/counter/finish': moves(view(), { ticket: 'A002', service_s: 300 }),
    });
    expect(screen.queryByTestId('counter-current-ticket')).toBeNull();
    const gets = () => calls.filter((c) => c.url === '/api/v1/counter').length;
    const before = gets();
    fireEvent.click(screen.getByTestId('counter-call-next'));
    await settleAll();
    expect(screen.getByTestId('counter-current-ticket').textContent).toBe('A002');
    expect(screen.getByText('已呼叫 A002')).toBeTruthy();
    expect(gets()).toBe(before + 1);
    fireEvent.click(screen.getByTestId('counter-recall'));
    await settleAll();
    fireEvent.click(screen.getByTestId('counter-start'));
    await settleAll();
    expect(screen.getByTestId('counter-state').getAttribute('data-state')).toBe('serving');
    fireEvent.click(screen.getByTestId('counter-finish'));
    await settleAll();
    expect(screen.queryByTestId('counter-current-ticket')).toBeNull();
    expect(actions(calls)).toEqual([
      ['call-next', {}],
      ['recall', {}],
      ['start', {}],
      ['finish', {}],
    ]);
    expect(gets()).toBe(before + 4);
  });

  it('shows a 409 in both languages', async () => {
    await loggedIn(view(), { 'POST /api/v1/counter/recall': apiError(409, 'no_current_ticket', 'window 3 has no ticket') });
    fireEvent.click(screen.getByTestId('counter-recall'));
    await settle();
    const error = screen.getByTestId('counter-error');
    expect(error.textContent).toContain('本窗口当前没有号码');
    expect(error.textContent).toContain('This window has no current ticket');
    expect(error.textContent).toContain('window 3 has no ticket');
  });

  it('calls a specific number only with a reason', async () => {
    const calls = await loggedIn(view(), {
      'POST /api/v1/counter/call-specific': { status: 200, body: { ticket: 'A003', window: '3', strategy: 'fifo', rule: '' } },
    });
    fireEvent.click(screen.getByTestId('counter-call-specific'));
    fireEvent.input(screen.getByTestId('counter-specific-number'), { target: { value: 'a003' } });
    fireEvent.click(screen.getByTestId('counter-specific-confirm'));
    expect(screen.getByTestId('counter-error').textContent).toContain('请填写号码和理由');
    expect(actions(calls)).toEqual([]);
    fireEvent.input(screen.getByTestId('counter-specific-reason'), { target: { value: '老人行动不便' } });
    fireEvent.click(screen.getByTestId('counter-specific-confirm'));
    await settle();
    expect(actions(calls)).toEqual([['call-specific', { number: 'A003', reason: '老人行动不便' }]]);
    expect(screen.queryByTestId('counter-specific-number')).toBeNull();
  });

  it('transfers to a service and/or a window', async () => {
    const calls = await loggedIn(calling, { 'POST /api/v1/counter/transfer': { status: 200, body: { ticket: 'A002' } } });
    fireEvent.click(screen.getByTestId('counter-transfer'));
    fireEvent.click(screen.getByTestId('counter-transfer-confirm'));
    expect(screen.getByTestId('counter-error').textContent).toContain('请选择转到的业务或窗口');
    fireEvent.change(screen.getByTestId('counter-transfer-service'), { target: { value: 'TAX' } });
    fireEvent.change(screen.getByTestId('counter-transfer-window'), { target: { value: '4' } });
    fireEvent.click(screen.getByTestId('counter-transfer-front'));
    fireEvent.click(screen.getByTestId('counter-transfer-confirm'));
    await settle();
    expect(actions(calls)).toEqual([['transfer', { to_service: 'TAX', to_window: '4', to_front: true }]]);
  });

  it('pauses with a message of at most 200 bytes, then resumes', async () => {
    const paused = view({ window: win('3', { state: 'paused', paused_message: '午休，14:00 恢复' }) });
    const calls = await loggedIn(view(), {
      'POST /api/v1/counter/pause': moves(paused),
      'POST /api/v1/counter/resume': moves(view()),
    });
    fireEvent.click(screen.getByTestId('counter-pause'));
    fireEvent.input(screen.getByTestId('counter-pause-message'), { target: { value: '午'.repeat(67) } });
    expect(document.body.textContent).toContain('201/200 字节');
    expect((screen.getByTestId('counter-pause-confirm') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.input(screen.getByTestId('counter-pause-message'), { target: { value: '午休，14:00 恢复' } });
    fireEvent.click(screen.getByTestId('counter-pause-confirm'));
    await settleAll();
    expect(screen.getByTestId('counter-state').getAttribute('data-state')).toBe('paused');
    expect(document.body.textContent).toContain('暂停说明：午休，14:00 恢复');
    expect(screen.queryByTestId('counter-pause')).toBeNull();
    fireEvent.click(screen.getByTestId('counter-resume'));
    await settleAll();
    expect(actions(calls)).toEqual([
      ['pause', { message: '午休，14:00 恢复' }],
      ['resume', {}],
    ]);
    expect(screen.getByTestId('counter-state').getAttribute('data-state')).toBe('idle');
  });

  it('holds, then calls back from the held list', async () => {
    const calls = await loggedIn(calling, {
      'POST /api/v1/counter/hold': { status: 200, body: { ticket: 'A002' } },
      'POST /api/v1/counter/call-back': { status: 200, body: { ticket: 'A000', window: '3', strategy: 'fifo', rule: '' } },
      'POST /api/v1/counter/no-show': { status: 200, body: { ticket: 'A002', abandoned: false } },
    });
    fireEvent.click(screen.getByTestId('counter-hold'));
    await settle();
    fireEvent.click(screen.getByTestId('counter-call-back'));
    await settle();
    fireEvent.click(screen.getByTestId('counter-no-show'));
    await settle();
    expect(actions(calls)).toEqual([
      ['hold', {}],
      ['call-back', { number: 'A000' }],
      ['no-show', {}],
    ]);
  });

  it('refreshes on stream events', async () => {
    const calls = await loggedIn(view());
    expect(screen.queryByTestId('counter-current-ticket')).toBeNull();
    server.view = calling; // another screen's doing: only the stream tells
    await streamSend({ seq: 11, type: 'queue.ticket_called', at_ms: 1, payload: { id: 2, window: '3', ticket: 'A002', service: 'SOC' } });
    await settleAll();
    expect(screen.getByTestId('counter-current-ticket').textContent).toBe('A002');
    expect(calls.filter((c) => c.url === '/api/v1/counter').length).toBeGreaterThanOrEqual(2);
  });
});

describe('counter: keyboard', () => {
  const ok: Answer = { status: 200, body: {} };
  it('runs actions by key, not while typing, and documents the keys', async () => {
    const calls = await loggedIn(view(), {
      'POST /api/v1/counter/call-next': ok,
      'POST /api/v1/counter/recall': ok,
      'POST /api/v1/counter/start': ok,
      'POST /api/v1/counter/no-show': ok,
      'POST /api/v1/counter/finish': ok,
      'POST /api/v1/counter/hold': ok,
    });
    for (const k of ['F1', ' ', 'r', 'S', 'n', 'f', 'h']) {
      key(k);
      await settle();
    }
    expect(actions(calls).map((a) => a[0])).toEqual(['call-next', 'call-next', 'recall', 'start', 'no-show', 'finish', 'hold']);

    // C opens 选呼; keys typed into its fields are text, not actions; Esc closes it.
    key('c');
    const number = screen.getByTestId('counter-specific-number');
    key('r', number);
    key('Escape');
    expect(screen.queryByTestId('counter-specific-number')).toBeNull();
    key('t');
    expect(screen.getByTestId('counter-transfer-confirm')).toBeTruthy();
    key('Escape');
    key('p');
    expect(screen.getByTestId('counter-pause-message')).toBeTruthy();
    key('Escape');
    fireEvent.keyDown(document.body, { key: 'r', ctrlKey: true });
    await settle();
    expect(actions(calls).length).toBe(7);

    const legend = document.querySelector('.counter-shortcuts')!.textContent!;
    for (const text of ['F1 / Space', '呼叫下一位', 'R', '重呼', 'S', '开始办理', 'N', '过号', 'F', '办结', 'H', '挂起', 'P', '暂停服务']) {
      expect(legend).toContain(text);
    }
  });

  it('P resumes a paused window', async () => {
    const calls = await loggedIn(view({ window: win('3', { state: 'paused' }) }), { 'POST /api/v1/counter/resume': ok });
    key('p');
    await settle();
    expect(actions(calls)).toEqual([['resume', {}]]);
  });
});

describe('counter: messages', () => {
  it('has words in both languages for every code', () => {
    for (const code of [...COUNTER_ERROR_CODES, 'internal', 'anything_new']) {
      const k = counterErrorKey(code);
      expect(translate('zh-CN', k)).toBeTruthy();
      expect(translate('en', k)).toBeTruthy();
    }
    expect(counterErrorKey('anything_new')).toBe('counter.error.other');
  });
});
