import { route, type Route } from './lib/route';
import { CounterScreen } from './screens/CounterScreen';
import { EvaluatorScreen } from './screens/EvaluatorScreen';
import { HallScreen } from './screens/HallScreen';
import { KioskScreen } from './screens/KioskScreen';
import { StatusScreen } from './screens/StatusScreen';
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
    case 'counter':
      return <CounterScreen window={r.window} />;
    case 'evaluator':
      return <EvaluatorScreen window={r.window} />;
    case 'status':
      return <StatusScreen />;
    default:
      return (
        <main class="not-found">
          <Bi k="app.notFound" />
        </main>
      );
  }
}
