import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceInfo, StatusResponse } from '../src/api/types';
import { DEVICES_REFRESH_MS, StatusScreen } from '../src/screens/StatusScreen';
import { boardOf, fakeFetch, fakeWebSocket, hallOf, service, settle, settleAll, streamSend, useFakeTime, win } from './helpers';

const device = (id: string, patch: Partial<DeviceInfo> = {}): DeviceInfo => ({
  id,
  class: 'ticket_printer',
  driver: 'sim',
  location: '一楼大厅',
  window: null,
  state: 'online',
  fault: '',
  detail: '',
  since_ms: 1,
  ...patch,
});

const status: StatusResponse = {
  node: 'hall-1',
  hall: 'demo',
  role: 'controller',
  version: '0.3.0',
  started_at_ms: 1,
  seq: 10,
  queue: { waiting: 4, windows_open: 2, tickets_today: 17 },
  sync: { state: 'standalone' },
  devices: { count: 2 },
};

beforeEach(() => {
  useFakeTime();
  fakeWebSocket();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('status', () => {
  it('shows the node, the queue and every device, and refreshes the devices every 5 s and on device events', async () => {
    let devices = [device('printer-1'), device('id-reader-1', { class: 'id_card_reader', state: 'faulted', fault: 'sam_error', window: '3' })];
    const calls = fakeFetch({
      'GET /api/v1/status': { status: 200, body: status },
      'GET /api/v1/devices': () => ({ status: 200, body: { devices, unbound: [], hotplug: 'running' } }),
      'GET /api/v1/board': { status: 200, body: boardOf([win('3')]) },
      'GET /api/v1/hall': { status: 200, body: hallOf([service()]) },
    });
    render(<StatusScreen />);
    await settleAll();
    expect(document.body.textContent).toContain('hall-1');
    expect(document.body.textContent).toContain('standalone');
    const queue = screen.getByTestId('status-queue').textContent!;
    expect(queue).toContain('17');
    expect(queue).toContain('社保业务');
    const rows = screen.getAllByTestId('status-device');
    // Trouble first.
    expect(rows.map((r) => [r.getAttribute('data-device'), r.getAttribute('data-state')])).toEqual([
      ['id-reader-1', 'faulted'],
      ['printer-1', 'online'],
    ]);
    expect(rows[0]!.textContent).toContain('身份证读卡器');
    expect(rows[0]!.textContent).toContain('故障');
    expect(rows[0]!.textContent).toContain('sam_error');
    expect(rows[0]!.textContent).toContain('3号窗口');

    devices = [device('printer-1', { state: 'degraded', fault: 'paper_low' }), device('id-reader-1', { class: 'id_card_reader' })];
    await settle(DEVICES_REFRESH_MS);
    await settleAll();
    expect(screen.getAllByTestId('status-device').map((r) => r.getAttribute('data-state'))).toEqual(['degraded', 'online']);

    devices = [device('printer-1', { state: 'offline' }), device('id-reader-1', { class: 'id_card_reader' })];
    const before = calls.filter((c) => c.url === '/api/v1/devices').length;
    await streamSend({ seq: 11, type: 'device.health', at_ms: 1, payload: { device: 'printer-1', state: 'offline' } });
    await settleAll();
    expect(calls.filter((c) => c.url === '/api/v1/devices').length).toBe(before + 1);
    expect(screen.getAllByTestId('status-device')[0]!.getAttribute('data-state')).toBe('offline');
  });
});
