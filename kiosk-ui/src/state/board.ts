// What the window and hall screens show: a board snapshot (GET /api/v1/board) with the stream's
// events applied to it (docs/queue-events.md).
//
// Event types are accepted as the log writes them (`queue.ticket_called`) and in the dotted
// form of api.md's example (`ticket.called`). Payloads carry ticket ids (`id`); the number shown
// (`A042`) comes from `ticket`/`number` in the payload when the stream adds it, or from the
// `queue.ticket_issued` event seen earlier. When an event cannot be applied exactly (a ticket
// the screen never saw, a day rollover), applyEvent answers false and the caller reloads the
// snapshot: counts are never guessed.
import type { BoardCall, BoardSnapshot, StreamEvent, WindowInfo, WindowState } from '../api/types';

/** How many calls the board keeps (the snapshot holds at most 20). */
export const MAX_CALLS = 20;

export interface Call extends BoardCall {
  /** Client time the call (or recall) arrived through the stream; 0 when from a snapshot. */
  received_ms: number;
}

export interface ServiceCount {
  code: string;
  waiting: number;
  estimated_wait_s: number;
}

type TicketState = 'waiting' | 'called' | 'serving' | 'held' | 'done';

interface TicketInfo {
  number: string;
  service?: string;
  state?: TicketState;
}

export interface BoardState {
  seq: number;
  /** Newest first, at most MAX_CALLS; a ticket appears once, at its latest call. */
  calls: Call[];
  windows: Record<string, WindowInfo>;
  services: Record<string, ServiceCount>;
  /** Tickets seen since the snapshot, by id. */
  tickets: Record<number, TicketInfo>;
}

export function fromSnapshot(s: BoardSnapshot): BoardState {
  const windows: Record<string, WindowInfo> = {};
  for (const w of s.windows) windows[w.id] = { ...w };
  const services: Record<string, ServiceCount> = {};
  for (const c of s.services) services[c.code] = { ...c };
  return {
    seq: s.seq,
    calls: s.calls.slice(0, MAX_CALLS).map((c) => ({ ...c, received_ms: 0 })),
    windows,
    services,
    tickets: {},
  };
}

/**
 * Keeps the latest call of every window (as the daemon's snapshot does: a window called long
 * ago still shows its number) and the newest others, up to MAX_CALLS in all. Newest first.
 */
function trimCalls(calls: Call[]): Call[] {
  const windows = new Set<string>();
  const latest = new Set<Call>();
  for (const c of calls) {
    if (!windows.has(c.window)) {
      windows.add(c.window);
      latest.add(c);
    }
  }
  let room = Math.max(0, MAX_CALLS - latest.size);
  return calls.filter((c) => {
    if (latest.has(c)) return true;
    if (room === 0) return false;
    room--;
    return true;
  });
}

