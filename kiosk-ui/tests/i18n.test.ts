import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import { translate, waitText } from '../src/i18n';

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
});
