// One app, surfaces by URL. The daemon answers these paths with index.html.
export type Route =
  | { surface: 'hall' }
  | { surface: 'window'; id: string }
  | { surface: 'kiosk' }
  | { surface: 'not_found'; path: string };

export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/hall') return { surface: 'hall' };
  if (path === '/kiosk') return { surface: 'kiosk' };
  const m = /^\/window\/([^/]+)$/.exec(path);
  if (m && m[1]) return { surface: 'window', id: decodeURIComponent(m[1]) };
  return { surface: 'not_found', path };
}
