// The kiosk's start page: a search box and the services by group, each with its waiting count
// and estimated wait; a closed service says why instead of taking a touch as a ticket.
import type { ServiceInfo } from '../../api/types';
import { pick, useI18n, waitText, type Lang } from '../../i18n';
import { closedReasonKey } from './messages';

export function groupServices(services: ServiceInfo[], lang: Lang): [string, ServiceInfo[]][] {
  const groups = new Map<string, ServiceInfo[]>();
  for (const s of services) {
    const g = pick(lang, s.group_zh, s.group_en) || '';
    const list = groups.get(g);
    if (list) list.push(s);
    else groups.set(g, [s]);
  }
  return [...groups.entries()];
}

/** A search matches the name in either language, the code or the number prefix. */
export function matchesService(s: ServiceInfo, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [s.name_zh, s.name_en, s.code, s.prefix].some((field) =>
    (field ?? '').toLowerCase().includes(q),
  );
}

function ServiceButton(props: {
  service: ServiceInfo;
  onChoose: (s: ServiceInfo) => void;
  onClosed: (s: ServiceInfo) => void;
}) {
  const { t, lang } = useI18n();
  const s = props.service;
  const name = pick(lang, s.name_zh, s.name_en);
  const wait = `${t('wait.people', { n: s.waiting })} · ${waitText(lang, s.waiting, s.estimated_wait_s)}`;
  if (!s.open) {
    // Not a button (it takes no ticket), but a touch still says why, aloud in elderly mode.
    return (
      <div
        class="service service--closed"
        data-service={s.code}
        data-testid={`kiosk-service-${s.code}`}
        aria-disabled="true"
        onClick={() => props.onClosed(s)}
      >
        <span class="service__name">{name}</span>
        <span class="service__closed">
          <span class="service__closed-tag">{t('kiosk.closed')}</span>
          <span class="service__reason">{t(closedReasonKey(s.closed_reason))}</span>
        </span>
      </div>
    );
  }
  return (
    <button
      type="button"
      class="service"
      data-service={s.code}
      data-testid={`kiosk-service-${s.code}`}
      onClick={() => props.onChoose(s)}
    >
      <span class="service__name">{name}</span>
      <span class="service__wait">{wait}</span>
    </button>
  );
}

export function ServiceList(props: {
  services: ServiceInfo[];
  query: string;
  onQuery: (q: string) => void;
  onChoose: (s: ServiceInfo) => void;
  onClosed: (s: ServiceInfo) => void;
  onCheckIn: () => void;
}) {
  const { t, lang } = useI18n();
  const shown = props.services.filter((s) => matchesService(s, props.query));
  return (
    <>
      <div class="kiosk__home-tools">
        <div class="kiosk__search">
          <input
            type="search"
            class="kiosk__search-input"
            data-testid="kiosk-search"
            placeholder={t('kiosk.search')}
            aria-label={t('kiosk.search')}
            autocomplete="off"
            value={props.query}
            onInput={(e) => props.onQuery((e.target as HTMLInputElement).value)}
          />
          {props.query && (
            <button type="button" class="tool-button" onClick={() => props.onQuery('')}>
              {t('kiosk.searchClear')}
            </button>
          )}
        </div>
        <button type="button" class="big-button kiosk__checkin" data-testid="kiosk-checkin" onClick={props.onCheckIn}>
          {t('kiosk.checkin')}
          <span class="kiosk__checkin-hint">{t('kiosk.checkinHint')}</span>
        </button>
      </div>
      <p class="kiosk__prompt">{t('kiosk.touchToTake')}</p>
      {shown.length === 0 ? (
        <p class="kiosk__message">{t('kiosk.noMatch', { q: props.query.trim() })}</p>
      ) : (
        groupServices(shown, lang).map(([group, services], _, all) => (
          <section class="service-group" key={group}>
            {/* Services without a group have a title of their own only beside other groups. */}
            {(group || all.length > 1) && <h2 class="service-group__title">{group || t('kiosk.otherServices')}</h2>}
            <div class="service-grid">
              {services.map((s) => (
                <ServiceButton key={s.code} service={s} onChoose={props.onChoose} onClosed={props.onClosed} />
              ))}
            </div>
          </section>
        ))
      )}
    </>
  );
}
