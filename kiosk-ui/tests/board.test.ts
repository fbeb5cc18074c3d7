import { describe, expect, it } from 'vitest';
import type { BoardSnapshot, StreamEvent, WindowInfo } from '../src/api/types';
import {
  applyEvent,
  currentCalls,
  eventName,
  fromSnapshot,
  isFresh,
  pausedWindows,
  recentCalls,
  type BoardState,
} from '../src/state/board';

const win = (id: string, patch: Partial<WindowInfo> = {}): WindowInfo => ({
  id,
  name_zh: `${id}号窗口`,
  name_en: `Window ${id}`,
  serves: ['SOC'],
  state: 'idle',
  ticket: null,
  officer: '1024',
  paused_message: null,
  ...patch,
});

const snapshot = (): BoardSnapshot => ({
  seq: 100,
  calls: [
    { ticket: 'A001', window: '3', at_ms: 1000, recall: 0 },
    { ticket: 'B001', window: '5', at_ms: 900, recall: 0 },
  ],
  windows: [win('3', { state: 'calling', ticket: 'A001' }), win('5'), win('7')],
  services: [
    { code: 'SOC', waiting: 4, estimated_wait_s: 720 },
    { code: 'TAX', waiting: 0, estimated_wait_s: 0 },
  ],
});

let seq = 100;
const ev = (type: string, payload: Record<string, unknown>): StreamEvent => ({
  seq: ++seq,
  type,
  at_ms: 5000 + seq,
  payload: { actor: 'window:3/officer:1024', ...payload },
});

function apply(state: BoardState, ...events: StreamEvent[]): BoardState {
  let s = state;
  for (const e of events) {
    const next = applyEvent(s, e, 77_000);
    expect(next, `${e.type} ${JSON.stringify(e.payload)}`).not.toBeNull();
    s = next as BoardState;
  }
  return s;
}

