// Screens that only some roles open (the dashboard with its charts, administration, grading,
// ballots) load on first use, so the sign-in form and the diary parse less JavaScript on a phone.
// The service worker caches every chunk the bundle names, so they open offline too.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorBox, Loading } from './ui';

export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function LazyScreen(props: P) {
    // A component is a function: wrapped, so that useState stores it instead of calling it.
    const [screen, setScreen] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState<unknown>(null);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      pending ??= load().then((c) => (loaded = c));
      pending.then(
        (c) => live && setScreen(() => c),
        (e: unknown) => {
          pending = null; // a later visit tries again (e.g. back online)
          if (live) setFailed(e ?? new Error(t('error.offline')));
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (failed) return <ErrorBox error={failed} />;
    if (!screen) return <Loading />;
    const Screen = screen;
    return <Screen {...props} />;
  };
}
