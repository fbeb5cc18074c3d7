// Waiting for an ID card: POST /id-card/wait answers within 30 s with a card token or
// `{card: null}`; the kiosk asks again while the screen is open, up to CARD_WAIT_MS in all.
// Only the masked ID number ever reaches the screen.
import { useEffect, useRef } from 'preact/hooks';
import { isApiError, waitForCard } from '../../api/client';
import { useI18n } from '../../i18n';

export const CARD_WAIT_MS = 60_000;
/** An empty answer that came back quicker than this is not asked again at once. */
export const CARD_RETRY_GAP_MS = 1_000;

export interface ReadCard {
  card: string;
  id_masked: string;
}

export function CardWait(props: {
  onCard: (card: ReadCard) => void;
  /** An API error code, or `card_timeout` when no card came in time. */
  onError: (code: string) => void;
  onBack: () => void;
}) {
  const { t } = useI18n();
  const cb = useRef(props);
  cb.current = props;
  useEffect(() => {
    const ctrl = new AbortController();
    const deadline = Date.now() + CARD_WAIT_MS;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      ctrl.abort();
      fn();
    };
    const giveUp = setTimeout(() => finish(() => cb.current.onError('card_timeout')), CARD_WAIT_MS);
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const id = setTimeout(resolve, ms);
        ctrl.signal.addEventListener('abort', () => {
          clearTimeout(id);
          resolve();
        });
      });
    void (async () => {
      while (!done && Date.now() < deadline) {
        const asked = Date.now();
        try {
          const answer = await waitForCard(ctrl.signal);
          if (done) return;
          if (answer.card) {
            const read = { card: answer.card, id_masked: answer.id_masked ?? '' };
            finish(() => cb.current.onCard(read));
            return;
          }
        } catch (e) {
          if (done) return;
          finish(() => cb.current.onError(isApiError(e) ? e.code : 'other'));
          return;
        }
        const took = Date.now() - asked;
        if (took < CARD_RETRY_GAP_MS) await pause(CARD_RETRY_GAP_MS - took);
      }
    })();
    return () => {
      done = true;
      clearTimeout(giveUp);
      ctrl.abort();
    };
  }, []);
  return (
    <section class="card-wait" data-testid="kiosk-idcard-waiting" role="status" aria-live="polite">
      <div class="card-wait__icon" aria-hidden="true">
        <span class="card-wait__card">ID</span>
      </div>
      <h2 class="entry__title">{t('kiosk.card.place')}</h2>
      <p class="entry__hint">{t('kiosk.card.hint')}</p>
      <button type="button" class="big-button big-button--secondary" onClick={props.onBack}>
        {t('kiosk.back')}
      </button>
    </section>
  );
}
