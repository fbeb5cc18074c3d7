// The two "how?" pages: how to take a ticket for the chosen service, and how to check in.
import type { ServiceInfo } from '../../api/types';
import { pick, useI18n, waitText } from '../../i18n';

function Choice(props: { testid: string; label: string; icon: string; onClick: () => void }) {
  return (
    <button type="button" class="choice" data-testid={props.testid} onClick={props.onClick}>
      <span class="choice__icon" aria-hidden="true">
        {props.icon}
      </span>
      <span class="choice__label">{props.label}</span>
    </button>
  );
}

export type TakeMethod = 'touch' | 'idcard' | 'phone' | 'priority';

export function MethodChooser(props: {
  service: ServiceInfo;
  onMethod: (m: TakeMethod) => void;
  onBack: () => void;
}) {
  const { t, lang } = useI18n();
  const s = props.service;
  return (
    <section class="chooser">
      <h2 class="chooser__service">{pick(lang, s.name_zh, s.name_en)}</h2>
      <p class="chooser__wait">
        {t('wait.people', { n: s.waiting })} · {waitText(lang, s.waiting, s.estimated_wait_s)}
      </p>
      <p class="chooser__title">{t('kiosk.method.title')}</p>
      <div class="chooser__grid">
        <Choice testid="kiosk-take-touch" icon="▶" label={t('kiosk.method.touch')} onClick={() => props.onMethod('touch')} />
        <Choice testid="kiosk-take-idcard" icon="ID" label={t('kiosk.method.idcard')} onClick={() => props.onMethod('idcard')} />
        <Choice testid="kiosk-take-phone" icon="☎" label={t('kiosk.method.phone')} onClick={() => props.onMethod('phone')} />
        <Choice testid="kiosk-take-priority" icon="★" label={t('kiosk.method.priority')} onClick={() => props.onMethod('priority')} />
      </div>
      <button type="button" class="big-button big-button--secondary" onClick={props.onBack}>
        {t('kiosk.back')}
      </button>
    </section>
  );
}

export function CheckInChooser(props: { onCard: () => void; onCode: () => void; onBack: () => void }) {
  const { t } = useI18n();
  return (
    <section class="chooser">
      <h2 class="chooser__service">{t('kiosk.checkin')}</h2>
      <p class="chooser__title">{t('kiosk.checkin.title')}</p>
      <div class="chooser__grid">
        <Choice testid="kiosk-checkin-idcard" icon="ID" label={t('kiosk.checkin.idcard')} onClick={props.onCard} />
        <Choice testid="kiosk-checkin-code" icon="#" label={t('kiosk.checkin.code')} onClick={props.onCode} />
      </div>
      <button type="button" class="big-button big-button--secondary" onClick={props.onBack}>
        {t('kiosk.back')}
      </button>
    </section>
  );
}
