// The logged-in counter: the window's state, current ticket with history, queue and held
// tickets, and the actions (buttons and keys). GET /counter is reloaded after every action and
// on every event of the stream; a 401 anywhere ends the session.
import { useEffect, useRef, useState } from 'preact/hooks';
import { counterAction, deleteSession, getCounter, isApiError } from '../../api/client';
import type { CounterAction, CounterView, Session } from '../../api/types';
import { labelFor, pick, useI18n, type MessageKey } from '../../i18n';
import { useCoalesced, useStreamEvents } from '../../state/hooks';
import { ConnectionBanner } from '../Bilingual';
import { CurrentTicket } from './CurrentTicket';
import { PauseDialog, SpecificDialog, TransferDialog } from './Dialogs';
import { HeldList, QueueList } from './Lists';
import { counterErrorKey, ErrorLine, type ShownError } from './messages';
import { SHORTCUTS, shortcutLabel, useShortcuts, type Command } from './shortcuts';

type Dialog = { kind: 'specific'; number: string } | { kind: 'transfer' } | { kind: 'pause' } | null;

const PLAIN: Record<string, { action: CounterAction; label: MessageKey; testid: string }> = {
  'call-next': { action: 'call-next', label: 'counter.action.callNext', testid: 'counter-call-next' },
  recall: { action: 'recall', label: 'counter.action.recall', testid: 'counter-recall' },
  start: { action: 'start', label: 'counter.action.start', testid: 'counter-start' },
  'no-show': { action: 'no-show', label: 'counter.action.noShow', testid: 'counter-no-show' },
  finish: { action: 'finish', label: 'counter.action.finish', testid: 'counter-finish' },
  hold: { action: 'hold', label: 'counter.action.hold', testid: 'counter-hold' },
};

const COMMAND_LABELS: Record<Exclude<Command, 'escape'>, MessageKey> = {
  'call-next': 'counter.action.callNext',
  recall: 'counter.action.recall',
  start: 'counter.action.start',
  'no-show': 'counter.action.noShow',
  finish: 'counter.action.finish',
  hold: 'counter.action.hold',
  transfer: 'counter.action.transfer',
  'call-specific': 'counter.action.callSpecific',
  pause: 'counter.action.pause',
};

/** The actions that fit the window's state, highlighted (all stay usable: the daemon decides). */
function suggested(view: CounterView | null): Set<string> {
  const state = view?.window.state;
  if (state === 'calling') return new Set(['recall', 'start', 'no-show']);
  if (state === 'serving') return new Set(['finish']);
  if (state === 'idle') return new Set(['call-next']);
  return new Set();
}

