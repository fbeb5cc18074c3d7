// The window's queue (in calling order) and the tickets it held, to call back.
import type { CounterView } from '../../api/types';
import { labelFor, useI18n } from '../../i18n';
import { serviceName } from './CurrentTicket';

export function QueueList(props: { view: CounterView; onPick: (ticket: string) => void }) {
  const { t, lang } = useI18n();
  const { view } = props;
  return (
    <section class="counter-queue">
      <h2>{t('counter.queue', { n: view.queue.length })}</h2>
      {view.queue.length === 0 && <p class="counter-muted">{t('counter.queue.empty')}</p>}
      <ol class="counter-list" data-testid="counter-queue">
        {view.queue.map((q) => (
          <li key={q.ticket} class="counter-list__item" data-testid="counter-queue-item" data-ticket={q.ticket}>
            <span class="counter-list__number">{q.ticket}</span>
            <span class="counter-list__service">{serviceName(view, q.service, lang)}</span>
            {q.class !== 'normal' && (
              <span class={`tag tag--${q.class}`}>{labelFor(lang, `counter.class.${q.class}`, q.class)}</span>
            )}
            <span class="counter-muted">{t('counter.queue.waited', { n: Math.floor(q.waiting_s / 60) })}</span>
            <button type="button" class="counter-button counter-button--small" onClick={() => props.onPick(q.ticket)}>
              {t('counter.action.callSpecific')}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function HeldList(props: { view: CounterView; onCallBack: (ticket: string) => void }) {
  const { t, lang } = useI18n();
  const { view } = props;
  return (
    <section class="counter-held">
      <h2>{t('counter.held')}</h2>
      {view.held.length === 0 ? (
        <p class="counter-muted">{t('counter.held.empty')}</p>
      ) : (
        <ul class="counter-list" data-testid="counter-held">
          {view.held.map((h) => (
            <li key={h.ticket} class="counter-list__item" data-testid="counter-held-item" data-ticket={h.ticket}>
              <span class="counter-list__number">{h.ticket}</span>
              <span class="counter-list__service">{serviceName(view, h.service, lang)}</span>
              <button
                type="button"
                class="counter-button counter-button--small"
                data-testid="counter-call-back"
                data-ticket={h.ticket}
                onClick={() => props.onCallBack(h.ticket)}
              >
                {t('counter.action.callBack')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
