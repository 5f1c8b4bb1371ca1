import { render } from 'preact';
import { App } from './app';
import { initialLang, setLang } from './i18n';
import './styles.css';

setLang(initialLang());
render(<App />, document.getElementById('app')!);

// The service worker caches the app shell so the diary opens without a connection.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  });
}
