import { render } from 'preact';
import { App } from './App';
import './styles.css';
import './styles/kiosk.css';
import './styles/counter.css';
import './styles/evaluator.css';
import './styles/status.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
