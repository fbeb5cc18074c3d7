// 取号机 /kiosk: services by group with waiting and estimated wait; touch one to take a ticket
// (POST /api/v1/tickets); the ticket with what to bring; why a service cannot be ticketed.
// Back to the start (and to Chinese, normal type) after 60 s without a touch.
// Not here yet: ID card swipe, phone number keypad, appointment check-in, priority code.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isApiError, takeTicket } from '../api/client';
import type { IssuedTicket, ServiceInfo } from '../api/types';
import {
  DEFAULT_LANG,
  I18nContext,
  i18nFor,
  pick,
  useI18n,
  waitText,
  type Lang,
  type MessageKey,
} from '../i18n';
import { useHall } from '../state/hooks';

export const INACTIVITY_MS = 60_000;
/** The catalogue (waiting counts, opening) is refreshed this often while the kiosk is up. */
export const HALL_REFRESH_MS = 30_000;

type Step =
  | { step: 'start' }
  | { step: 'taking'; service: ServiceInfo }
  | { step: 'ticket'; service: ServiceInfo; ticket: IssuedTicket }
  | { step: 'error'; service: ServiceInfo; code: string };

const ERROR_KEYS: Record<string, MessageKey> = {
  service_closed: 'kiosk.error.service_closed',
  unknown_service: 'kiosk.error.unknown_service',
  busy: 'kiosk.error.busy',
  network: 'kiosk.error.network',
};

function closedReasonKey(reason: string | null): MessageKey {
  if (reason === 'outside_hours') return 'kiosk.closed.outside_hours';
  if (reason === 'daily_limit') return 'kiosk.closed.daily_limit';
  return 'kiosk.closed.other';
}

/** Calls onIdle after `ms` without a touch, click or key anywhere on the page. */
function useInactivity(ms: number, onIdle: () => void): void {
  const idle = useRef(onIdle);
  idle.current = onIdle;
  useEffect(() => {
    let timer = setTimeout(() => idle.current(), ms);
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.current(), ms);
    };
    const events = ['pointerdown', 'touchstart', 'keydown', 'click'] as const;
    for (const e of events) document.addEventListener(e, reset, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) document.removeEventListener(e, reset, { capture: true });
    };
  }, [ms]);
}

function groupServices(services: ServiceInfo[], lang: Lang): [string, ServiceInfo[]][] {
  const groups = new Map<string, ServiceInfo[]>();
  for (const s of services) {
    const g = pick(lang, s.group_zh, s.group_en) || '';
    const list = groups.get(g);
    if (list) list.push(s);
    else groups.set(g, [s]);
  }
  return [...groups.entries()];
}

function ServiceButton(props: { service: ServiceInfo; onTake: (s: ServiceInfo) => void }) {
  const { t, lang } = useI18n();
  const s = props.service;
  const name = pick(lang, s.name_zh, s.name_en);
  const wait = `${t('wait.people', { n: s.waiting })} · ${waitText(lang, s.waiting, s.estimated_wait_s)}`;
  if (!s.open) {
    return (
      <div class="service service--closed" data-service={s.code} aria-disabled="true">
        <span class="service__name">{name}</span>
        <span class="service__closed">
          <span class="service__closed-tag">{t('kiosk.closed')}</span>
          <span class="service__reason">{t(closedReasonKey(s.closed_reason))}</span>
        </span>
      </div>
    );
  }
  return (
    <button type="button" class="service" data-service={s.code} onClick={() => props.onTake(s)}>
      <span class="service__name">{name}</span>
      <span class="service__wait">{wait}</span>
    </button>
  );
}

function TicketView(props: { service: ServiceInfo; ticket: IssuedTicket; onDone: () => void }) {
  const { t, lang } = useI18n();
  const { service, ticket } = props;
  const materials = lang === 'en' && service.materials_en.length ? service.materials_en : service.materials_zh;
  return (
    <section class="ticket" aria-live="assertive">
      <p class="ticket__label">{t('kiosk.yourNumber')}</p>
      <p class="ticket__number" data-testid="ticket-number">
        {ticket.ticket}
      </p>
      <p class="ticket__service">{pick(lang, service.name_zh, service.name_en)}</p>
      <p class="ticket__wait">
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
      <p class="ticket__hint">{t('kiosk.watchScreens')}</p>
      <button type="button" class="big-button" onClick={props.onDone}>
        {t('kiosk.done')}
      </button>
    </section>
  );
}

