// The window's current ticket with its history: every call (time, window, chosen with a reason,
// the rule that picked it), recalls and no-shows.
import type { CounterView } from '../../api/types';
import { labelFor, pick, useI18n } from '../../i18n';
import { clock } from '../../lib/format';

export function serviceName(view: CounterView, code: string, lang: 'zh-CN' | 'en'): string {
  const s = view.services.find((x) => x.code === code);
  return s ? pick(lang, s.name_zh, s.name_en) : code;
}

function windowName(view: CounterView, id: string, lang: 'zh-CN' | 'en'): string {
  if (id === view.window.id) return pick(lang, view.window.name_zh, view.window.name_en);
  const w = view.windows.find((x) => x.id === id);
  return w ? pick(lang, w.name_zh, w.name_en) : id;
}

export function CurrentTicket(props: { view: CounterView }) {
  const { t, lang } = useI18n();
  const { view } = props;
  const c = view.current;
  if (!c) {
    return (
      <section class="counter-current counter-current--none">
        <h2>{t('counter.current')}</h2>
        <p class="counter-current__none">{t('counter.current.none')}</p>
      </section>
    );
  }
  return (
    <section class="counter-current">
      <h2>{t('counter.current')}</h2>
      <div class="counter-current__head">
        <span class="counter-current__number" data-testid="counter-current-ticket">
          {c.ticket}
        </span>
        <span class="counter-current__service">{serviceName(view, c.service, lang)}</span>
      </div>
      <p class="counter-current__meta">
        <span class={`tag tag--${c.class}`}>{labelFor(lang, `counter.class.${c.class}`, c.class)}</span>
        <span class="tag">{labelFor(lang, `counter.channel.${c.channel}`, c.channel)}</span>
        <span>{t('counter.ticket.issued', { time: clock(c.issued_at_ms) })}</span>
        <span>{t('counter.ticket.counts', { recalls: c.recalls, no_shows: c.no_shows })}</span>
      </p>
      <h3>{t('counter.history')}</h3>
      {c.calls.length === 0 ? (
        <p class="counter-muted">{t('counter.history.none')}</p>
      ) : (
        <ol class="counter-history" data-testid="counter-history">
          {c.calls.map((call, i) => (
            <li key={`${call.at_ms}:${i}`}>
              <span>{t('counter.history.at', { time: clock(call.at_ms), window: windowName(view, call.window, lang) })}</span>
              {call.specific && <span class="tag">{t('counter.history.specific', { reason: call.reason })}</span>}
              {call.rule && <span class="counter-muted">{t('counter.history.rule', { rule: call.rule })}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
