// The shell: sign-in, navigation by role, routes, language switch.
import { useEffect, useState } from 'preact/hooks';
import { setLang, t, currentLang, type Lang } from './i18n';
import { hasRole, isHead, isOrganisation, loadMe, navigate, signIn, signOut, useMe, useOnline, usePath } from './lib/session';
import { ErrorBox, Field, Link, Loading, useAction } from './lib/ui';
import { DiaryPage } from './pages/diary/DiaryPage';
import { WeeksPage } from './pages/diary/WeeksPage';
import { LeavesPage } from './pages/diary/LeavesPage';
import { MyKpiPage } from './pages/diary/MyKpiPage';
import { ApprovalsPage } from './pages/approvals/ApprovalsPage';
import { TeamPage } from './pages/approvals/TeamPage';
import { ChangePasswordScreen } from './pages/account/ChangePassword';
import { InboxBell, InboxPage } from './pages/inbox/InboxPage';
import { lazyScreen } from './lib/lazy';

// Loaded on first use (see lib/lazy): the dashboard brings Chart.js.
const DashboardPage = lazyScreen(() => import('./pages/dashboard/DashboardPage').then((m) => m.DashboardPage));
const AdminPage = lazyScreen(() => import('./pages/admin/AdminPage').then((m) => m.AdminPage));
const GradingStart = lazyScreen(() => import('./pages/grading/GradingPage').then((m) => m.GradingStart));
const GradingRound = lazyScreen(() => import('./pages/grading/GradingPage').then((m) => m.GradingRound));
const BallotsPage = lazyScreen(() => import('./pages/ballots/BallotsPage').then((m) => m.BallotsPage));
const CampaignPage = lazyScreen(() => import('./pages/ballots/BallotsPage').then((m) => m.CampaignPage));

export function App() {
  const [lang, setLangState] = useState<Lang>(currentLang());
  const [ready, setReady] = useState(false);
  const me = useMe();
  const path = usePath();

  useEffect(() => {
    loadMe()
      .catch(() => null)
      .finally(() => setReady(true));
  }, []);

  const switchLang = (next: Lang) => {
    setLang(next);
    setLangState(next);
    if (me) void loadMe().catch(() => undefined); // grade labels and messages come in the new language
  };

  if (!ready) return <Loading />;
  if (!me) {
    if (!path.startsWith('/login')) history.replaceState(null, '', '/login');
    return <Login lang={lang} onLang={switchLang} />;
  }
  if (me.must_change_password) return <ChangePasswordScreen key={lang} />;
  return (
    <div class="shell" key={lang}>
      <Header lang={lang} onLang={switchLang} path={path} />
      <main id="main">
        <Route path={path} />
      </main>
    </div>
  );
}

function Route(props: { path: string }) {
  const me = useMe();
  const parts = props.path.split('?')[0]!.split('/').filter(Boolean);
  const [first, second] = parts;
  switch (first) {
    case undefined:
    case 'login':
      setTimeout(() => navigate(isOrganisation(me) && !hasRole(me, 'staff') ? '/dashboard' : '/diary', true));
      return null;
    case 'diary':
      return <DiaryPage key={second ?? 'today'} date={second} />;
    case 'week':
      return <WeeksPage />;
    case 'leaves':
      return <LeavesPage />;
    case 'kpi':
      return <MyKpiPage />;
    case 'approvals':
      return <ApprovalsPage />;
    case 'team':
      return <TeamPage />;
    case 'grading':
      return second ? <GradingRound id={Number(second)} /> : <GradingStart />;
    case 'dashboard':
      return <DashboardPage key={location.search} />;
    case 'admin':
      return <AdminPage tab={second} />;
    case 'inbox':
      return <InboxPage />;
    case 'ballots':
      return second ? <CampaignPage id={Number(second)} /> : <BallotsPage />;
    default:
      return <p>{t('error.not_found')}</p>;
  }
}

function Header(props: { lang: Lang; onLang: (l: Lang) => void; path: string }) {
  const me = useMe()!;
  const online = useOnline();
  const links: [string, string][] = [];
  if (hasRole(me, 'staff')) links.push(['/diary', t('nav.diary')], ['/week', t('nav.weeks')], ['/leaves', t('nav.leaves')], ['/kpi', t('nav.kpi')]);
  if (isHead(me)) links.push(['/approvals', t('nav.approvals')], ['/team', t('nav.team')], ['/grading', t('nav.grading')]);
  if (isOrganisation(me) || isHead(me)) links.push(['/dashboard', t('nav.dashboard')]);
  if (isOrganisation(me)) {
    if (!isHead(me)) links.push(['/grading', t('nav.grading')]);
    links.push(['/admin', t('nav.admin')]);
  }
  links.push(['/ballots', t('nav.ballots')]);
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <div class="topbar-row">
        <strong class="brand">{t('app.name')}</strong>
        <span class={online ? 'dot dot-on' : 'dot dot-off'} role="status" aria-label={online ? t('app.online') : t('app.offline')} />
        <span class="who">{me.staff.full_name}</span>
        <InboxBell path={props.path} />
        <label class="lang">
          <span class="sr-only">{t('app.language')}</span>
          <select value={props.lang} onChange={(e) => props.onLang((e.target as HTMLSelectElement).value as Lang)}>
            <option value="vi">Tiếng Việt</option>
            <option value="en">English</option>
          </select>
        </label>
        <button class="btn btn-small btn-ghost" onClick={() => void signOut()}>
          {t('app.sign_out')}
        </button>
      </div>
      <nav class="nav" aria-label={t('nav.main')}>
        {links.map(([href, label]) => (
          <Link key={href} href={href} current={props.path.split('?')[0] === href || props.path.startsWith(`${href}/`)}>
            {label}
          </Link>
        ))}
      </nav>
    </header>
  );
}

function Login(props: { lang: Lang; onLang: (l: Lang) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useAction(async () => {
    await signIn(username.trim(), password);
    navigate('/', true);
  });
  return (
    <main class="login" id="main">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void login.run();
        }}
      >
        <h1>{t('app.name')}</h1>
        <p class="muted">{t('login.intro')}</p>
        <Field label={t('login.username')} id="username">
          <input id="username" autocomplete="username" value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required />
        </Field>
        <Field label={t('login.password')} id="password">
          <input
            id="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            required
          />
        </Field>
        <ErrorBox error={login.error} />
        <button class="btn btn-primary" type="submit" disabled={login.busy}>
          {t('login.submit')}
        </button>
        <label class="lang">
          {t('app.language')}{' '}
          <select value={props.lang} onChange={(e) => props.onLang((e.target as HTMLSelectElement).value as Lang)}>
            <option value="vi">Tiếng Việt</option>
            <option value="en">English</option>
          </select>
        </label>
      </form>
    </main>
  );
}
