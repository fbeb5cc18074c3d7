import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HallResponse, ServiceInfo } from '../src/api/types';
import { INACTIVITY_MS, KioskScreen } from '../src/screens/KioskScreen';

const service = (patch: Partial<ServiceInfo>): ServiceInfo => ({
  code: 'SOC',
  name_zh: '社保业务',
  name_en: 'Social insurance',
  prefix: 'A',
  group_zh: '人社',
  group_en: 'Human resources',
  open: true,
  closed_reason: null,
  waiting: 4,
  estimated_wait_s: 720,
  materials_zh: ['身份证', '社保卡'],
  materials_en: ['ID card', 'Social security card'],
  ...patch,
});

const hall: HallResponse = {
  hall: { name_zh: '示例政务服务中心', name_en: 'Demo service hall' },
  services: [
    service({}),
    service({
      code: 'RE',
      name_zh: '不动产登记（含抵押登记、预告登记、更正登记及异议登记）',
      name_en: 'Real estate registration',
      prefix: 'B',
      group_zh: '不动产',
      group_en: 'Real estate',
      open: false,
      closed_reason: 'daily_limit',
      waiting: 30,
      materials_zh: [],
      materials_en: [],
    }),
  ],
  windows: [],
};

interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** A fetch that answers from a table; records the calls. */
function fakeFetch(answers: Record<string, { status: number; body: unknown }>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push({ method, url, body: init?.body ? JSON.parse(init.body as string) : undefined });
    const a = answers[`${method} ${url}`];
    if (!a) throw new TypeError('Failed to fetch');
    return {
      ok: a.status >= 200 && a.status < 300,
      status: a.status,
      statusText: '',
      json: async () => a.body,
      text: async () => JSON.stringify(a.body),
    } as unknown as Response;
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}

/** Lets pending promises (the mocked fetches) resolve and Preact re-render. */
const settle = () =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(0);
  });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('kiosk', () => {
  it('takes a ticket by touch and shows the number and what to bring', async () => {
    const calls = fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': {
        status: 201,
        body: { ticket: 'A005', service: 'SOC', waiting_ahead: 4, estimated_wait_s: 720, issued_at_ms: 1 },
      },
    });
    render(<KioskScreen />);
    await settle();
    expect(screen.getByText('示例政务服务中心')).toBeTruthy();
    const button = screen.getByRole('button', { name: /社保业务/ });
    expect(button.textContent).toContain('等候 4 人');
    expect(button.textContent).toContain('约 12 分钟');

    fireEvent.click(button);
    fireEvent.click(button); // a double touch takes one ticket
    await settle();
    expect(calls.filter((c) => c.method === 'POST')).toEqual([
      { method: 'POST', url: '/api/v1/tickets', body: { service: 'SOC' } },
    ]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');
    expect(screen.getByText('前面还有 4 人', { exact: false })).toBeTruthy();
    expect(screen.getByText('身份证')).toBeTruthy();
    expect(screen.getByText('社保卡')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '完成' }));
    expect(screen.queryByTestId('ticket-number')).toBeNull();
    expect(screen.getByRole('button', { name: /社保业务/ })).toBeTruthy();
  });

  it('shows a closed service with its reason, not as a button', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    expect(screen.queryByRole('button', { name: /不动产登记/ })).toBeNull();
    const tile = document.querySelector('[data-service="RE"]') as HTMLElement;
    expect(tile.getAttribute('aria-disabled')).toBe('true');
    expect(tile.textContent).toContain('暂停取号');
    expect(tile.textContent).toContain('今日号已取完');
  });

  it('explains a refusal of the daemon (service closed meanwhile)', async () => {
    fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': {
        status: 409,
        body: { error: { code: 'service_closed', message: 'service "SOC" is closed' } },
      },
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: /社保业务/ }));
    await settle();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('取号未成功');
    expect(alert.textContent).toContain('该业务现在不能取号');
    expect(screen.queryByTestId('ticket-number')).toBeNull();
  });

  it('switches to English and to large type', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: '切换为英文' }));
    expect(screen.getByText('Demo service hall')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Social insurance/ }).textContent).toContain('4 waiting');
    expect(document.querySelector('[data-service="RE"]')!.textContent).toContain("Today's numbers are all taken");

    const large = screen.getByRole('button', { name: 'Switch large text' });
    fireEvent.click(large);
    expect(large.getAttribute('aria-pressed')).toBe('true');
    expect(document.querySelector('main')!.classList.contains('kiosk--elderly')).toBe(true);
  });

  it('goes back to the start after 60 s without a touch', async () => {
    fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': {
        status: 201,
        body: { ticket: 'A005', service: 'SOC', waiting_ahead: 4, estimated_wait_s: 720, issued_at_ms: 1 },
      },
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: '切换为英文' }));
    fireEvent.click(screen.getByRole('button', { name: /Social insurance/ }));
    await settle();
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');

    // A touch 50 s in restarts the 60 s.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(50_000);
    });
    fireEvent.pointerDown(document.body);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(INACTIVITY_MS - 1000);
    });
    expect(screen.getByTestId('ticket-number')).toBeTruthy();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    expect(screen.queryByTestId('ticket-number')).toBeNull();
    // The start page, in Chinese again for the next citizen.
    expect(screen.getByRole('button', { name: /社保业务/ })).toBeTruthy();
  });
});
