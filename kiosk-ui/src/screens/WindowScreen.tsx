// 窗口屏 /window/:id: the window's name, its current number, the officer's name and 工号, the
// services it handles, and its pause message. Chinese with English lines; no touch.
import { useEffect } from 'preact/hooks';
import type { HallResponse, WindowInfo } from '../api/types';
import { translate } from '../i18n';
import { isFresh, windowCall } from '../state/board';
import { useBoard, useHall, useNow } from '../state/hooks';
import { Bi, BiText, ConnectionBanner } from './Bilingual';
import { HIGHLIGHT_MS } from './HallScreen';

/**
 * The name of the officer logged in at `w`: the board's, or /hall's when it names the same
 * officer (the stream carries the 工号 only, so after a login the name comes from /hall).
 */
export function officerName(w: WindowInfo | undefined, hall: HallResponse | null): string | null {
  if (!w?.officer) return null;
  if (w.officer_name) return w.officer_name;
  const h = hall?.windows.find((x) => x.id === w.id);
  return h && h.officer === w.officer && h.officer_name ? h.officer_name : null;
}

export function WindowScreen(props: { id: string }) {
  const { board, status } = useBoard();
  const { hall, reload } = useHall(300_000);
  const now = useNow(1000);
  const current = board?.windows[props.id];
  const hallOfficer = hall?.windows.find((x) => x.id === props.id)?.officer;
  useEffect(() => {
    if (current?.officer && hall && hallOfficer !== current.officer) reload();
  }, [current?.officer, hallOfficer]);

  if (!board) {
    return (
      <main class="winscreen winscreen--loading">
        <Bi k={status === 'reconnecting' ? 'app.loadFailed' : 'app.loading'} />
      </main>
    );
  }
  const w = board.windows[props.id];
  if (!w) {
    return (
      <main class="winscreen winscreen--loading">
        <Bi k="window.unknown" params={{ id: props.id }} />
      </main>
    );
  }

  const call = windowCall(board, w.id);
  const fresh = call ? isFresh(call, now, HIGHLIGHT_MS) : false;
  const services = (hall?.services ?? []).filter((s) => w.serves.includes(s.code));
  const showTicket = w.ticket && (w.state === 'calling' || w.state === 'serving');
  const name = officerName(w, hall);

  return (
    <main class={`winscreen winscreen--${w.state}`}>
      <header class="winscreen__header">
        <BiText class="winscreen__name" zh={w.name_zh} en={w.name_en} />
        {w.officer && w.state !== 'logged_out' && (
          <div class="winscreen__officer" data-testid="window-officer">
            {name && <span class="winscreen__officer-name">{name}</span>}
            <Bi k="window.officer" params={{ id: w.officer }} />
          </div>
        )}
      </header>
      <ConnectionBanner status={status} />

      <section class="winscreen__body">
        {w.state === 'paused' ? (
          <div class="winscreen__paused" role="status">
            <Bi class="winscreen__state" k="window.paused" />
            {w.paused_message && (
              <p class="winscreen__message" data-testid="window-paused-message">
                {w.paused_message}
              </p>
            )}
          </div>
        ) : w.state === 'logged_out' ? (
          <Bi class="winscreen__state" k="window.loggedOut" />
        ) : showTicket && w.ticket ? (
          <div
            key={call ? `${call.ticket}:${call.recall}:${call.at_ms}` : w.ticket}
            class={`winscreen__call${fresh ? ' winscreen__call--fresh' : ''}`}
            aria-live="polite"
          >
            <Bi class="winscreen__label" k={w.state === 'serving' ? 'window.serving' : 'window.nowServing'} />
            <div class="winscreen__ticket" data-testid="window-ticket">
              {w.ticket}
            </div>
            {w.state === 'calling' && (
              <BiText
                class="winscreen__line"
                zh={translate('zh-CN', 'window.calling', { ticket: w.ticket })}
                en={translate('en', 'window.calling', { ticket: w.ticket })}
              />
            )}
          </div>
        ) : (
          <Bi class="winscreen__state" k="window.idle" />
        )}
      </section>

      {services.length > 0 && (
        <footer class="winscreen__services">
          <Bi class="winscreen__services-title" k="window.serves" />
          <ul>
            {services.map((s) => (
              <li key={s.code}>
                <BiText zh={s.name_zh} en={s.name_en} />
              </li>
            ))}
          </ul>
        </footer>
      )}
    </main>
  );
}
