// 取号机 /kiosk: services by group, searchable, with waiting and estimated wait. Choose a service,
// then how to take the number: by touch, ID card, mobile number or priority code (绿色通道).
// Appointment check-in (预约签到) by code or ID card. The ticket with what to bring; every
// refusal in words. Back to the start (and to Chinese, standard mode) after 60 s without a
// touch; elderly mode (适老化): larger type, higher contrast, spoken guidance.
import { useEffect, useRef, useState } from 'preact/hooks';
import { checkInAppointment, isApiError, takeTicket } from '../api/client';
import type { IssuedTicket, ServiceInfo, TakeTicketRequest } from '../api/types';
import { DEFAULT_LANG, I18nContext, i18nFor, pick, type Lang, type MessageKey } from '../i18n';
import { useInactivity } from '../lib/inactivity';
import { speak, stopSpeaking } from '../lib/speech';
import { useHall } from '../state/hooks';
import { CardWait, type ReadCard } from './kiosk/CardWait';
import { CheckInChooser, MethodChooser, type TakeMethod } from './kiosk/Choosers';
import { CodeEntry } from './kiosk/CodeEntry';
import { ErrorView } from './kiosk/ErrorView';
import { closedReasonKey, kioskErrorKey, type KioskFlow } from './kiosk/messages';
import { PhoneEntry } from './kiosk/PhoneEntry';
import { ServiceList } from './kiosk/ServiceList';
import { TicketView } from './kiosk/TicketView';

export const INACTIVITY_MS = 60_000;
/** The catalogue (waiting counts, opening) is refreshed this often while the kiosk is up. */
export const HALL_REFRESH_MS = 30_000;

type Step =
  | { step: 'start' }
  | { step: 'method'; service: ServiceInfo }
  | { step: 'phone'; service: ServiceInfo }
  | { step: 'priority'; service: ServiceInfo }
  /** Waiting for an ID card: for a ticket of `service`, or for a check-in when null. */
  | { step: 'card'; service: ServiceInfo | null }
  | { step: 'checkin' }
  | { step: 'checkin_code' }
  | { step: 'taking'; checkIn: boolean; idMasked?: string }
  | { step: 'ticket'; service: ServiceInfo | undefined; ticket: IssuedTicket; idMasked?: string }
  | { step: 'error'; title: MessageKey; message: MessageKey; subject?: string; retry?: Step };

interface Issue {
  flow: KioskFlow;
  service?: ServiceInfo;
  idMasked?: string;
  retry: Step;
  call: () => Promise<IssuedTicket>;
}

/** What elderly mode says aloud on each page. */
function guidance(step: Step, t: (k: MessageKey, p?: Record<string, string | number>) => string, lang: Lang): string {
  const stop = lang === 'en' ? '. ' : '。';
  switch (step.step) {
    case 'start':
      return t('kiosk.welcome');
    case 'method':
      return pick(lang, step.service.name_zh, step.service.name_en) + stop + t('kiosk.method.title');
    case 'phone':
      return t('kiosk.phone.title');
    case 'priority':
      return t('kiosk.priority.title');
    case 'card':
      return t('kiosk.card.place');
    case 'checkin':
      return t('kiosk.checkin.title');
    case 'checkin_code':
      return t('kiosk.checkin.codeTitle');
    case 'taking':
      return t(step.checkIn ? 'kiosk.checkingIn' : 'kiosk.taking');
    case 'ticket':
      return [
        `${t('kiosk.yourNumber')} ${step.ticket.ticket}`,
        t('kiosk.ahead', { n: step.ticket.waiting_ahead }),
        t('kiosk.watchScreens'),
      ].join(stop);
    case 'error':
      return t(step.title) + stop + t(step.message);
  }
}

