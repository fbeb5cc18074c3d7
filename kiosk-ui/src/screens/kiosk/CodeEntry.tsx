// A code typed on the keypad or in the text field (a keyboard or a scanner also types there):
// the priority code (绿色通道) and the appointment code (预约码).
import { useState } from 'preact/hooks';
import { useI18n, type MessageKey } from '../../i18n';
import { Keypad } from './Keypad';

export const MAX_CODE_LENGTH = 32;

/** Upper case; letters, digits and '-' only (what codes are made of). */
export function cleanCode(s: string): string {
  return s
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '')
    .slice(0, MAX_CODE_LENGTH);
}

export function CodeEntry(props: {
  title: MessageKey;
  hint?: MessageKey;
  letters?: boolean;
  onSubmit: (code: string) => void;
  onBack: () => void;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [empty, setEmpty] = useState(false);
  const submit = () => {
    if (!code) {
      setEmpty(true);
      return;
    }
    props.onSubmit(code);
  };
  return (
    <section class="entry">
      <h2 class="entry__title">{t(props.title)}</h2>
      {props.hint && <p class="entry__hint">{t(props.hint)}</p>}
      <form
        class="entry__form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <input
          type="text"
          class="entry__input"
          data-testid="kiosk-code-input"
          aria-label={t(props.title)}
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          maxLength={MAX_CODE_LENGTH}
          value={code}
          onInput={(e) => {
            const input = e.target as HTMLInputElement;
            const clean = cleanCode(input.value);
            if (input.value !== clean) input.value = clean;
            setEmpty(false);
            setCode(clean);
          }}
        />
      </form>
      {empty && (
        <p class="entry__error" role="alert" data-testid="kiosk-error">
          {t('kiosk.code.empty')}
        </p>
      )}
      <Keypad
        letters={props.letters}
        onKey={(k) => {
          setEmpty(false);
          setCode((c) => cleanCode(c + k));
        }}
        onBack={() => setCode((c) => c.slice(0, -1))}
        onOk={submit}
      />
      <button type="button" class="big-button big-button--secondary" onClick={props.onBack}>
        {t('kiosk.back')}
      </button>
    </section>
  );
}
