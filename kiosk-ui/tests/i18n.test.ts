/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import { isMessageKey, labelFor, translate, waitText } from '../src/i18n';
import { REASONS, SCORES } from '../src/screens/evaluator/RatingForm';

describe('message tables', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('have no empty message and the same placeholders in both languages', () => {
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(en[key]), key).toEqual(names(zhCN[key]));
    }
  });

  it('hold every key the sources name', () => {
    const sources = import.meta.glob('../src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
    const used = new Set<string>();
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/['"`]((?:app|lang|wait|hall|window|kiosk|counter|evaluator|status)\.[A-Za-z0-9_.-]+)['"`]/g)) {
        used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !isMessageKey(k) && !k.endsWith('.'));
    expect(missing).toEqual([]);
  });

  it('hold every key built from the API\'s words', () => {
    const built = [
      ...['logged_out', 'idle', 'calling', 'serving', 'paused', 'attendance_anomaly'].map((s) => `counter.state.${s}`),
      ...['normal', 'green', 'vip', 'appointment'].map((c) => `counter.class.${c}`),
      ...['walkin', 'idcard', 'phone', 'appointment', 'priority_code', 'remote', 'sticker'].map((c) => `counter.channel.${c}`),
      ...['absent', 'probing', 'online', 'degraded', 'faulted', 'offline'].map((s) => `status.deviceState.${s}`),
      ...['ticket_printer', 'id_card_reader', 'document_camera', 'barcode_scanner', 'evaluator', 'window_display', 'hall_screen', 'speaker'].map(
        (c) => `status.deviceClass.${c}`,
      ),
      ...['outside_hours', 'no_window', 'daily_limit', 'other'].map((r) => `kiosk.closed.${r}`),
      ...SCORES.map((s) => `evaluator.score.${s}`),
      ...REASONS.map((r) => `evaluator.reason.${r}`),
    ];
    expect(built.filter((k) => !isMessageKey(k))).toEqual([]);
    expect(labelFor('en', 'counter.state.no_such_state', 'no_such_state')).toBe('no_such_state');
  });

  it('fill placeholders', () => {
    expect(translate('zh-CN', 'hall.callLine', { ticket: 'A001', window: '3号窗口' })).toBe(
      '请 A001 号到 3号窗口 办理',
    );
    expect(translate('en', 'wait.people', { n: 4 })).toBe('4 waiting');
  });

  it('say the wait in whole minutes, rounded up', () => {
    expect(waitText('zh-CN', 4, 720)).toBe('约 12 分钟');
    expect(waitText('en', 1, 61)).toBe('about 2 min');
    expect(waitText('en', 0, 720)).toBe('No wait');
  });

  it('never say "no wait" while people wait and no service time is measured yet', () => {
    expect(waitText('zh-CN', 2, 0)).toBe('等候时间估算中');
    expect(waitText('en', 2, 0)).toBe('wait time being estimated');
  });
});
