import { cleanup, render, screen } from '@testing-library/preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BoardSnapshot, HallResponse, WindowInfo } from '../src/api/types';
import { HallScreen, HIGHLIGHT_MS } from '../src/screens/HallScreen';
import { WindowScreen } from '../src/screens/WindowScreen';

const win = (id: string, patch: Partial<WindowInfo> = {}): WindowInfo => ({
  id,
  name_zh: `${id}号窗口`,
  name_en: `Window ${id}`,
  serves: ['SOC'],
  state: 'idle',
  ticket: null,
  officer: '1024',
  paused_message: null,
  ...patch,
});

const board: BoardSnapshot = {
  seq: 10,
  calls: [{ ticket: 'A001', window: '3', at_ms: 1000, recall: 0 }],
  windows: [
    win('3', { state: 'serving', ticket: 'A001' }),
    win('5', { state: 'paused', paused_message: '暂停服务，请到3号窗口' }),
  ],
  services: [{ code: 'SOC', waiting: 4, estimated_wait_s: 720 }],
};
const hall: HallResponse = {
  hall: { name_zh: '示例政务服务中心', name_en: 'Demo service hall' },
  services: [
    {
      code: 'SOC', name_zh: '社保业务', name_en: 'Social insurance', prefix: 'A', group_zh: '', group_en: '',
      open: true, closed_reason: null, waiting: 4, estimated_wait_s: 720, materials_zh: [], materials_en: [],
    },
  ],
  windows: board.windows,
};

const sockets: { url: string; onmessage: ((e: { data: string }) => void) | null }[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  sockets.length = 0;
  vi.stubGlobal('fetch', async (url: string) => {
    const body = url === '/api/v1/board' ? board : url === '/api/v1/hall' ? hall : undefined;
    if (!body) throw new TypeError('Failed to fetch');
    return { ok: true, status: 200, json: async () => body } as unknown as Response;
  });
  vi.stubGlobal(
    'WebSocket',
    class {
      onopen = null;
      onclose = null;
      onerror = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      constructor(readonly url: string) {
        sockets.push(this);
      }
      close() {}
    },
  );
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = (ms = 0) =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });

const send = (msg: unknown) =>
  act(() => {
    sockets[sockets.length - 1]!.onmessage?.({ data: JSON.stringify(msg) });
  });

describe('hall screen', () => {
  it('shows calls, queues and pauses, and highlights a new call for a while', async () => {
    render(<HallScreen />);
    await settle();
    expect(sockets[0]!.url).toMatch(/\/api\/v1\/stream\?after=10$/);
    expect(document.querySelector('.call-tile__ticket')!.textContent).toBe('A001');
    expect(screen.getByText('示例政务服务中心')).toBeTruthy(); // the hall's name, from /hall
    const current = () => screen.getAllByTestId('hall-call').map((e) => [e.getAttribute('data-ticket'), e.getAttribute('data-window')]);
    expect(current()).toEqual([['A001', '3']]);
    expect(screen.getByTestId('hall-paused-message').textContent).toBe('暂停服务，请到3号窗口');
    expect(document.querySelector('.queue-table')!.textContent).toContain('社保业务');
    expect(document.querySelector('.queue-table')!.textContent).toContain('约 12 分钟');
    expect(screen.getByText('暂停服务，请到3号窗口')).toBeTruthy();
    expect(document.querySelector('.call-tile--fresh')).toBeNull();

    await send({ seq: 11, type: 'ticket.called', at_ms: 2000, payload: { ticket: 'A002', window: '5', service: 'SOC' } });
    const tiles = [...document.querySelectorAll('.call-tile')];
    expect(tiles.map((t) => t.querySelector('.call-tile__ticket')!.textContent)).toEqual(['A002', 'A001']);
    expect(tiles[0]!.classList.contains('call-tile--fresh')).toBe(true);
    expect(tiles[0]!.textContent).toContain('新呼叫'); // said in words, not only by colour
    expect(current()).toEqual([['A002', '5'], ['A001', '3']]);
    expect(document.querySelector('.queue-table__num')!.textContent).toBe('3');

    await settle(HIGHLIGHT_MS + 1000);
    expect(document.querySelector('.call-tile--fresh')).toBeNull();
    expect(screen.queryByTestId('hall-notice')).toBeNull(); // this hall has no notice
  });

  it("shows the hall's notice along the bottom, in both languages", async () => {
    hall.hall.notice_zh = '请携带身份证原件';
    hall.hall.notice_en = 'Please bring your ID card';
    try {
      render(<HallScreen />);
      await settle();
      const notice = screen.getByTestId('hall-notice');
      expect(notice.textContent).toContain('请携带身份证原件');
      expect(notice.textContent).toContain('Please bring your ID card');
    } finally {
      delete hall.hall.notice_zh;
      delete hall.hall.notice_en;
    }
  });
});

describe('window screen', () => {
  it("shows the window's number and officer, then its pause message", async () => {
    render(<WindowScreen id="3" />);
    await settle();
    expect(screen.getByTestId('window-ticket').textContent).toBe('A001');
    expect(screen.getByText('工号 1024')).toBeTruthy();
    expect(screen.getByTestId('window-officer').textContent).not.toContain('王芳'); // no name known
    expect(screen.getByText('社保业务')).toBeTruthy();
    await send({ seq: 11, type: 'queue.service_finished', at_ms: 2000, payload: { id: 1, window: '3', service_ms: 1 } });
    await send({ seq: 12, type: 'queue.window_paused', at_ms: 2001, payload: { window: '3', message: '午休，14:00 恢复' } });
    expect(screen.queryByTestId('window-ticket')).toBeNull();
    expect(screen.getByTestId('window-paused-message').textContent).toBe('午休，14:00 恢复');
  });

  it('says so when the window does not exist', async () => {
    render(<WindowScreen id="42" />);
    await settle();
    expect(screen.getByText('没有编号为 42 的窗口')).toBeTruthy();
  });
});

describe('window screen: officer name', () => {
  it("shows the officer's name, and fetches it again after another officer logs in", async () => {
    let hallWindows = [win('3', { officer: '1024', officer_name: '王芳' })];
    vi.stubGlobal('fetch', async (url: string) => {
      const body =
        url === '/api/v1/board'
          ? { ...board, windows: [win('3', { officer: '1024', officer_name: '王芳' })] }
          : url === '/api/v1/hall'
            ? { ...hall, windows: hallWindows }
            : undefined;
      if (!body) throw new TypeError('Failed to fetch');
      return { ok: true, status: 200, json: async () => body } as unknown as Response;
    });
    render(<WindowScreen id="3" />);
    await settle();
    expect(screen.getByTestId('window-officer').textContent).toContain('王芳');
    expect(screen.getByTestId('window-officer').textContent).toContain('工号 1024');

    hallWindows = [win('3', { officer: '2048', officer_name: '李明' })];
    await send({ seq: 11, type: 'queue.officer_logged_out', at_ms: 2, payload: { window: '3' } });
    await send({ seq: 12, type: 'queue.officer_logged_in', at_ms: 3, payload: { window: '3', officer: '2048' } });
    await settle();
    await settle();
    expect(screen.getByTestId('window-officer').textContent).toContain('李明');
    expect(screen.getByTestId('window-officer').textContent).toContain('工号 2048');
  });
});
