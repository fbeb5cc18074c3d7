// The actions that need more than a press: 选呼 (number + reason), 转移 (service and/or window)
// and 暂停 (a message of at most 200 bytes for the screens). Inline panels, closed by Esc.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CounterView } from '../../api/types';
import { pick, useI18n } from '../../i18n';
import { utf8Bytes } from '../../lib/format';
import type { ShownError } from './messages';

export const PAUSE_MESSAGE_MAX_BYTES = 200;

function Panel(props: { title: string; onSubmit: () => void; onCancel: () => void; confirmTestid: string; children: ComponentChildren; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <form
      class="counter-dialog"
      role="dialog"
      aria-label={props.title}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <h2>{props.title}</h2>
      {props.children}
      <div class="counter-dialog__buttons">
        <button type="submit" class="counter-button counter-button--primary" data-testid={props.confirmTestid} disabled={props.disabled}>
          {t('counter.confirm')}
        </button>
        <button type="button" class="counter-button" onClick={props.onCancel}>
          {t('counter.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Focuses the first field when a dialog opens. */
function useAutofocus<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

export function SpecificDialog(props: {
  number: string;
  onConfirm: (body: { number: string; reason: string }) => void;
  onInvalid: (e: ShownError) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [number, setNumber] = useState(props.number);
  const [reason, setReason] = useState('');
  const first = useAutofocus<HTMLInputElement>();
  return (
    <Panel
      title={t('counter.action.callSpecific')}
      confirmTestid="counter-specific-confirm"
      onCancel={props.onCancel}
      onSubmit={() => {
        const n = number.trim().toUpperCase();
        if (!n || !reason.trim()) props.onInvalid({ key: 'counter.error.specificMissing', detail: '' });
        else props.onConfirm({ number: n, reason: reason.trim() });
      }}
    >
      <label>
        <span>{t('counter.specific.number')}</span>
        <input
          ref={first}
          data-testid="counter-specific-number"
          value={number}
          autocomplete="off"
          onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        <span>{t('counter.specific.reason')}</span>
        <input
          data-testid="counter-specific-reason"
          value={reason}
          maxLength={160}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
      </label>
    </Panel>
  );
}

export function TransferDialog(props: {
  view: CounterView;
  onConfirm: (body: { to_service?: string; to_window?: string; to_front?: boolean }) => void;
  onInvalid: (e: ShownError) => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const [service, setService] = useState('');
  const [win, setWin] = useState('');
  const [front, setFront] = useState(false);
  const first = useAutofocus<HTMLSelectElement>();
  return (
    <Panel
      title={t('counter.action.transfer')}
      confirmTestid="counter-transfer-confirm"
      onCancel={props.onCancel}
      onSubmit={() => {
        if (!service && !win) {
          props.onInvalid({ key: 'counter.error.transferMissing', detail: '' });
          return;
        }
        props.onConfirm({
          ...(service ? { to_service: service } : {}),
          ...(win ? { to_window: win } : {}),
          ...(front ? { to_front: true } : {}),
        });
      }}
    >
      <label>
        <span>{t('counter.transfer.service')}</span>
        <select ref={first} data-testid="counter-transfer-service" value={service} onChange={(e) => setService((e.target as HTMLSelectElement).value)}>
          <option value="">{t('counter.transfer.any')}</option>
          {props.view.services.map((s) => (
            <option key={s.code} value={s.code}>
              {pick(lang, s.name_zh, s.name_en)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('counter.transfer.window')}</span>
        <select data-testid="counter-transfer-window" value={win} onChange={(e) => setWin((e.target as HTMLSelectElement).value)}>
          <option value="">{t('counter.transfer.any')}</option>
          {props.view.windows.map((w) => (
            <option key={w.id} value={w.id}>
              {pick(lang, w.name_zh, w.name_en)}
            </option>
          ))}
        </select>
      </label>
      <label class="counter-dialog__check">
        <input type="checkbox" data-testid="counter-transfer-front" checked={front} onChange={(e) => setFront((e.target as HTMLInputElement).checked)} />
        <span>{t('counter.transfer.front')}</span>
      </label>
    </Panel>
  );
}

export function PauseDialog(props: { onConfirm: (body: { message?: string }) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [message, setMessage] = useState('');
  const bytes = utf8Bytes(message.trim());
  const tooLong = bytes > PAUSE_MESSAGE_MAX_BYTES;
  const first = useAutofocus<HTMLInputElement>();
  return (
    <Panel
      title={t('counter.action.pause')}
      confirmTestid="counter-pause-confirm"
      onCancel={props.onCancel}
      disabled={tooLong}
      onSubmit={() => {
        if (tooLong) return;
        const m = message.trim();
        props.onConfirm(m ? { message: m } : {});
      }}
    >
      <label>
        <span>{t('counter.pause.message')}</span>
        <input ref={first} data-testid="counter-pause-message" value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} />
      </label>
      <p class={tooLong ? 'counter-dialog__over' : 'counter-muted'} aria-live="polite">
        {t('counter.pause.bytes', { n: bytes })}
        {tooLong && ` — ${t('counter.error.pauseTooLong')}`}
      </p>
    </Panel>
  );
}
