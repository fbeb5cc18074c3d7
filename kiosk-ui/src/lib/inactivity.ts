// Back to the start after a while without a touch (kiosk) — a timer restarted by every touch,
// click or key anywhere on the page, and by `resetKey` changing (a new step of the flow).
import { useEffect, useRef } from 'preact/hooks';

export interface InactivityOptions {
  /** While true no timer runs (e.g. while waiting on the card reader); it restarts after. */
  paused?: boolean;
  /** Any change restarts the timer. */
  resetKey?: unknown;
}

export function useInactivity(ms: number, onIdle: () => void, opts: InactivityOptions = {}): void {
  const idle = useRef(onIdle);
  idle.current = onIdle;
  const paused = opts.paused ?? false;
  useEffect(() => {
    if (paused) return;
    let timer = setTimeout(() => idle.current(), ms);
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.current(), ms);
    };
    const events = ['pointerdown', 'touchstart', 'keydown', 'click', 'input'] as const;
    for (const e of events) document.addEventListener(e, reset, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) document.removeEventListener(e, reset, { capture: true });
    };
  }, [ms, paused, opts.resetKey]);
}
