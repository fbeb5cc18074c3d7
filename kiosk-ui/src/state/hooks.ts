// Preact hooks that bind the API to the screens.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getBoard, getHall } from '../api/client';
import { EventStream, type StreamStatus } from '../api/stream';
import type { HallResponse, StreamEvent } from '../api/types';
import { applyEvent, fromSnapshot, type BoardState } from './board';

/**
 * The board kept live by the event stream. `onEvent` sees every event once it is applied (the
 * evaluator waits for `queue.service_finished` this way); `onSnapshot` every (re)load.
 */
export function useBoard(opts: {
  onEvent?: (ev: StreamEvent, board: BoardState) => void;
  onSnapshot?: (board: BoardState) => void;
} = {}): { board: BoardState | null; status: StreamStatus } {
  const [board, setBoard] = useState<BoardState | null>(null);
  const [status, setStatus] = useState<StreamStatus>('loading');
  const listeners = useRef(opts);
  listeners.current = opts;
  useEffect(() => {
    let current: BoardState | null = null;
    const stream = new EventStream({
      loadSnapshot: () => getBoard(),
      onSnapshot: (s) => {
        current = fromSnapshot(s);
        setBoard(current);
        listeners.current.onSnapshot?.(current);
      },
      onEvent: (ev) => {
        if (!current) return false;
        const next = applyEvent(current, ev, Date.now());
        if (!next) return false;
        current = next;
        setBoard(next);
        listeners.current.onEvent?.(ev, next);
        return true;
      },
      onStatus: setStatus,
    });
    stream.start();
    return () => stream.stop();
  }, []);
  return { board, status };
}

/**
 * The hall catalogue (GET /hall): loaded at once, retried every 5 s until it comes, then
 * reloaded every `refreshMs` (0: never) so names, opening and waiting counts stay current.
 */
export function useHall(refreshMs = 0): {
  hall: HallResponse | null;
  failed: boolean;
  reload: () => void;
} {
  const [hall, setHall] = useState<HallResponse | null>(null);
  const [failed, setFailed] = useState(false);
  const reloadRef = useRef<() => void>(() => {});
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      let ok = false;
      try {
        const h = await getHall();
        if (!alive) return;
        setHall(h);
        setFailed(false);
        ok = true;
      } catch {
        if (!alive) return;
        setFailed(true);
      }
      const delay = ok ? refreshMs : 5000;
      if (delay > 0) timer = setTimeout(() => void load(), delay);
    };
    reloadRef.current = () => void load();
    void load();
    return () => {
      alive = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [refreshMs]);
  return { hall, failed, reload: () => reloadRef.current() };
}

/** The time, updated every `ms`. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * Calls `onChange` once the stream is up (after each board (re)load) and for every event, for
 * screens that reload their own data when the hall changes (counter, status).
 */
export function useStreamEvents(onChange: (ev: StreamEvent | null) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('loading');
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    const stream = new EventStream({
      loadSnapshot: () => getBoard(),
      onSnapshot: () => cb.current(null),
      onEvent: (ev) => {
        cb.current(ev);
        return true;
      },
      onStatus: setStatus,
    });
    stream.start();
    return () => stream.stop();
  }, []);
  return status;
}

/**
 * Runs `load` now and whenever `trigger()` is called, never twice at once: a trigger during a
 * run makes one more run after it. For reloads driven by stream events.
 */
export function useCoalesced(load: () => Promise<void>): () => void {
  const fn = useRef(load);
  fn.current = load;
  const state = useRef({ running: false, again: false });
  const trigger = useRef(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    void (async () => {
      do {
        s.again = false;
        try {
          await fn.current();
        } catch {
          // the loader reports its own failures
        }
      } while (s.again);
      s.running = false;
    })();
  });
  return trigger.current;
}
