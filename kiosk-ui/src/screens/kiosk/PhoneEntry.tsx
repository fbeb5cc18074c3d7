// A mobile number on the keypad: 11 digits starting with 1, shown as 138 1234 5678.
import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n';
import { Keypad } from './Keypad';

export const PHONE_DIGITS = 11;

export function isPhone(s: string): boolean {
  return /^1\d{10}$/.test(s);
}

function grouped(digits: string): string {
  const padded = digits.padEnd(PHONE_DIGITS, '_');
  return `${padded.slice(0, 3)} ${padded.slice(3, 7)} ${padded.slice(7)}`;
}

export function PhoneEntry(props: { onSubmit: (phone: string) => void; onBack: () => void }) {
  const { t } = useI18n();
  const [digits, setDigits] = useState('');
  const [invalid, setInvalid] = useState(false);
  return (
    <section class="entry">
      <h2 class="entry__title">{t('kiosk.phone.title')}</h2>
      <output class="entry__display" aria-live="polite" data-testid="kiosk-phone-display">
        {grouped(digits)}
      </output>
      {invalid && (
        <p class="entry__error" role="alert" data-testid="kiosk-error">
          {t('kiosk.phone.invalid')}
        </p>
      )}
      <Keypad
        onKey={(k) => {
          setInvalid(false);
          setDigits((d) => (d.length < PHONE_DIGITS ? d + k : d));
        }}
        onBack={() => {
          setInvalid(false);
          setDigits((d) => d.slice(0, -1));
        }}
        onOk={() => (isPhone(digits) ? props.onSubmit(digits) : setInvalid(true))}
      />
      <button type="button" class="big-button big-button--secondary" onClick={props.onBack}>
        {t('kiosk.back')}
      </button>
    </section>
  );
}
