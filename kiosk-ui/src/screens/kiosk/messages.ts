// Which message explains a refusal or a closed service on the kiosk.
import type { MessageKey } from '../../i18n';

/** The flow a refusal came from: a bad argument means a bad phone number or code there. */
export type KioskFlow = 'touch' | 'idcard' | 'phone' | 'priority' | 'checkin_code' | 'checkin_card';

const ERROR_KEYS: Record<string, MessageKey> = {
  service_closed: 'kiosk.error.service_closed',
  quota_exhausted: 'kiosk.error.quota_exhausted',
  daily_limit: 'kiosk.error.quota_exhausted',
  already_waiting: 'kiosk.error.already_waiting',
  duplicate_ticket: 'kiosk.error.already_waiting',
  too_early: 'kiosk.error.too_early',
  too_late: 'kiosk.error.too_late',
  appointment_not_due: 'kiosk.error.not_due',
  unknown_appointment: 'kiosk.error.unknown_appointment',
  unknown_card: 'kiosk.error.unknown_card',
  device_offline: 'kiosk.error.device_offline',
  unknown_device: 'kiosk.error.device_offline',
  card_unreadable: 'kiosk.error.card_unreadable',
  card_timeout: 'kiosk.error.card_timeout',
  bad_priority_code: 'kiosk.error.bad_priority_code',
  unknown_service: 'kiosk.error.unknown_service',
  busy: 'kiosk.error.busy',
  printer_unavailable: 'kiosk.error.printer_unavailable',
  network: 'kiosk.error.network',
};

/** Every code the kiosk explains in words of its own (the rest are "ask the staff"). */
export const KIOSK_ERROR_CODES = Object.keys(ERROR_KEYS);

export function kioskErrorKey(code: string, flow: KioskFlow): MessageKey {
  const known = ERROR_KEYS[code];
  if (known) return known;
  if ((code === 'bad_argument' || code === 'bad_request') && flow !== 'touch' && flow !== 'idcard') {
    return 'kiosk.error.bad_input';
  }
  return 'kiosk.error.other';
}

export function closedReasonKey(reason: string | null): MessageKey {
  if (reason === 'outside_hours') return 'kiosk.closed.outside_hours';
  if (reason === 'no_window') return 'kiosk.closed.no_window';
  if (reason === 'daily_limit') return 'kiosk.closed.daily_limit';
  return 'kiosk.closed.other';
}
