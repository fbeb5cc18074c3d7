// The issued ticket: the number in very large type, people ahead and the estimated wait, what
// to bring, and a "done" button.
import type { IssuedTicket, ServiceInfo } from '../../api/types';
import { pick, useI18n, waitText } from '../../i18n';

export function TicketView(props: {
  service: ServiceInfo | undefined;
  ticket: IssuedTicket;
  idMasked?: string;
  onDone: () => void;
}) {
  const { t, lang } = useI18n();
  const { service, ticket } = props;
  const materials = !service
    ? []
    : lang === 'en' && service.materials_en.length
      ? service.materials_en
      : service.materials_zh;
  return (
    <section class="ticket" aria-live="assertive">
      <p class="ticket__label">{t('kiosk.yourNumber')}</p>
      <p class="ticket__number" data-testid="ticket-number">
        {ticket.ticket}
      </p>
      <p class="ticket__service">{service ? pick(lang, service.name_zh, service.name_en) : ticket.service}</p>
      {props.idMasked && <p class="ticket__id">{t('kiosk.card.idLine', { id: props.idMasked })}</p>}
      <p class="ticket__wait" data-testid="kiosk-ticket-wait">
        {t('kiosk.ahead', { n: ticket.waiting_ahead })} ·{' '}
        {waitText(lang, ticket.waiting_ahead, ticket.estimated_wait_s)}
      </p>
      {materials.length > 0 && (
        <div class="ticket__materials">
          <h2>{t('kiosk.bring')}</h2>
          <ul>
            {materials.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {ticket.printed === true && (
        <p class="ticket__printed" data-testid="kiosk-ticket-printed">
          {t('kiosk.takePrinted')}
        </p>
      )}
      {ticket.printed === false && ticket.print_error && (
        <p class="ticket__unprinted" data-testid="kiosk-ticket-unprinted">
          {t('kiosk.notPrinted')}
        </p>
      )}
      <p class="ticket__hint">{t('kiosk.watchScreens')}</p>
      <button type="button" class="big-button" data-testid="kiosk-ticket-done" onClick={props.onDone}>
        {t('kiosk.done')}
      </button>
    </section>
  );
}
