// The signed-in person and the shared API client, diary outbox and router.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, browserTokenStore, call, createApi, type Schemas } from '../api/client';
import { Diary, openDiaryStore } from '../api/offline';
import { currentLang } from '../i18n';

export type Me = Schemas['MeView'];

const listeners = new Set<() => void>();
function notify() {
  for (const l of listeners) l();
}

export const client = createApi({
  store: browserTokenStore,
  language: () => currentLang(),
  onSignedOut: () => {
    session.me = null;
    notify();
    navigate('/login');
  },
  onPasswordChangeRequired: () => {
    if (session.me && !session.me.must_change_password) {
      session.me = { ...session.me, must_change_password: true };
      notify();
    }
  },
});
export const api = client.api;

const ME_KEY = 'worklog.me';

export const session: { me: Me | null; diary: Diary | null } = { me: null, diary: null };

export async function loadMe(): Promise<Me | null> {
  if (!client.store.get()) return null;
  try {
    session.me = await call(api.GET('/api/v1/me'));
    localStorage.setItem(ME_KEY, JSON.stringify(session.me));
  } catch (e) {
    // Opened with no connection (the service worker served the app): the diary still works
    // from the device, as the person last seen.
    const cached = localStorage.getItem(ME_KEY);
    if (!(e instanceof ApiError && e.offline) || !cached) throw e;
    session.me = JSON.parse(cached) as Me;
  }
  if (!session.diary) session.diary = new Diary(api, await openDiaryStore());
  notify();
  return session.me;
}

export async function signIn(username: string, password: string): Promise<void> {
  await client.login(username, password);
  const previous = localStorage.getItem('worklog.user');
  if (previous !== username && session.diary === null) {
    // Another person used this device: their local diary is not ours.
    const store = await openDiaryStore();
    if ((await store.pending()).length === 0) await store.clear();
  }
  localStorage.setItem('worklog.user', username);
  await loadMe();
}

/** After an administrator's reset: the new password, then the app as usual. */
export async function changePassword(current: string, next: string): Promise<void> {
  await client.changePassword(current, next);
  await loadMe();
}

export async function signOut(): Promise<void> {
  await client.logout();
  localStorage.removeItem(ME_KEY);
  session.me = null;
  notify();
  navigate('/login');
}

export function useMe(): Me | null {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return session.me;
}

export function hasRole(me: Me | null, role: Schemas['Role']): boolean {
  return !!me && me.staff.roles.includes(role);
}

export const isHead = (me: Me | null) => !!me && (me.headed_unit_ids.length > 0 || hasRole(me, 'head'));
export const isOrganisation = (me: Me | null) => hasRole(me, 'organisation') || hasRole(me, 'admin');

// --- a tiny router on the History API (deep links are served index.html by the binary) ---
const routeListeners = new Set<() => void>();

export function navigate(path: string, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const l of routeListeners) l();
  window.scrollTo(0, 0);
}

export function usePath(): string {
  // The search is part of the route (the dashboard's unit and period).
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const l = () => setPath(location.pathname + location.search);
    routeListeners.add(l);
    window.addEventListener('popstate', l);
    return () => {
      routeListeners.delete(l);
      window.removeEventListener('popstate', l);
    };
  }, []);
  return path;
}

/** Online state that follows the browser's events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}
