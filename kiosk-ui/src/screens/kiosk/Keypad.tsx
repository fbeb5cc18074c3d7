// The on-screen keypad: digits, delete and OK, with letters for appointment codes. Every key is
// at least 64 px.
import { useI18n } from '../../i18n';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ-'.split('');

export function Keypad(props: {
  onKey: (key: string) => void;
  onBack: () => void;
  onOk: () => void;
  letters?: boolean;
}) {
  const { t } = useI18n();
  const key = (k: string) => (
    <button type="button" class="key" key={k} data-testid={`kiosk-keypad-${k}`} onClick={() => props.onKey(k)}>
      {k}
    </button>
  );
  return (
    <div class="keypad-wrap">
      <div class="keypad" role="group">
        {DIGITS.map(key)}
        <button type="button" class="key key--back" data-testid="kiosk-keypad-back" onClick={props.onBack}>
          {t('kiosk.keypad.back')}
        </button>
        {key('0')}
        <button type="button" class="key key--ok" data-testid="kiosk-keypad-ok" onClick={props.onOk}>
          {t('kiosk.keypad.ok')}
        </button>
      </div>
      {props.letters && (
        <div class="keypad keypad--letters" role="group">
          {LETTERS.map(key)}
        </div>
      )}
    </div>
  );
}