export function Desk(props: { session: Session; onSessionEnded: () => void; onLoggedOut: () => void }) {
  const { t, lang } = useI18n();
  const { token } = props.session;
  const [view, setView] = useState<CounterView | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<string>('');
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const ended = useRef(false);

  const fail = (e: unknown) => {
    if (isApiError(e) && e.status === 401) {
      if (!ended.current) {
        ended.current = true;
        props.onSessionEnded();
      }
      return;
    }
    setError({ key: counterErrorKey(isApiError(e) ? e.code : 'other'), detail: isApiError(e) ? e.message : String(e) });
  };

  /** Whether the error shown is a failed reload (cleared by the next good one). */
  const loadFailed = useRef(false);
  const refresh = useCoalesced(async () => {
    if (ended.current) return;
    try {
      const v = await getCounter(token);
      if (ended.current) return;
      setView(v);
      if (loadFailed.current) {
        loadFailed.current = false;
        setError(null);
      }
    } catch (e) {
      fail(e);
      loadFailed.current = !(isApiError(e) && e.status === 401);
    }
  });
  const status = useStreamEvents(() => refresh());
  useEffect(() => refresh(), []);

  const act = async (action: CounterAction, body: Record<string, unknown> = {}) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    loadFailed.current = false;
    setNotice('');
    try {
      const answer = await counterAction<{ ticket?: string }>(token, action, body);
      setDialog(null);
      setNotice(
        answer && typeof answer.ticket === 'string' && (action === 'call-next' || action === 'call-specific' || action === 'call-back')
          ? t('counter.done.call-next', { ticket: answer.ticket })
          : t('counter.done.other'),
      );
    } catch (e) {
      fail(e);
    } finally {
      inFlight.current = false;
      setBusy(false);
      refresh();
    }
  };

  const logout = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      await deleteSession(token);
      ended.current = true;
      props.onLoggedOut();
    } catch (e) {
      if (isApiError(e) && e.status === 401) {
        ended.current = true;
        props.onLoggedOut(); // the session was gone already
      } else fail(e);
    } finally {
      inFlight.current = false;
    }
  };

  const paused = view?.window.state === 'paused';
  const run = (c: Command) => {
    if (c === 'escape') setDialog(null);
    else if (c === 'transfer') setDialog({ kind: 'transfer' });
    else if (c === 'call-specific') setDialog({ kind: 'specific', number: '' });
    else if (c === 'pause') {
      if (paused) void act('resume');
      else setDialog({ kind: 'pause' });
    } else {
      const plain = PLAIN[c];
      if (plain) void act(plain.action);
    }
  };
  useShortcuts(dialog !== null, run);

  const hint = suggested(view);
  const button = (command: Exclude<Command, 'escape'>, testid: string, label: MessageKey, onClick: () => void) => (
    <button
      type="button"
      class={`counter-button counter-action${hint.has(command) ? ' counter-action--suggested' : ''}`}
      data-testid={testid}
      disabled={busy}
      onClick={onClick}
    >
      <span>{t(label)}</span>
      <kbd>{command === 'pause' && paused ? 'P' : shortcutLabel(command)}</kbd>
    </button>
  );

  const w = view?.window;
  return (
    <div class="counter-desk">
      <header class="counter-header">
        <div>
          <h1>{w ? pick(lang, w.name_zh, w.name_en) : props.session.window}</h1>
          <p>{t('counter.officer', { name: view?.officer.name ?? props.session.officer.name, id: props.session.officer.id })}</p>
        </div>
        <span class={`counter-state counter-state--${w?.state ?? 'unknown'}`} data-testid="counter-state" data-state={w?.state ?? ''}>
          {w ? labelFor(lang, `counter.state.${w.state}`, w.state) : t('counter.loading')}
        </span>
        <button type="button" class="counter-button" data-testid="counter-logout" onClick={() => void logout()}>
          {t('counter.action.logout')}
        </button>
      </header>
      <ConnectionBanner status={status} />
      {paused && w?.paused_message && <p class="counter-paused">{t('counter.pausedWith', { message: w.paused_message })}</p>}
      {error && <ErrorLine error={error} testid="counter-error" />}
      {!error && notice && (
        <p class="counter-notice" role="status">
          {notice}
        </p>
      )}

      <nav class="counter-actions" aria-label={t('counter.title')}>
        {Object.entries(PLAIN).map(([command, p]) =>
          button(command as Exclude<Command, 'escape'>, p.testid, p.label, () => void act(p.action)),
        )}
        {button('transfer', 'counter-transfer', 'counter.action.transfer', () => setDialog({ kind: 'transfer' }))}
        {button('call-specific', 'counter-call-specific', 'counter.action.callSpecific', () => setDialog({ kind: 'specific', number: '' }))}
        {paused
          ? button('pause', 'counter-resume', 'counter.action.resume', () => void act('resume'))
          : button('pause', 'counter-pause', 'counter.action.pause', () => setDialog({ kind: 'pause' }))}
      </nav>

      {dialog?.kind === 'specific' && (
        <SpecificDialog
          number={dialog.number}
          onConfirm={(body) => void act('call-specific', body)}
          onInvalid={setError}
          onCancel={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'transfer' && view && (
        <TransferDialog view={view} onConfirm={(body) => void act('transfer', body)} onInvalid={setError} onCancel={() => setDialog(null)} />
      )}
      {dialog?.kind === 'pause' && <PauseDialog onConfirm={(body) => void act('pause', body)} onCancel={() => setDialog(null)} />}

      {view ? (
        <div class="counter-main">
          <CurrentTicket view={view} />
          <QueueList view={view} onPick={(number) => setDialog({ kind: 'specific', number })} />
          <HeldList view={view} onCallBack={(number) => void act('call-back', { number })} />
        </div>
      ) : (
        <p class="counter-muted">{t('counter.loading')}</p>
      )}

      <aside class="counter-shortcuts">
        <h2>{t('counter.shortcuts')}</h2>
        <dl>
          {SHORTCUTS.map((s) => (
            <div key={s.command}>
              <dt>
                <kbd>{s.label}</kbd>
              </dt>
              <dd>{s.command === 'pause' ? `${t('counter.action.pause')} / ${t('counter.action.resume')}` : t(COMMAND_LABELS[s.command])}</dd>
            </div>
          ))}
        </dl>
        <p class="counter-muted">{t('counter.shortcut.dialogs')}</p>
      </aside>
    </div>
  );
}
