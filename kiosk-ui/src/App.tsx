import { route, type Route } from './lib/route';
import { HallScreen } from './screens/HallScreen';
import { KioskScreen } from './screens/KioskScreen';
import { WindowScreen } from './screens/WindowScreen';
import { Bi } from './screens/Bilingual';

export function App(props: { route?: Route }) {
  const r = props.route ?? route(globalThis.location.pathname);
  switch (r.surface) {
    case 'hall':
      return <HallScreen />;
    case 'window':
      return <WindowScreen id={r.id} />;
    case 'kiosk':
      return <KioskScreen />;
    default:
      return (
        <main class="not-found">
          <Bi k="app.notFound" />
        </main>
      );
  }
}
