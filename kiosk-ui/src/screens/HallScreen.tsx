// 综合屏 /hall: the current calls in very large type, the recent calls, waiting and estimated
// wait per service, and paused windows. Chinese with English lines; no touch.
import { translate, waitText } from '../i18n';
import type { HallResponse, WindowInfo } from '../api/types';
import {
  currentCalls,
  isFresh,
  pausedWindows,
  recentCalls,
  type BoardState,
  type Call,
} from '../state/board';
import { useBoard, useHall, useNow } from '../state/hooks';
import { Bi, BiText, ConnectionBanner } from './Bilingual';

/** How long a new call stays highlighted (the CSS animation lasts as long). */
export const HIGHLIGHT_MS = 10_000;
/** Current calls shown as large tiles; more go to the list below. */
export const MAX_TILES = 6;
export const RECENT_CALLS = 8;

function windowNames(hall: HallResponse | null, board: BoardState, id: string) {
  const w: WindowInfo | undefined = board.windows[id] ?? hall?.windows.find((x) => x.id === id);
  return { zh: w?.name_zh || `${id}号窗口`, en: w?.name_en || `Window ${id}` };
}

function CallTile(props: { call: Call; names: { zh: string; en: string }; fresh: boolean }) {
  const { call, names, fresh } = props;
  return (
    <li
      class={`call-tile${fresh ? ' call-tile--fresh' : ''}`}
      aria-live={fresh ? 'polite' : undefined}
      data-testid="hall-call"
      data-ticket={call.ticket}
      data-window={call.window}
    >
      <div class="call-tile__flag">
        {fresh ? (
          <Bi k={call.recall > 0 ? 'hall.recall' : 'hall.newCall'} />
        ) : (
          <span aria-hidden="true">&nbsp;</span>
        )}
      </div>
      <div class="call-tile__ticket">{call.ticket}</div>
      <div class="call-tile__arrow" aria-hidden="true">
        ➜
      </div>
      <BiText class="call-tile__window" zh={names.zh} en={names.en} />
      <span class="visually-hidden">
        {translate('zh-CN', 'hall.callLine', { ticket: call.ticket, window: names.zh })}
      </span>
    </li>
  );
}

export function HallScreen() {
  const { board, status } = useBoard();
  const { hall } = useHall(60_000);
  const now = useNow(1000);

  if (!board) {
    return (
      <main class="hall hall--loading">
        <Bi k={status === 'reconnecting' ? 'app.loadFailed' : 'app.loading'} />
      </main>
    );
  }

  const current = currentCalls(board);
  const tiles = current.slice(0, MAX_TILES);
  const overflow = current.slice(MAX_TILES);
  const recent = [...overflow, ...recentCalls(board, RECENT_CALLS)].slice(0, RECENT_CALLS);
  const paused = pausedWindows(board);
  const catalogue = new Map((hall?.services ?? []).map((s) => [s.code, s]));
  const services = Object.values(board.services);

  return (
    <main class="hall">
      <header class="hall__header">
        <BiText
          class="hall__name"
          zh={hall?.hall.name_zh || translate('zh-CN', 'app.title')}
          en={
            hall
              ? hall.hall.name_en && hall.hall.name_en !== hall.hall.name_zh
                ? hall.hall.name_en
                : ''
              : translate('en', 'app.title')
          }
        />
        <time class="hall__clock">
          {new Date(now).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit' })}
        </time>
      </header>
      <ConnectionBanner status={status} />

      <section class="hall__calls" aria-label="正在呼叫 Now calling">
        <h2 class="section-title">
          <Bi k="hall.nowCalling" />
        </h2>
        {tiles.length === 0 ? (
          <p class="hall__empty">
            <Bi k="hall.noCalls" />
          </p>
        ) : (
          <ul class="call-tiles">
            {tiles.map((c) => (
              // A new key restarts the highlight animation for every new call and recall.
              <CallTile
                key={`${c.ticket}:${c.recall}:${c.at_ms}`}
                call={c}
                names={windowNames(hall, board, c.window)}
                fresh={isFresh(c, now, HIGHLIGHT_MS)}
              />
            ))}
          </ul>
        )}
      </section>

      <aside class="hall__side">
        <section class="hall__recent">
          <h2 class="section-title">
            <Bi k="hall.recentCalls" />
          </h2>
          <ol class="recent-calls">
            {recent.map((c) => {
              const names = windowNames(hall, board, c.window);
              // Current calls beyond the tiles are listed here, still marked as current.
              const current = overflow.includes(c);
              return (
                <li
                  key={`${c.ticket}:${c.recall}:${c.at_ms}`}
                  data-testid={current ? 'hall-call' : undefined}
                  data-ticket={current ? c.ticket : undefined}
                  data-window={current ? c.window : undefined}
                >
                  <span class="recent-calls__ticket">{c.ticket}</span>
                  <BiText class="recent-calls__window" zh={names.zh} en={names.en} />
                </li>
              );
            })}
          </ol>
          <p class="hall__hint">
            <Bi k="hall.recentHint" />
          </p>
        </section>

        <section class="hall__queues">
          <h2 class="section-title">
            <Bi k="hall.queue" />
          </h2>
          <table class="queue-table">
            <thead>
              <tr>
                <th scope="col">
                  <Bi k="hall.service" />
                </th>
                <th scope="col">
                  <Bi k="hall.waiting" />
                </th>
                <th scope="col">
                  <Bi k="hall.estimatedWait" />
                </th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => {
                const info = catalogue.get(s.code);
                return (
                  <tr key={s.code}>
                    <th scope="row">
                      <BiText zh={info?.name_zh ?? s.code} en={info?.name_en ?? s.code} />
                    </th>
                    <td class="queue-table__num" data-testid="hall-waiting" data-service={s.code}>
                      {s.waiting}
                    </td>
                    <td>
                      <BiText
                        zh={waitText('zh-CN', s.waiting, s.estimated_wait_s)}
                        en={waitText('en', s.waiting, s.estimated_wait_s)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      </aside>

      {paused.length > 0 && (
        <footer class="hall__paused" role="status">
          {paused.map((w) => (
            <p key={w.id} class="paused-line">
              <span class="paused-line__tag">
                <Bi k="hall.paused" />
              </span>
              <BiText class="paused-line__window" zh={w.name_zh} en={w.name_en} />
              {w.paused_message ? (
                <span class="paused-line__msg" data-testid="hall-paused-message" data-window={w.id}>
                  {w.paused_message}
                </span>
              ) : (
                <span data-testid="hall-paused-message" data-window={w.id}>
                  <Bi class="paused-line__msg" k="hall.pausedDefault" />
                </span>
              )}
            </p>
          ))}
        </footer>
      )}

      {hall?.hall.notice_zh && (
        <footer class="hall__notice" data-testid="hall-notice">
          <BiText zh={hall.hall.notice_zh} en={hall.hall.notice_en ?? ''} />
        </footer>
      )}
    </main>
  );
}
