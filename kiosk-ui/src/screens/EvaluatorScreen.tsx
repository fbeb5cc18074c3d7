// 评价器 /evaluator/:window: a tablet by the counter. It shows the window's officer (a neutral
// avatar with the name's first character: there is no API for photos). When the window finishes
// a ticket (queue.service_finished on the stream) it asks the citizen to rate the service; a
// thank-you for a few seconds after; back to idle, sending nothing, if nobody rates in 60 s.
import { useEffect, useState } from 'preact/hooks';
import type { StreamEvent } from '../api/types';
import { eventName } from '../state/board';
import { useBoard, useHall } from '../state/hooks';
import { Bi, ConnectionBanner } from './Bilingual';
import { RatingForm } from './evaluator/RatingForm';

export const PROMPT_TIMEOUT_MS = 60_000;
export const THANKS_MS = 5_000;

type Phase = { phase: 'idle' } | { phase: 'prompt'; ticket: string; seq: number } | { phase: 'thanks' };

/** The ticket a `queue.service_finished` event of this window finished, if it is one. */
export function finishedTicket(ev: StreamEvent, windowId: string): string | null {
  if (eventName(ev.type) !== 'service_finished') return null;
  const p = ev.payload;
  return p['window'] === windowId && typeof p['ticket'] === 'string' && p['ticket'] ? p['ticket'] : null;
}

function Officer(props: { id: string | null; name: string | null }) {
  const initial = props.name ? (Array.from(props.name.trim())[0] ?? '') : '';
  return (
    <div class="evaluator__officer">
      <div class="evaluator__avatar" aria-hidden="true">
        {initial || '·'}
      </div>
      <div>
        <div class="evaluator__officer-name" data-testid="evaluator-officer-name">
          {props.name ?? (props.id ? '' : <Bi k="evaluator.noOfficer" />)}
        </div>
        {props.id && (
          <div class="evaluator__officer-id" data-testid="evaluator-officer-id">
            <Bi k="window.officer" params={{ id: props.id }} />
          </div>
        )}
      </div>
    </div>
  );
}

export function EvaluatorScreen(props: { window: string | null }) {
  const id = props.window ?? '';
  const [phase, setPhase] = useState<Phase>({ phase: 'idle' });
  const [activity, setActivity] = useState(0);
  const { board, status } = useBoard({
    onEvent: (ev) => {
      const ticket = finishedTicket(ev, id);
      if (ticket) setPhase({ phase: 'prompt', ticket, seq: ev.seq });
    },
  });
  const { hall, reload } = useHall(60_000);

  const w = board?.windows[id];
  const officerId = w && w.state !== 'logged_out' ? w.officer : null;
  const fromHall = hall?.windows.find((x) => x.id === id);
  const officerName =
    (officerId && w?.officer_name) || (officerId && fromHall?.officer === officerId ? fromHall.officer_name : null) || null;

  // A new officer logged in: the stream carries the 工号 only, the name comes from /hall.
  useEffect(() => {
    if (officerId && fromHall && fromHall.officer !== officerId) reload();
  }, [officerId, fromHall?.officer]);

  useEffect(() => {
    if (phase.phase === 'idle') return;
    const ms = phase.phase === 'prompt' ? PROMPT_TIMEOUT_MS : THANKS_MS;
    const timer = setTimeout(() => setPhase({ phase: 'idle' }), ms);
    return () => clearTimeout(timer);
  }, [phase, activity]);

  if (!props.window) {
    return (
      <main class="evaluator evaluator--message">
        <Bi k="evaluator.noWindow" />
      </main>
    );
  }
  if (board && !w) {
    return (
      <main class="evaluator evaluator--message">
        <Bi k="window.unknown" params={{ id }} />
      </main>
    );
  }

  let body;
  if (phase.phase === 'prompt') {
    body = (
      <RatingForm
        key={phase.seq}
        ticket={phase.ticket}
        onActivity={() => setActivity((n) => n + 1)}
        onSent={() => setPhase({ phase: 'thanks' })}
      />
    );
  } else if (phase.phase === 'thanks') {
    body = (
      <section class="evaluator__thanks" data-testid="evaluator-thanks" role="status">
        <Bi k="evaluator.thanks" />
      </section>
    );
  } else {
    body = (
      <section class="evaluator__idle" data-testid="evaluator-idle">
        {!w ? (
          <Bi k="app.loading" />
        ) : w.state === 'logged_out' ? (
          <Bi k="window.loggedOut" />
        ) : w.state === 'paused' ? (
          <>
            <Bi k="window.paused" />
            {w.paused_message && <p class="evaluator__paused">{w.paused_message}</p>}
          </>
        ) : (
          <Bi class="evaluator__welcome" k="evaluator.welcome" />
        )}
      </section>
    );
  }

  return (
    <main class="evaluator">
      <header class="evaluator__header">
        <Officer id={officerId} name={officerName} />
        {w && <span class="evaluator__window">{w.name_zh}</span>}
      </header>
      <ConnectionBanner status={status} />
      <div class="evaluator__body">{body}</div>
    </main>
  );
}