export function KioskScreen(props: { inactivityMs?: number }) {
  const [lang, setLang] = useState<Lang>(DEFAULT_LANG);
  const [elderly, setElderly] = useState(false);
  const [query, setQuery] = useState('');
  const [step, setStep] = useState<Step>({ step: 'start' });
  const { hall, failed, reload } = useHall(HALL_REFRESH_MS);
  const hallRef = useRef(hall);
  hallRef.current = hall;
  const i18n = i18nFor(lang);
  const { t } = i18n;
  const busy = useRef(false);
  /** Bumped whenever the kiosk leaves a flow, so a late answer of the daemon is dropped. */
  const generation = useRef(0);

  const go = (next: Step) => {
    generation.current++;
    busy.current = false;
    setStep(next);
  };
  const toStart = () => {
    go({ step: 'start' });
    setLang(DEFAULT_LANG);
    setElderly(false);
    setQuery('');
  };
  useInactivity(props.inactivityMs ?? INACTIVITY_MS, toStart, {
    paused: step.step === 'card',
    resetKey: step,
  });

  useEffect(() => {
    if (elderly) speak(guidance(step, t, lang), lang);
  }, [step, elderly, lang]);
  useEffect(() => () => stopSpeaking(), []);

  const issue = async (req: Issue) => {
    if (busy.current) return; // one ticket per touch, however fast the second one comes
    busy.current = true;
    const mine = ++generation.current;
    const checkIn = req.flow === 'checkin_code' || req.flow === 'checkin_card';
    setStep({ step: 'taking', checkIn, idMasked: req.idMasked });
    try {
      const ticket = await req.call();
      if (generation.current !== mine) return;
      const service = req.service ?? hallRef.current?.services.find((s) => s.code === ticket.service);
      setStep({ step: 'ticket', service, ticket, idMasked: req.idMasked });
      reload();
    } catch (e) {
      if (generation.current !== mine) return;
      setStep({
        step: 'error',
        title: checkIn ? 'kiosk.checkinFailed' : 'kiosk.failed',
        message: kioskErrorKey(isApiError(e) ? e.code : 'other', req.flow),
        subject: req.service ? pick(lang, req.service.name_zh, req.service.name_en) : undefined,
        retry: req.retry,
      });
      reload();
    } finally {
      if (generation.current === mine) busy.current = false;
    }
  };

  const take = (service: ServiceInfo, flow: KioskFlow, extra: Omit<TakeTicketRequest, 'service'>, idMasked?: string) =>
    void issue({
      flow,
      service,
      idMasked,
      retry: { step: 'method', service },
      call: () => takeTicket({ service: service.code, ...extra }),
    });

  const onMethod = (service: ServiceInfo, m: TakeMethod) => {
    if (m === 'touch') take(service, 'touch', {});
    else if (m === 'idcard') go({ step: 'card', service });
    else if (m === 'phone') go({ step: 'phone', service });
    else go({ step: 'priority', service });
  };

  const onCard = (service: ServiceInfo | null, card: ReadCard) => {
    if (service) take(service, 'idcard', { channel: 'id_card', card: card.card }, card.id_masked);
    else
      void issue({
        flow: 'checkin_card',
        idMasked: card.id_masked,
        retry: { step: 'checkin' },
        call: () => checkInAppointment({ card: card.card }),
      });
  };

  const onCardError = (service: ServiceInfo | null, code: string) =>
    go({
      step: 'error',
      title: service ? 'kiosk.failed' : 'kiosk.checkinFailed',
      message: kioskErrorKey(code, service ? 'idcard' : 'checkin_card'),
      subject: service ? pick(lang, service.name_zh, service.name_en) : undefined,
      retry: { step: 'card', service },
    });

  const onClosed = (service: ServiceInfo) =>
    go({
      step: 'error',
      title: 'kiosk.closed',
      message: closedReasonKey(service.closed_reason),
      subject: pick(lang, service.name_zh, service.name_en),
    });

  let body;
  switch (step.step) {
    case 'method':
      body = (
        <MethodChooser service={step.service} onMethod={(m) => onMethod(step.service, m)} onBack={() => go({ step: 'start' })} />
      );
      break;
    case 'phone':
      body = (
        <PhoneEntry
          onSubmit={(phone) => take(step.service, 'phone', { channel: 'phone', phone })}
          onBack={() => go({ step: 'method', service: step.service })}
        />
      );
      break;
    case 'priority':
      body = (
        <CodeEntry
          title="kiosk.priority.title"
          hint="kiosk.priority.hint"
          onSubmit={(code) => take(step.service, 'priority', { channel: 'priority_code', priority_code: code })}
          onBack={() => go({ step: 'method', service: step.service })}
        />
      );
      break;
    case 'card':
      body = (
        <CardWait
          onCard={(card) => onCard(step.service, card)}
          onError={(code) => onCardError(step.service, code)}
          onBack={() => go(step.service ? { step: 'method', service: step.service } : { step: 'checkin' })}
        />
      );
      break;
    case 'checkin':
      body = (
        <CheckInChooser
          onCard={() => go({ step: 'card', service: null })}
          onCode={() => go({ step: 'checkin_code' })}
          onBack={() => go({ step: 'start' })}
        />
      );
      break;
    case 'checkin_code':
      body = (
        <CodeEntry
          title="kiosk.checkin.codeTitle"
          letters
          onSubmit={(code) =>
            void issue({
              flow: 'checkin_code',
              retry: { step: 'checkin_code' },
              call: () => checkInAppointment({ code }),
            })
          }
          onBack={() => go({ step: 'checkin' })}
        />
      );
      break;
    case 'taking':
      body = (
        <div class="kiosk__message" role="status">
          {step.idMasked && <p>{t('kiosk.card.read', { id: step.idMasked })}</p>}
          <p>{t(step.checkIn ? 'kiosk.checkingIn' : 'kiosk.taking')}</p>
        </div>
      );
      break;
    case 'ticket':
      body = <TicketView service={step.service} ticket={step.ticket} idMasked={step.idMasked} onDone={() => go({ step: 'start' })} />;
      break;
    case 'error': {
      const retry = step.retry;
      body = (
        <ErrorView
          title={step.title}
          message={step.message}
          subject={step.subject}
          onRetry={retry ? () => go(retry) : undefined}
          onHome={() => go({ step: 'start' })}
        />
      );
      break;
    }
    case 'start':
      if (!hall) body = <p class="kiosk__message">{t(failed ? 'app.loadFailed' : 'app.loading')}</p>;
      else if (hall.services.length === 0) body = <p class="kiosk__message">{t('kiosk.noServices')}</p>;
      else
        body = (
          <ServiceList
            services={hall.services}
            query={query}
            onQuery={setQuery}
            onChoose={(service) => go({ step: 'method', service })}
            onClosed={onClosed}
            onCheckIn={() => go({ step: 'checkin' })}
          />
        );
      break;
  }

  return (
    <I18nContext.Provider value={i18n}>
      <main class={`kiosk${elderly ? ' kiosk--elderly' : ''}`} lang={lang}>
        <header class="kiosk__header">
          <h1 class="kiosk__title">{hall ? pick(lang, hall.hall.name_zh, hall.hall.name_en) : t('app.title')}</h1>
          <div class="kiosk__tools">
            <button
              type="button"
              class="tool-button"
              data-testid="kiosk-elderly"
              aria-pressed={elderly}
              aria-label={t('kiosk.elderlyLabel')}
              onClick={() => {
                if (elderly) stopSpeaking();
                setElderly(!elderly);
              }}
            >
              <span aria-hidden="true">{elderly ? 'A−' : 'A+'}</span> {t(elderly ? 'kiosk.elderlyOff' : 'kiosk.elderlyOn')}
            </button>
            <button
              type="button"
              class="tool-button"
              data-testid="kiosk-lang"
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
