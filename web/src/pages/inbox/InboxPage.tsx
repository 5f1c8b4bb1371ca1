// The inbox: reminders by kind (under-logged week, lines waiting, returned line, report due),
// read one or all, and the kinds the person mutes. The header's bell polls the unread count.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t, type MessageKey } from '../../i18n';
import { badgeText, noteLink } from '../../lib/ballots';
import { formatDateTime } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Link, Loading, Page, useAction } from '../../lib/ui';

type Note = Schemas['NoteView'];
const CHANGED = 'worklog:notes-changed';
const POLL_MS = 60_000;

const kindLabel = (kind: string) => t(`inbox.kind.${kind}` as MessageKey);

/** The bell in the header: the unread count, polled cheaply and after every read. */
export function InboxBell(props: { path: string }) {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    let alive = true;
    const load = () =>
      call(api.GET('/api/v1/me/notes/unread')).then(
        (u) => alive && setUnread(u.unread),
        () => undefined,
      );
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, POLL_MS);
    window.addEventListener(CHANGED, load);
    return () => {
      alive = false;
      clearInterval(timer);
      window.removeEventListener(CHANGED, load);
    };
  }, [props.path]);
  const text = badgeText(unread);
  return (
    <Link href="/inbox" class="bell" current={props.path.startsWith('/inbox')}>
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      <span class="sr-only">{t('inbox.bell', { n: unread })}</span>
      {text && (
        <span class="bell-count" data-testid="bell-count" aria-hidden="true">
          {text}
        </span>
      )}
    </Link>
  );
}

export function InboxPage() {
  const [inbox, setInbox] = useState<Schemas['InboxView'] | null>(null);
  const [kind, setKind] = useState<string>('all');
  const [error, setError] = useState<unknown>(null);
  const load = () => call(api.GET('/api/v1/me/notes', { params: { query: { limit: 100 } } })).then(setInbox, setError);
  useEffect(() => void load(), []);
  const changed = async () => {
    await load();
    window.dispatchEvent(new Event(CHANGED));
  };
  const readOne = useAction(async (id: number) => {
    await call(api.POST('/api/v1/me/notes/{id}/read', { params: { path: { id } } }));
    await changed();
  });
  const readAll = useAction(async () => {
    await call(api.POST('/api/v1/me/notes/read-all'));
    await changed();
  });

  if (error) return <ErrorBox error={error} />;
  if (!inbox) return <Loading />;
  const kinds = Object.keys(inbox.unread_by_kind);
  const items = kind === 'all' ? inbox.items : inbox.items.filter((n) => n.kind === kind);
  return (
    <Page
      title={t('inbox.title')}
      actions={
        inbox.unread > 0 ? (
          <button class="btn btn-small" onClick={() => void readAll.run()} disabled={readAll.busy} data-testid="read-all">
            {t('inbox.read_all')}
          </button>
        ) : undefined
      }
    >
      <p data-testid="inbox-unread">{inbox.unread > 0 ? t('inbox.unread', { n: inbox.unread }) : t('inbox.all_read')}</p>
      <div class="chips" role="group" aria-label={t('inbox.filter')}>
        <button class={`chip${kind === 'all' ? ' chip-on' : ''}`} aria-pressed={kind === 'all'} onClick={() => setKind('all')}>
          {t('inbox.all')}
        </button>
        {kinds.map((k) => (
          <button key={k} class={`chip${kind === k ? ' chip-on' : ''}`} aria-pressed={kind === k} onClick={() => setKind(k)}>
            {kindLabel(k)}
            {inbox.unread_by_kind[k]! > 0 && <span class="chip-count">{inbox.unread_by_kind[k]}</span>}
          </button>
        ))}
      </div>
      <ErrorBox error={readOne.error ?? readAll.error} />
      {items.length === 0 && <p class="muted">{t('inbox.empty')}</p>}
      <ul class="notes">
        {items.map((n) => (
          <NoteItem key={n.id} note={n} onRead={() => void readOne.run(n.id)} busy={readOne.busy} />
        ))}
      </ul>
      <Mutes />
    </Page>
  );
}

function NoteItem(props: { note: Note; onRead: () => void; busy: boolean }) {
  const n = props.note;
  const unread = !n.read_at;
  const link = noteLink(n.kind, (n.params ?? {}) as Record<string, unknown>);
  return (
    <li class={`note${unread ? ' note-unread' : ''} note-${n.kind}`} data-testid="note">
      <div class="note-head">
        <span class="badge">{kindLabel(n.kind)}</span>
        <small class="muted">{formatDateTime(n.created_at)}</small>
      </div>
      <strong>{n.title}</strong>
      <p>{n.text}</p>
      <div class="actions">
        {link && (
          <Link href={link} class="btn btn-small">
            {t('inbox.open')}
          </Link>
        )}
        {unread && (
          <button class="btn btn-small" onClick={props.onRead} disabled={props.busy} data-testid="read-note">
            {t('inbox.mark_read')}
          </button>
        )}
      </div>
    </li>
  );
}

function Mutes() {
  const [mutes, setMutes] = useState<Schemas['MutesView'] | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    call(api.GET('/api/v1/me/note-mutes')).then(setMutes, () => undefined);
  }, []);
  const save = useAction(async (muted: string[]) => {
    setSaved(false);
    setMutes(await call(api.PUT('/api/v1/me/note-mutes', { body: { muted } })));
    setSaved(true);
  });
  if (!mutes) return null;
  return (
    <section class="card" aria-labelledby="mutes-title">
      <h2 id="mutes-title">{t('inbox.mutes')}</h2>
      <p class="muted">{t('inbox.mutes_hint')}</p>
      <ul class="plain">
        {mutes.kinds.map((k) => {
          const mutable = mutes.mutable.includes(k);
          const on = !mutes.muted.includes(k);
          return (
            <li key={k}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={on}
                  disabled={!mutable || save.busy}
                  onChange={() => void save.run(on ? [...mutes.muted, k] : mutes.muted.filter((m) => m !== k))}
                />{' '}
                {kindLabel(k)}
                {!mutable && <small class="muted"> — {t('inbox.not_mutable')}</small>}
              </label>
            </li>
          );
        })}
      </ul>
      <ErrorBox error={save.error} />
      {saved && (
        <p class="muted" role="status">
          {t('inbox.mutes_saved')}
        </p>
      )}
    </section>
  );
}
