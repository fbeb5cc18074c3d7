// Why no ticket was issued, in words, with a way back.
import { useI18n, type MessageKey } from '../../i18n';

export function ErrorView(props: {
  title: MessageKey;
  message: MessageKey;
  subject?: string;
  onRetry?: () => void;
  onHome: () => void;
}) {
  const { t } = useI18n();
  return (
    <section class="kiosk__error" role="alert" data-testid="kiosk-error">
      <h2>{t(props.title)}</h2>
      {props.subject && <p class="kiosk__error-service">{props.subject}</p>}
      <p class="kiosk__error-message">{t(props.message)}</p>
      <div class="kiosk__error-actions">
        {props.onRetry && (
          <button type="button" class="big-button" onClick={props.onRetry}>
            {t('kiosk.retry')}
          </button>
        )}
        <button type="button" class="big-button" onClick={props.onHome}>
          {props.onRetry ? t('kiosk.home') : t('kiosk.back')}
        </button>
      </div>
    </section>
  );
}
