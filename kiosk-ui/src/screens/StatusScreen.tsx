// 状态 /status: the technician's read-only view. GET /status (node, version, queue, sync),
// GET /devices (every device with class, state, fault, location) and the board's queues.
// Reloaded on every event of the stream, and the devices every 5 s as well. Changing anything
// is for hallctl on the control socket.
import { useEffect, useState } from 'preact/hooks';
import { getDevices, getStatus } from '../api/client';
import type { DeviceInfo, StatusResponse } from '../api/types';
import { DEFAULT_LANG, I18nContext, i18nFor, pick, waitText, type Lang } from '../i18n';
import { clock, dateTime } from '../lib/format';
import { useBoard, useCoalesced, useHall } from '../state/hooks';
import { ConnectionBanner } from './Bilingual';
import { DeviceTable } from './status/DeviceTable';

export const DEVICES_REFRESH_MS = 5_000;

function Field(props: { label: string; value: string | number | undefined | null }) {
  return (
    <div class="status-field">
      <dt>{props.label}</dt>
      <dd>{props.value === undefined || props.value === null || props.value === '' ? '—' : String(props.value)}</dd>
    </div>
  );
}

export function StatusScreen() {
  const [lang, setLang] = useState<Lang>(DEFAULT_LANG);
  const i18n = i18nFor(lang);
  const { t } = i18n;
  const [status, setStatus] = useState<StatusResponse | null>(null);
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [updated, setUpdated] = useState(0);

  const loadStatus = useCoalesced(async () => {
    try {
      setStatus(await getStatus());
      setFailed(false);
    } catch {
      setFailed(true);
    }
  });
  const loadDevices = useCoalesced(async () => {
    try {
      setDevices(await getDevices());
      setUpdated(Date.now());
    } catch {
      setFailed(true);
    }
  });
  const { board, status: stream } = useBoard({
    onSnapshot: () => loadStatus(),
    onEvent: (ev) => {
      loadStatus();
      if (ev.type.startsWith('device.')) loadDevices();
    },
  });
  const { hall } = useHall(60_000);
  useEffect(() => {
    loadStatus();
    loadDevices();
    const id = setInterval(() => {
      loadDevices();
      loadStatus();
    }, DEVICES_REFRESH_MS);
    return () => clearInterval(id);
  }, []);

  const q = status?.queue ?? {};
  const names = new Map((hall?.services ?? []).map((s) => [s.code, pick(lang, s.name_zh, s.name_en)]));
  return (
    <I18nContext.Provider value={i18n}>
      <main class="status" lang={lang}>
        <header class="status-header">
          <h1>{t('status.title')}</h1>
          <span class="status-muted">{t('status.readOnly')}</span>
          {updated > 0 && <span class="status-muted">{t('status.updated', { time: clock(updated) })}</span>}
          <button type="button" class="counter-button counter-button--small" data-testid="status-lang" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
            {t('lang.switch')}
          </button>
        </header>
        <ConnectionBanner status={stream} failed={failed} />

        <section class="status-section">
          <dl class="status-fields">
            <Field label={t('status.node')} value={status?.node} />
            <Field label={t('status.hall')} value={status?.hall} />
            <Field label={t('status.role')} value={status?.role} />
            <Field label={t('status.version')} value={status?.version} />
            <Field label={t('status.started')} value={status?.started_at_ms ? dateTime(status.started_at_ms) : undefined} />
            <Field label={t('status.seq')} value={status?.seq ?? board?.seq} />
            <Field label={t('status.sync')} value={status?.sync?.state} />
          </dl>
        </section>

        <section class="status-section" data-testid="status-queue">
          <h2>{t('status.queue')}</h2>
          <dl class="status-fields">
            <Field label={t('status.queue.waiting')} value={q.waiting} />
            <Field label={t('status.queue.windowsOpen')} value={q.windows_open} />
            <Field label={t('status.queue.ticketsToday')} value={q.tickets_today} />
          </dl>
          {board && Object.keys(board.services).length > 0 && (
            <table class="status-table">
              <caption>{t('status.services')}</caption>
              <tbody>
                {Object.values(board.services).map((s) => (
                  <tr key={s.code} data-service={s.code}>
                    <th scope="row">{names.get(s.code) ?? s.code}</th>
                    <td>{t('wait.people', { n: s.waiting })}</td>
                    <td>{waitText(lang, s.waiting, s.estimated_wait_s)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section class="status-section">
          <h2>{t('status.devices')}</h2>
          {devices ? <DeviceTable devices={devices} /> : <p class="status-muted">{t('app.loading')}</p>}
        </section>
      </main>
    </I18nContext.Provider>
  );
}