export function KioskScreen(props: { inactivityMs?: number }) {
  const [lang, setLang] = useState<Lang>(DEFAULT_LANG);
  const [elderly, setElderly] = useState(false);
  const [step, setStep] = useState<Step>({ step: 'start' });
  const { hall, failed, reload } = useHall(HALL_REFRESH_MS);
  const i18n = i18nFor(lang);
  const { t } = i18n;
  const busy = useRef(false);

  const toStart = () => {
    setStep({ step: 'start' });
    setLang(DEFAULT_LANG);
    setElderly(false);
  };
  useInactivity(props.inactivityMs ?? INACTIVITY_MS, toStart);

  const onTake = async (service: ServiceInfo) => {
    if (busy.current) return; // one ticket per touch, however fast the second one comes
    busy.current = true;
    setStep({ step: 'taking', service });
    try {
      const ticket = await takeTicket({ service: service.code });
      setStep({ step: 'ticket', service, ticket });
    } catch (e) {
      setStep({ step: 'error', service, code: isApiError(e) ? e.code : 'other' });
      reload();
    } finally {
      busy.current = false;
    }
  };

  let body;
  if (step.step === 'ticket') {
    body = <TicketView service={step.service} ticket={step.ticket} onDone={() => setStep({ step: 'start' })} />;
  } else if (step.step === 'taking') {
    body = (
      <p class="kiosk__message" role="status">
        {t('kiosk.taking')}
      </p>
    );
  } else if (step.step === 'error') {
    const name = pick(lang, step.service.name_zh, step.service.name_en);
    body = (
      <section class="kiosk__error" role="alert">
        <h2>{t('kiosk.failed')}</h2>
        <p class="kiosk__error-service">{name}</p>
        <p>{t(ERROR_KEYS[step.code] ?? 'kiosk.error.other')}</p>
        <button type="button" class="big-button" onClick={() => setStep({ step: 'start' })}>
          {t('kiosk.back')}
        </button>
      </section>
    );
  } else if (!hall) {
    body = <p class="kiosk__message">{t(failed ? 'app.loadFailed' : 'app.loading')}</p>;
  } else if (hall.services.length === 0) {
    body = <p class="kiosk__message">{t('kiosk.noServices')}</p>;
  } else {
    body = (
      <>
        <p class="kiosk__prompt">{t('kiosk.touchToTake')}</p>
        {groupServices(hall.services, lang).map(([group, services]) => (
          <section class="service-group" key={group}>
            {group && <h2 class="service-group__title">{group}</h2>}
            <div class="service-grid">
              {services.map((s) => (
                <ServiceButton key={s.code} service={s} onTake={(x) => void onTake(x)} />
              ))}
            </div>
          </section>
        ))}
      </>
    );
  }

  return (
    <I18nContext.Provider value={i18n}>
      <main class={`kiosk${elderly ? ' kiosk--elderly' : ''}`} lang={lang}>
        <header class="kiosk__header">
          <h1 class="kiosk__title">
            {hall ? pick(lang, hall.hall.name_zh, hall.hall.name_en) : t('app.title')}
          </h1>
          <div class="kiosk__tools">
            <button
              type="button"
              class="tool-button"
              aria-pressed={elderly}
              aria-label={t('kiosk.elderlyLabel')}
              onClick={() => setElderly(!elderly)}
            >
              <span aria-hidden="true">{elderly ? 'A−' : 'A+'}</span> {t(elderly ? 'kiosk.elderlyOff' : 'kiosk.elderlyOn')}
            </button>
            <button
              type="button"
              class="tool-button"
              lang={lang === 'en' ? 'zh-CN' : 'en'}
              aria-label={t('lang.switchLabel')}
              onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
            >
              {t('lang.switch')}
            </button>
          </div>
        </header>
        {step.step === 'start' && <p class="kiosk__welcome">{t('kiosk.welcome')}</p>}
        <div class="kiosk__body">{body}</div>
        <footer class="kiosk__footer">{t('kiosk.autoReturn')}</footer>
      </main>
    </I18nContext.Provider>
  );
}
