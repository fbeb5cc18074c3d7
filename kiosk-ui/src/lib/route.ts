// One app, surfaces by URL. The daemon answers these paths with index.html.
export type Route =
  | { surface: 'hall' }
  | { surface: 'window'; id: string }
  | { surface: 'kiosk' }
  /** `/counter` (window chosen at login) or `/counter/:window`. */
  | { surface: 'counter'; window: string | null }
  /** `/evaluator/:window`; `/evaluator` alone has no window and says so. */
  | { surface: 'evaluator'; window: string | null }
  | { surface: 'status' }
  | { surface: 'not_found'; path: string };

function param(path: string, prefix: string): string | null | undefined {
  if (path === prefix) return null;
  const m = new RegExp(`^${prefix}/([^/]+)$`).exec(path);
  if (!m || !m[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/hall') return { surface: 'hall' };
  if (path === '/kiosk') return { surface: 'kiosk' };
  if (path === '/status') return { surface: 'status' };
  const win = param(path, '/window');
  if (win) return { surface: 'window', id: win };
  const counter = param(path, '/counter');
  if (counter !== undefined) return { surface: 'counter', window: counter };
  const evaluator = param(path, '/evaluator');
  if (evaluator !== undefined) return { surface: 'evaluator', window: evaluator };
  return { surface: 'not_found', path };
}
