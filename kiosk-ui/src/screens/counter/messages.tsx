// The counter's refusals, said in both languages (the officer may hand the screen to a
// colleague), with the daemon's own message underneath for the technician.
import { translate, type MessageKey } from '../../i18n';

const ERROR_KEYS: Record<string, MessageKey> = {
  bad_credentials: 'counter.error.bad_credentials',
  login_locked: 'counter.error.login_locked',
  unauthorized: 'counter.error.unauthorized',
  window_busy: 'counter.error.window_busy',
  recall_limit: 'counter.error.recall_limit',
  no_ticket: 'counter.error.no_ticket',
  no_current_ticket: 'counter.error.no_ticket',
  nothing_waiting: 'counter.error.nothing_waiting',
  wrong_ticket_state: 'counter.error.wrong_ticket_state',
  unknown_ticket: 'counter.error.unknown_ticket',
  reason_required: 'counter.error.reason_required',
  window_not_open: 'counter.error.window_not_open',
  wrong_window: 'counter.error.wrong_window',
  unknown_service: 'counter.error.unknown_service',
  unknown_window: 'counter.error.unknown_window',
  bad_argument: 'counter.error.bad_input',
  bad_request: 'counter.error.bad_input',
  too_large: 'counter.error.bad_input',
  network: 'counter.error.network',
  busy: 'counter.error.busy',
};

/** Every API code the counter explains in words of its own. */
export const COUNTER_ERROR_CODES = Object.keys(ERROR_KEYS);

export function counterErrorKey(code: string): MessageKey {
  return ERROR_KEYS[code] ?? 'counter.error.other';
}

export interface ShownError {
  key: MessageKey;
  /** The daemon's message (English, for technicians); empty for the screen's own checks. */
  detail: string;
}

export function ErrorLine(props: { error: ShownError; testid: string }) {
  const { key, detail } = props.error;
  return (
    <div class="counter-error" role="alert" data-testid={props.testid}>
      <span lang="zh-CN">{translate('zh-CN', key)}</span>
      <span lang="en" class="counter-error__en">
        {translate('en', key)}
      </span>
      {detail && <small class="counter-error__detail">{detail}</small>}
    </div>
  );
}
