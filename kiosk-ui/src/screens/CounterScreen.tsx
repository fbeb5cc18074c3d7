// 窗口 /counter and /counter/:window: the officer logs in (工号 + PIN) and works the window.
// The session token is kept in sessionStorage; a 401 anywhere comes back here with a message.
import { useState } from 'preact/hooks';
import type { Session } from '../api/types';
import { DEFAULT_LANG, I18nContext, i18nFor, type Lang } from '../i18n';
import { Desk } from './counter/Desk';
import { Login } from './counter/Login';
import type { ShownError } from './counter/messages';
import { clearSession, loadSession, saveSession } from './counter/session';

export function CounterScreen(props: { window: string | null }) {
  const [lang, setLang] = useState<Lang>(DEFAULT_LANG);
  const [session, setSession] = useState<Session | null>(() => {
    const stored = loadSession();
    return stored && (props.window === null || stored.window === props.window) ? stored : null;
  });
  const [notice, setNotice] = useState<ShownError | null>(null);
  const i18n = i18nFor(lang);

  const end = (message: ShownError | null) => {
    clearSession();
    setNotice(message);
    setSession(null);
  };

  return (
    <I18nContext.Provider value={i18n}>
      <main class="counter" lang={lang}>
        <div class="counter-tools">
          <button
            type="button"
            class="counter-button counter-button--small"
            data-testid="counter-lang"
            aria-label={i18n.t('lang.switchLabel')}
            onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
          >
            {i18n.t('lang.switch')}
          </button>
        </div>
        {session ? (
          <Desk
            key={session.token}
            session={session}
            onSessionEnded={() => end({ key: 'counter.error.unauthorized', detail: '' })}
            onLoggedOut={() => end(null)}
          />
        ) : (
          <Login
            window={props.window}
            notice={notice}
            onLoggedIn={(s) => {
              saveSession(s);
              setNotice(null);
              setSession(s);
            }}
          />
        )}
      </main>
    </I18nContext.Provider>
  );
}