describe('board store', () => {
  it('accepts the log names and the dotted names', () => {
    expect(eventName('queue.ticket_called')).toBe('ticket_called');
    expect(eventName('ticket.called')).toBe('ticket_called');
  });

  it('starts from the snapshot: current call per window, the rest as recent calls', () => {
    const s = fromSnapshot(snapshot());
    expect(s.seq).toBe(100);
    expect(currentCalls(s).map((c) => c.ticket)).toEqual(['A001']); // window 5 is idle now
    expect(recentCalls(s, 10).map((c) => c.ticket)).toEqual(['B001']);
    expect(isFresh(s.calls[0]!, 77_000, 10_000)).toBe(false); // snapshot calls are not new
  });

  it('counts an issued ticket and uncounts it when called, learning its number', () => {
    let s = fromSnapshot(snapshot());
    s = apply(
      s,
      ev('queue.ticket_issued', { id: 7, number: 'A005', service: 'SOC', channel: 'walkin', ticket_class: 'normal' }),
    );
    expect(s.services['SOC']!.waiting).toBe(5);
    s = apply(
      s,
      ev('queue.ticket_called', { id: 7, window: '5', specific: false, explanation: { strategy: 'fifo' } }),
    );
    expect(s.services['SOC']!.waiting).toBe(4);
    expect(s.windows['5']).toMatchObject({ state: 'calling', ticket: 'A005' });
    expect(s.calls[0]).toMatchObject({ ticket: 'A005', window: '5', recall: 0, received_ms: 77_000 });
    expect(currentCalls(s).map((c) => c.ticket)).toEqual(['A005', 'A001']);
    expect(isFresh(s.calls[0]!, 80_000, 10_000)).toBe(true);
    expect(isFresh(s.calls[0]!, 87_000, 10_000)).toBe(false);
    expect(s.seq).toBe(seq);
  });

  it('uses the number and service the stream gives (api.md form)', () => {
    let s = fromSnapshot(snapshot());
    s = apply(s, ev('ticket.called', { ticket: 'A002', window: '7', service: 'SOC' }));
    expect(s.windows['7']!.ticket).toBe('A002');
    expect(s.services['SOC']!.waiting).toBe(3);
  });

  it('moves a recalled ticket to the front, counting the recall', () => {
    let s = fromSnapshot(snapshot());
    s = apply(s, ev('ticket.called', { ticket: 'B002', window: '5', service: 'TAX' }));
    s = apply(s, ev('ticket.recalled', { ticket: 'A001', window: '3' }));
    expect(s.calls.map((c) => `${c.ticket}/${c.recall}`)).toEqual(['A001/1', 'B002/0', 'B001/0']);
    expect(s.services['TAX']!.waiting).toBe(0); // never below zero
  });

  it('follows a ticket through start, finish, no-show, hold and transfer', () => {
    let s = fromSnapshot(snapshot());
    s = apply(s, ev('queue.ticket_issued', { id: 8, number: 'A006', service: 'SOC' }));
    s = apply(s, ev('queue.ticket_called', { id: 8, window: '7', specific: false }));
    s = apply(s, ev('queue.service_started', { id: 8, window: '7' }));
    expect(s.windows['7']).toMatchObject({ state: 'serving', ticket: 'A006' });
    expect(currentCalls(s).some((c) => c.ticket === 'A006')).toBe(true);
    s = apply(s, ev('queue.service_finished', { id: 8, window: '7', service_ms: 1000 }));
    expect(s.windows['7']).toMatchObject({ state: 'idle', ticket: null });
    expect(currentCalls(s).some((c) => c.ticket === 'A006')).toBe(false);
    expect(recentCalls(s, 10)[0]!.ticket).toBe('A006');

    const waiting = s.services['SOC']!.waiting;
    s = apply(s, ev('queue.ticket_issued', { id: 9, number: 'A007', service: 'SOC' }));
    s = apply(s, ev('queue.ticket_called', { id: 9, window: '7', specific: false }));
    s = apply(s, ev('queue.ticket_no_show', { id: 9, window: '7', abandoned: false, queue_key: 1 }));
    expect(s.services['SOC']!.waiting).toBe(waiting + 1); // back in its queue
    s = apply(s, ev('queue.ticket_called', { id: 9, window: '7', specific: false }));
    s = apply(s, ev('queue.ticket_held', { id: 9, window: '7' }));
    expect(s.services['SOC']!.waiting).toBe(waiting);
    // 回呼 of a held ticket: not taken from the waiting count.
    s = apply(s, ev('queue.ticket_called', { id: 9, window: '7', specific: true }));
    expect(s.services['SOC']!.waiting).toBe(waiting);
    s = apply(
      s,
      ev('queue.ticket_transferred', { id: 9, from_window: '7', service: 'TAX', queue_key: 3 }),
    );
    expect(s.windows['7']).toMatchObject({ state: 'idle', ticket: null });
    expect(s.services['TAX']!.waiting).toBe(1);
  });

  it('shows pauses with their message, and clears them on resume', () => {
    let s = fromSnapshot(snapshot());
    s = apply(s, ev('queue.window_paused', { window: '5', message: '暂停服务，请到7号窗口' }));
    s = apply(s, ev('queue.window_paused', { window: '7' }));
    expect(pausedWindows(s).map((w) => [w.id, w.paused_message])).toEqual([
      ['5', '暂停服务，请到7号窗口'],
      ['7', null],
    ]);
    s = apply(s, ev('queue.window_resumed', { window: '5' }));
    expect(s.windows['5']).toMatchObject({ state: 'idle', paused_message: null });
    s = apply(s, ev('queue.officer_logged_out', { window: '3' }));
    expect(s.windows['3']).toMatchObject({ state: 'logged_out', officer: null, ticket: null });
    expect(currentCalls(s)).toEqual([]);
    s = apply(s, ev('queue.officer_logged_in', { window: '3', officer: '2048' }));
    expect(s.windows['3']).toMatchObject({ state: 'idle', officer: '2048', officer_name: null });
  });

  it("keeps an officer's name only for the same officer", () => {
    let s = fromSnapshot({ ...snapshot(), windows: [win('3', { officer: '1024', officer_name: '王芳' })] });
    s = apply(s, ev('queue.officer_logged_in', { window: '3', officer: '1024' }));
    expect(s.windows['3']).toMatchObject({ officer: '1024', officer_name: '王芳' });
    s = apply(s, ev('queue.officer_logged_in', { window: '3', officer: '2048' }));
    expect(s.windows['3']).toMatchObject({ officer: '2048', officer_name: null });
  });

  it('asks for a reload instead of guessing', () => {
    const s = fromSnapshot(snapshot());
    // A ticket issued before the snapshot, called by id only: its number is unknown.
    expect(applyEvent(s, ev('queue.ticket_called', { id: 1, window: '3', specific: false }), 0)).toBeNull();
    // A specific call of an unknown ticket: from the queue (选呼) or held (回呼)?
    expect(
      applyEvent(s, ev('ticket.called', { ticket: 'A000', window: '3', service: 'SOC', specific: true }), 0),
    ).toBeNull();
    expect(applyEvent(s, ev('queue.day_rolled_over', { new_day: 20780 }), 0)).toBeNull();
    expect(applyEvent(s, ev('queue.window_paused', { window: '99' }), 0)).toBeNull();
  });

  it('ignores events the screens do not show, and does not change the old state', () => {
    const s = fromSnapshot(snapshot());
    const before = JSON.stringify(s);
    const next = apply(s, ev('queue.ticket_evaluated', { id: 1, score: 5 }), ev('node.started', {}));
    expect(JSON.stringify(s)).toBe(before);
    expect(next.seq).toBe(seq);
    apply(s, ev('queue.window_paused', { window: '5' }));
    expect(JSON.stringify(s)).toBe(before);
  });

  it('keeps at most 20 calls, newest first, and the latest call of every window', () => {
    let s = fromSnapshot(snapshot());
    for (let i = 0; i < 25; i++) {
      s = apply(s, ev('ticket.called', { ticket: `C${100 + i}`, window: i % 2 ? '5' : '7', service: 'TAX' }));
    }
    expect(s.calls).toHaveLength(20);
    expect(s.calls[0]!.ticket).toBe('C124');
    expect(s.calls.map((c) => c.ticket).slice(0, 3)).toEqual(['C124', 'C123', 'C122']);
    expect(s.calls[19]!.ticket).toBe('A001'); // window 3 still calls it
    expect(currentCalls(s).map((c) => c.ticket)).toEqual(['C124', 'C123', 'A001']);
  });
});
