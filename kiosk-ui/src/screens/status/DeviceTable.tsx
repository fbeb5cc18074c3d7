// The devices of GET /api/v1/devices: class, state, fault, location. State in words as well as
// colour.
import type { DeviceInfo } from '../../api/types';
import { labelFor, useI18n } from '../../i18n';
import { dateTime } from '../../lib/format';

const STATE_ORDER = ['faulted', 'offline', 'absent', 'degraded', 'probing', 'online'];

/** Trouble first, then by id. */
export function sortDevices(devices: DeviceInfo[]): DeviceInfo[] {
  const rank = (s: string) => {
    const i = STATE_ORDER.indexOf(s);
    return i < 0 ? 0 : i;
  };
  return [...devices].sort((a, b) => rank(a.state) - rank(b.state) || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

export function DeviceTable(props: { devices: DeviceInfo[] }) {
  const { t, lang } = useI18n();
  if (props.devices.length === 0) return <p class="status-muted">{t('status.devices.none')}</p>;
  return (
    <table class="status-table">
      <thead>
        <tr>
          <th scope="col">{t('status.device.id')}</th>
          <th scope="col">{t('status.device.class')}</th>
          <th scope="col">{t('status.device.state')}</th>
          <th scope="col">{t('status.device.fault')}</th>
          <th scope="col">{t('status.device.location')}</th>
          <th scope="col">{t('status.device.since')}</th>
        </tr>
      </thead>
      <tbody>
        {sortDevices(props.devices).map((d) => (
          <tr key={d.id} class={`status-device status-device--${d.state}`} data-testid="status-device" data-device={d.id} data-state={d.state}>
            <th scope="row">{d.id}</th>
            <td>{labelFor(lang, `status.deviceClass.${d.class}`, d.class)}</td>
            <td>
              <span class={`status-state status-state--${d.state}`}>{labelFor(lang, `status.deviceState.${d.state}`, d.state)}</span>
            </td>
            <td>
              {d.fault}
              {d.detail && <div class="status-muted">{d.detail}</div>}
            </td>
            <td>
              {d.location}
              {d.window && <div class="status-muted">{t('status.device.window', { id: d.window })}</div>}
            </td>
            <td>{d.since_ms ? dateTime(d.since_ms) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
