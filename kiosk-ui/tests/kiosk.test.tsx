import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HallResponse } from '../src/api/types';
import { INACTIVITY_MS, KioskScreen } from '../src/screens/KioskScreen';
import { fakeFetch, hallOf, service, settle, useFakeTime } from './helpers';

const hall: HallResponse = hallOf([
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
  service({
    code: 'TAX',
    name_zh: '税务办理',
    name_en: 'Tax',
    prefix: 'C',
    group_zh: '',
    group_en: '',
    waiting: 0,
    estimated_wait_s: 0,
  }),
]);

const issued = { status: 201, body: { ticket: 'A005', service: 'SOC', waiting_ahead: 4, estimated_wait_s: 720, issued_at_ms: 1 } };

beforeEach(useFakeTime);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('kiosk', () => {
  it('takes a ticket by touch and shows the number and what to bring', async () => {
    const calls = fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': issued });
    render(<KioskScreen />);
    await settle();
    expect(screen.getByText('示例政务服务中心')).toBeTruthy();
    const button = screen.getByTestId('kiosk-service-SOC');
    expect(button.textContent).toContain('等候 4 人');
    expect(button.textContent).toContain('约 12 分钟');

    fireEvent.click(button);
    expect(screen.getByText('请选择取号方式')).toBeTruthy();
    const touch = screen.getByTestId('kiosk-take-touch');
    fireEvent.click(touch);
    fireEvent.click(touch); // a double touch takes one ticket
    await settle();
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/tickets', { service: 'SOC' }],
    ]);
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');
    expect(screen.getByText('前面还有 4 人', { exact: false })).toBeTruthy();
    expect(screen.getByText('身份证')).toBeTruthy();
    expect(screen.getByText('社保卡')).toBeTruthy();

    fireEvent.click(screen.getByTestId('kiosk-ticket-done'));
    expect(screen.queryByTestId('ticket-number')).toBeNull();
    expect(screen.getByTestId('kiosk-service-SOC')).toBeTruthy();
  });

  it('groups services, those without a group under "other services"', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    const titles = [...document.querySelectorAll('.service-group__title')].map((h) => h.textContent);
    expect(titles).toEqual(['人社', '不动产', '其他业务']);
    expect(document.querySelectorAll('.service-group').length).toBe(3);
    expect(screen.getByTestId('kiosk-service-TAX').textContent).toContain('无需等待');
  });

  it('shows a closed service with its reason, not as a button, and says why when touched', async () => {
    const calls = fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    expect(screen.queryByRole('button', { name: /不动产登记/ })).toBeNull();
    const tile = screen.getByTestId('kiosk-service-RE');
    expect(tile.getAttribute('aria-disabled')).toBe('true');
    expect(tile.textContent).toContain('暂停取号');
    expect(tile.textContent).toContain('今日号已取完');
    fireEvent.click(tile);
    const error = screen.getByTestId('kiosk-error');
    expect(error.textContent).toContain('不动产登记');
    expect(error.textContent).toContain('今日号已取完');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('says why for each closed reason', async () => {
    const reasons = { outside_hours: '不在办理时间', no_window: '暂无窗口办理', daily_limit: '今日号已取完', closed: '暂不能取号' };
    fakeFetch({
      'GET /api/v1/hall': {
        status: 200,
        body: hallOf(
          Object.keys(reasons).map((r, i) => service({ code: `S${i}`, open: false, closed_reason: r })),
        ),
      },
    });
    render(<KioskScreen />);
    await settle();
    Object.values(reasons).forEach((text, i) => {
      expect(screen.getByTestId(`kiosk-service-S${i}`).textContent).toContain(text);
    });
  });

  it('filters services by name in both languages, code and prefix', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    const search = screen.getByTestId('kiosk-search') as HTMLInputElement;
    const shown = () => [...document.querySelectorAll('[data-service]')].map((e) => e.getAttribute('data-service'));
    fireEvent.input(search, { target: { value: '税务' } });
    expect(shown()).toEqual(['TAX']);
    fireEvent.input(search, { target: { value: 'real estate' } });
    expect(shown()).toEqual(['RE']);
    fireEvent.input(search, { target: { value: 'soc' } });
    expect(shown()).toEqual(['SOC']);
    fireEvent.input(search, { target: { value: 'c' } });
    expect(shown()).toEqual(['SOC', 'TAX']); // code SOC, prefix C
    fireEvent.input(search, { target: { value: '护照' } });
    expect(shown()).toEqual([]);
    expect(screen.getByText('没有找到与“护照”相关的业务')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '清除' }));
    expect(shown()).toEqual(['SOC', 'RE', 'TAX']);
  });

  it('explains a refusal of the daemon (service closed meanwhile)', async () => {
    fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': { status: 409, body: { error: { code: 'service_closed', message: 'closed' } } },
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    const alert = screen.getByTestId('kiosk-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('取号未成功');
    expect(alert.textContent).toContain('该业务现在不能取号');
    expect(screen.queryByTestId('ticket-number')).toBeNull();
    // "Try again" goes back to the choice of method for the same service.
    fireEvent.click(screen.getByRole('button', { name: '重试' }));
    expect(screen.getByTestId('kiosk-take-touch')).toBeTruthy();
  });

  it('says when the printer cannot print, and that nothing was issued', async () => {
    fakeFetch({
      'GET /api/v1/hall': { status: 200, body: hall },
      'POST /api/v1/tickets': {
        status: 503,
        body: { error: { code: 'printer_unavailable', message: 'the ticket printer cannot print now (faulted: paper_out)' } },
      },
    });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    expect(screen.getByTestId('kiosk-error').textContent).toContain('取号机暂时无法打印号票');
    expect(screen.queryByTestId('ticket-number')).toBeNull();
  });

  it('asks to take the printed ticket, or says it was not printed', async () => {
    for (const [reply, shown, hidden] of [
      [{ ...issued.body, printed: true }, 'kiosk-ticket-printed', 'kiosk-ticket-unprinted'],
      [{ ...issued.body, printed: false, print_error: 'timeout' }, 'kiosk-ticket-unprinted', 'kiosk-ticket-printed'],
    ] as const) {
      fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': { status: 201, body: reply } });
      render(<KioskScreen />);
      await settle();
      fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
      fireEvent.click(screen.getByTestId('kiosk-take-touch'));
      await settle();
      expect(screen.getByTestId(shown)).toBeTruthy();
      expect(screen.queryByTestId(hidden)).toBeNull();
      cleanup();
    }
  });

  it('switches to English and to large type', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-lang'));
    expect(screen.getByText('Demo service hall')).toBeTruthy();
    expect(screen.getByTestId('kiosk-service-SOC').textContent).toContain('4 waiting');
    expect(screen.getByTestId('kiosk-service-RE').textContent).toContain("Today's numbers are all taken");
    expect(screen.getByText('Human resources')).toBeTruthy();

    const large = screen.getByTestId('kiosk-elderly');
    expect(large.getAttribute('aria-label')).toBe('Switch large text');
    fireEvent.click(large);
    expect(large.getAttribute('aria-pressed')).toBe('true');
    expect(document.querySelector('main')!.classList.contains('kiosk--elderly')).toBe(true);
  });

  it('goes back to the start after 60 s without a touch', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall }, 'POST /api/v1/tickets': issued });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-lang'));
    fireEvent.click(screen.getByTestId('kiosk-elderly'));
    fireEvent.input(screen.getByTestId('kiosk-search'), { target: { value: 'social' } });
    fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
    fireEvent.click(screen.getByTestId('kiosk-take-touch'));
    await settle();
    expect(screen.getByTestId('ticket-number').textContent).toBe('A005');

    // A touch 50 s in restarts the 60 s.
    await settle(50_000);
    fireEvent.pointerDown(document.body);
    await settle(INACTIVITY_MS - 1000);
    expect(screen.getByTestId('ticket-number')).toBeTruthy();

    await settle(1000);
    expect(screen.queryByTestId('ticket-number')).toBeNull();
    // The start page, in Chinese, standard mode, no search, for the next citizen.
    expect(screen.getByTestId('kiosk-service-SOC').textContent).toContain('社保业务');
    expect(screen.getByTestId('kiosk-service-TAX')).toBeTruthy();
    expect((screen.getByTestId('kiosk-search') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('kiosk-elderly').getAttribute('aria-pressed')).toBe('false');
  });

  it('also leaves a half-done flow after 60 s', async () => {
    fakeFetch({ 'GET /api/v1/hall': { status: 200, body: hall } });
    render(<KioskScreen />);
    await settle();
    fireEvent.click(screen.getByTestId('kiosk-service-SOC'));
    fireEvent.click(screen.getByTestId('kiosk-take-phone'));
    fireEvent.click(screen.getByTestId('kiosk-keypad-1'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(INACTIVITY_MS);
    });
    expect(screen.queryByTestId('kiosk-keypad-1')).toBeNull();
    expect(screen.getByTestId('kiosk-service-SOC')).toBeTruthy();
  });
});
