// Preact hooks that bind the API to the screens.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getBoard, getHall } from '../api/client';
import { EventStream, type StreamStatus } from '../api/stream';
import type { HallResponse } from '../api/types';
import { applyEvent, fromSnapshot, type BoardState } from './board';

/** The board kept live by the event stream. */
export function useBoard(): { board: BoardState | null; status: StreamStatus } {
  const [board, setBoard] = useState<BoardState | null>(null);
  const [status, setStatus] = useState<StreamStatus>('loading');
  useEffect(() => {
    let current: BoardState | null = null;
    const stream = new EventStream({
      loadSnapshot: () => getBoard(),
      onSnapshot: (s) => {
        current = fromSnapshot(s);
        setBoard(current);
      },
      onEvent: (ev) => {
        if (!current) return false;
        const next = applyEvent(current, ev, Date.now());
        if (!next) return false;
        current = next;
        setBoard(next);
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
