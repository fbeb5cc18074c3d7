// 工号 + PIN at a window: POST /api/v1/sessions. The window comes from the URL, or from a list
// of the hall's windows when the URL has none.
import { useState } from 'preact/hooks';
import { createSession, isApiError } from '../../api/client';
import type { Session } from '../../api/types';
import { pick, useI18n } from '../../i18n';
import { useHall } from '../../state/hooks';
import { counterErrorKey, ErrorLine, type ShownError } from './messages';

export function Login(props: {
  window: string | null;
  notice: ShownError | null;
  onLoggedIn: (s: Session) => void;
}) {
  const { t, lang } = useI18n();
  const { hall } = useHall(0);
  const [officer, setOfficer] = useState('');
  const [pin, setPin] = useState('');
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<ShownError | null>(props.notice);
  const [busy, setBusy] = useState(false);
  const windowId = props.window ?? chosen;
  const fixed = props.window ? hall?.windows.find((w) => w.id === props.window) : undefined;

  const submit = async () => {
    if (busy) return;
    if (!officer.trim() || !pin || !windowId) {
      setError({ key: 'counter.login.missing', detail: '' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await createSession({ officer: officer.trim(), pin, window: windowId });
      props.onLoggedIn(session);
    } catch (e) {
      setPin('');
      setError({
        key: counterErrorKey(isApiError(e) ? e.code : 'other'),
        detail: isApiError(e) ? e.message : String(e),
      });
      setBusy(false);
    }
  };

  return (
    <form
      class="counter-login"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h1>{t('counter.login.title')}</h1>
      {props.window && (
        <p class="counter-login__window">
          {t('counter.login.windowFixed', {
            window: fixed ? pick(lang, fixed.name_zh, fixed.name_en) : props.window,
          })}
        </p>
      )}
      <label>
        <span>{t('counter.login.officer')}</span>
        <input
          data-testid="counter-login-officer"
          autocomplete="username"
          value={officer}
          onInput={(e) => setOfficer((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        <span>{t('counter.login.pin')}</span>
        <input
          data-testid="counter-login-pin"
          type="password"
          inputMode="numeric"
          autocomplete="current-password"
          value={pin}
          onInput={(e) => setPin((e.target as HTMLInputElement).value)}
        />
      </label>
      {!props.window && (
        <label>
          <span>{t('counter.login.window')}</span>
          <select
            data-testid="counter-login-window"
            value={chosen}
            onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('counter.login.chooseWindow')}</option>
            {(hall?.windows ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {pick(lang, w.name_zh, w.name_en)}
              </option>
            ))}
          </select>
        </label>
      )}
      {error && <ErrorLine error={error} testid="counter-login-error" />}
      <button type="submit" class="counter-button counter-button--primary" data-testid="counter-login-submit" disabled={busy}>
        {t(busy ? 'counter.login.busy' : 'counter.login.submit')}
      </button>
    </form>
  );
}