/** `queue.ticket_called` and `ticket.called` both become `ticket_called`. */
export function eventName(type: string): string {
  return type.replace(/^queue\./, '').replace(/\./g, '_');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Applies one event to the state, in place of the old one (the state is treated as immutable:
 * a new object is returned). Returns null when the event cannot be applied exactly: reload.
 */
export function applyEvent(state: BoardState, ev: StreamEvent, nowMs: number): BoardState | null {
  const p = ev.payload;
  const name = eventName(ev.type);
  const next: BoardState = {
    ...state,
    seq: ev.seq,
    windows: { ...state.windows },
    services: { ...state.services },
    tickets: { ...state.tickets },
  };

  const id = num(p['id']);
  const known = id !== undefined ? state.tickets[id] : undefined;
  const number = str(p['ticket']) ?? str(p['number']) ?? known?.number;
  const service = str(p['service']) ?? known?.service;

  const setWindow = (wid: string | undefined, patch: Partial<WindowInfo>): boolean => {
    if (wid === undefined) return false;
    const w = next.windows[wid];
    if (!w) return false; // a window the snapshot does not know: the hall file changed
    next.windows[wid] = { ...w, ...patch };
    return true;
  };
  const addWaiting = (code: string | undefined, delta: number): boolean => {
    if (code === undefined) return false;
    const s = next.services[code];
    if (!s) return false;
    next.services[code] = { ...s, waiting: Math.max(0, s.waiting + delta) };
    return true;
  };
  const setTicket = (patch: Partial<TicketInfo>): void => {
    if (id === undefined || number === undefined) return;
    next.tickets[id] = { number, ...known, ...(service ? { service } : {}), ...patch };
  };
  const pushCall = (win: string, recall: number): void => {
    const call: Call = { ticket: number as string, window: win, at_ms: ev.at_ms, recall, received_ms: nowMs };
    next.calls = trimCalls([call, ...state.calls.filter((c) => c.ticket !== call.ticket)]);
  };
  const windowTicketCleared = (wid: string | undefined, st: WindowState = 'idle'): boolean =>
    setWindow(wid, { ticket: null, state: st });

  switch (name) {
    case 'ticket_issued': {
      if (id === undefined || number === undefined) return null;
      setTicket({ state: 'waiting' });
      return addWaiting(service, +1) ? next : null;
    }
    case 'ticket_called': {
      const win = str(p['window']);
      if (number === undefined || win === undefined) return null;
      // From the waiting queue, unless it is a held ticket called back (回呼). Which one a
      // specific call (选呼 / 回呼) took is only known for tickets seen since the snapshot.
      let fromQueue: boolean;
      if (known?.state) fromQueue = known.state === 'waiting';
      else if (p['specific'] === true) return null;
      else fromQueue = true;
      if (fromQueue && !addWaiting(service, -1)) return null;
      setTicket({ state: 'called' });
      if (!setWindow(win, { ticket: number, state: 'calling' })) return null;
      pushCall(win, 0);
      return next;
    }
    case 'ticket_recalled': {
      const win = str(p['window']);
      if (number === undefined || win === undefined) return null;
      const prev = state.calls.find((c) => c.ticket === number);
      if (!setWindow(win, { ticket: number, state: 'calling' })) return null;
      pushCall(win, (prev?.recall ?? 0) + 1);
      return next;
    }
    case 'service_started': {
      setTicket({ state: 'serving' });
      return setWindow(str(p['window']), { state: 'serving', ...(number ? { ticket: number } : {}) })
        ? next
        : null;
    }
    case 'ticket_no_show': {
      if (!windowTicketCleared(str(p['window']))) return null;
      if (p['abandoned'] === true) {
        setTicket({ state: 'done' });
        return next;
      }
      setTicket({ state: 'waiting' });
      return addWaiting(service, +1) ? next : null;
    }
    case 'ticket_transferred': {
      if (!windowTicketCleared(str(p['from_window']))) return null;
      const to = str(p['service']);
      if (id !== undefined && number !== undefined) {
        next.tickets[id] = { number, service: to, state: 'waiting' };
      }
      return addWaiting(to, +1) ? next : null;
    }
    case 'ticket_held': {
      setTicket({ state: 'held' });
      return windowTicketCleared(str(p['window'])) ? next : null;
    }
    case 'service_finished': {
      setTicket({ state: 'done' });
      return windowTicketCleared(str(p['window'])) ? next : null;
    }
    case 'ticket_abandoned': {
      // A waiting ticket leaves its queue; one at a window frees the window.
      if (known?.state === undefined) return null;
      if (known.state === 'waiting' && !addWaiting(service, -1)) return null;
      for (const w of Object.values(next.windows)) {
        if (w.ticket === known.number) next.windows[w.id] = { ...w, ticket: null, state: 'idle' };
      }
      setTicket({ state: 'done' });
      return next;
    }
    case 'window_paused':
      return setWindow(str(p['window']), { state: 'paused', paused_message: str(p['message']) ?? null })
        ? next
        : null;
    case 'window_resumed': {
      const wid = str(p['window']);
      const w = wid !== undefined ? next.windows[wid] : undefined;
      return setWindow(wid, { state: w?.ticket ? 'serving' : 'idle', paused_message: null }) ? next : null;
    }
    case 'officer_logged_in': {
      // The event names the 工号 only: the name is kept for the same officer, else unknown
      // until the screen reads /hall again.
      const wid = str(p['window']);
      const officer = str(p['officer']) ?? null;
      const before = wid !== undefined ? state.windows[wid] : undefined;
      const officer_name = before && before.officer === officer ? (before.officer_name ?? null) : null;
      return setWindow(wid, { state: 'idle', officer, officer_name }) ? next : null;
    }
    case 'officer_logged_out':
      return setWindow(str(p['window']), {
        state: 'logged_out',
        officer: null,
        officer_name: null,
        ticket: null,
        paused_message: null,
      })
        ? next
        : null;
    case 'day_rolled_over':
    case 'tickets_closed':
      return null; // numbering restarts, queues emptied: take the daemon's word for it
    default:
      // Evaluations, appointments, clock ticks and the daemon's other events change nothing
      // the screens show.
      return next;
  }
}

/** The latest call of each window that still has that ticket, newest first. */
export function currentCalls(state: BoardState): Call[] {
  const seen = new Set<string>();
  const out: Call[] = [];
  for (const c of state.calls) {
    if (seen.has(c.window)) continue;
    seen.add(c.window);
    const w = state.windows[c.window];
    if (w && (w.ticket !== c.ticket || (w.state !== 'calling' && w.state !== 'serving'))) continue;
    out.push(c);
  }
  return out;
}

/** Calls that are no longer current (missed numbers a citizen may look for), newest first. */
export function recentCalls(state: BoardState, n: number): Call[] {
  const current = new Set(currentCalls(state));
  return state.calls.filter((c) => !current.has(c)).slice(0, n);
}

/** Windows paused with or without a message, by id. */
export function pausedWindows(state: BoardState): WindowInfo[] {
  return Object.values(state.windows)
    .filter((w) => w.state === 'paused')
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** The latest call at one window, if the window still has that ticket. */
export function windowCall(state: BoardState, windowId: string): Call | undefined {
  return currentCalls(state).find((c) => c.window === windowId);
}

/** Whether a call arrived within `ms` (so the screens highlight it). */
export function isFresh(call: Call, nowMs: number, ms: number): boolean {
  return call.received_ms > 0 && nowMs - call.received_ms < ms;
}
