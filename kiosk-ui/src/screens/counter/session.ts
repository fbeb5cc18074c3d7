// The counter's session token lives in sessionStorage: it survives a reload of the tab, not
// the closing of the browser, and is never shared between tabs.
import type { Session } from '../../api/types';

export const SESSION_KEY = 'hallkeeper.counter.session';

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled: the session lasts as long as the page
  }
}

export function loadSession(): Session | null {
  const raw = storage()?.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.token === 'string' && typeof s.window === 'string' && s.officer && typeof s.officer.id === 'string') {
      return {
        token: s.token,
        window: s.window,
        officer: { id: s.officer.id, name: typeof s.officer.name === 'string' ? s.officer.name : '' },
        expires_at_ms: typeof s.expires_at_ms === 'number' ? s.expires_at_ms : 0,
      };
    }
  } catch {
    // not ours: forget it
  }
  clearSession();
  return null;
}

export function saveSession(s: Session): void {
  try {
    storage()?.setItem(SESSION_KEY, JSON.stringify(s));
  } catch {
    // quota or disabled storage: the session still works until the page reloads
  }
}

export function clearSession(): void {
  try {
    storage()?.removeItem(SESSION_KEY);
  } catch {
    // nothing stored
  }
}
