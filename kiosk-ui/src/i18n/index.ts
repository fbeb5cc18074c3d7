// Two message tables, zh-CN (default) and en; t() fills `{name}` placeholders.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export type { MessageKey };
export const DEFAULT_LANG: Lang = 'zh-CN';

export const messages: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = messages[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

export interface I18n {
  lang: Lang;
  t: (key: MessageKey, params?: Params) => string;
}

export function i18nFor(lang: Lang): I18n {
  return { lang, t: (key, params) => translate(lang, key, params) };
}

export const I18nContext = createContext<I18n>(i18nFor(DEFAULT_LANG));
export const useI18n = (): I18n => useContext(I18nContext);

/** Chinese name or English name of an API object (`name_zh` / `name_en`). */
export function pick<T extends string>(lang: Lang, zh: T, enText: T): T {
  return lang === 'en' && enText ? enText : zh;
}

/** Estimated wait as words: "约 12 分钟" / "about 12 min"; rounded up to whole minutes. */
export function waitText(lang: Lang, waitingCount: number, seconds: number): string {
  if (waitingCount <= 0) return translate(lang, 'wait.none');
  // People wait but no service time is measured yet: never claim "no wait".
  if (seconds <= 0) return translate(lang, 'wait.unknown');
  return translate(lang, 'wait.minutes', { n: Math.max(1, Math.ceil(seconds / 60)) });
}

/** Whether `key` is in the tables (for keys built from API words: `counter.state.${state}`). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(messages[DEFAULT_LANG], key);
}

/** The message for a key built from an API word, or the word itself when there is none. */
export function labelFor(lang: Lang, key: string, fallback: string): string {
  return isMessageKey(key) ? translate(lang, key) : fallback;
}
