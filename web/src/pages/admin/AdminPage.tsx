// The organisation department's reference data: catalogue, calendar, policies, staff with CSV
// import, and the audit trail.
import { useEffect, useState } from 'preact/hooks';
import { call, type QueryOf, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatDate, formatDateTime } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, Link, Page, useAction } from '../../lib/ui';
import { PoliciesAdmin } from './PoliciesAdmin';
import { ProductsAdmin } from './ProductsAdmin';
import { StaffAdmin } from './StaffAdmin';

const TABS = ['products', 'calendar', 'policies', 'staff', 'audit'] as const;
type Tab = (typeof TABS)[number];

export function AdminPage(props: { tab?: string | undefined }) {
  const tab: Tab = (TABS as readonly string[]).includes(props.tab ?? '') ? (props.tab as Tab) : 'products';
  return (
    <Page title={t('admin.title')}>
      <nav class="tabs" aria-label={t('admin.title')}>
        {TABS.map((x) => (
          <Link key={x} href={`/admin/${x}`} class={x === tab ? 'tab tab-on' : 'tab'} current={x === tab}>
            {t(`admin.${x}`)}
          </Link>
        ))}
      </nav>
      {tab === 'products' && <ProductsAdmin />}
      {tab === 'calendar' && <Calendar />}
      {tab === 'policies' && <PoliciesAdmin />}
      {tab === 'staff' && <StaffAdmin />}
      {tab === 'audit' && <Audit />}
    </Page>
  );
}

function Calendar() {
  const [items, setItems] = useState<Schemas['HolidayView'][]>([]);
  const [date, setDate] = useState('');
  const [vi, setVi] = useState('');
  const [en, setEn] = useState('');
  const load = () => call(api.GET('/api/v1/calendar/holidays')).then((p) => setItems(p.items), () => undefined);
  useEffect(() => void load(), []);
  const create = useAction(async () => {
    await call(api.POST('/api/v1/calendar/holidays', { body: { date, name_vi: vi, name_en: en } }));
    await load();
  });
  const remove = useAction(async (id: number) => {
    await call(api.DELETE('/api/v1/calendar/holidays/{id}', { params: { path: { id } } }));
    await load();
  });
  return (
    <>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <h2>{t('admin.new_holiday')}</h2>
        <div class="row">
          <Field label={t('common.date')} id="h-date">
            <input id="h-date" type="date" value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('admin.name_vi')} id="h-vi">
            <input id="h-vi" value={vi} onInput={(e) => setVi((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('admin.name_en')} id="h-en">
            <input id="h-en" value={en} onInput={(e) => setEn((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <ErrorBox error={create.error ?? remove.error} />
        <button class="btn btn-primary" type="submit">
          {t('common.add')}
        </button>
      </form>
      <ul class="plain">
        {items.map((h) => (
          <li key={h.id}>
            {formatDate(h.date)} · {h.name_vi} / {h.name_en}{' '}
            <button class="btn btn-small" onClick={() => void remove.run(h.id)}>
              {t('common.delete')}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function Audit() {
  const [entity, setEntity] = useState('');
  const [items, setItems] = useState<Schemas['AuditView'][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Keyset paging: `next_cursor` of one page asks for the next (the trail is oldest first).
  const load = async (more: boolean) => {
    setError(null);
    try {
      const query: QueryOf<'list_audit'> = { limit: 50 };
      if (entity) query.entity = entity;
      if (more && cursor) query.cursor = cursor;
      const page = await call(api.GET('/api/v1/audit', { params: { query } }));
      setItems(more ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => void load(false), [entity]);
  return (
    <>
      <Field label={t('admin.entity')} id="audit-entity">
        <select id="audit-entity" value={entity} onChange={(e) => setEntity((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {['entry', 'staff', 'unit', 'product', 'policy', 'grading_round', 'grade', 'leave', 'task'].map((x) => (
            <option value={x} key={x}>
              {x}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={error} />
      <table class="table" data-testid="audit-list">
        <thead>
          <tr>
            <th scope="col">{t('common.date')}</th>
            <th scope="col">{t('admin.entity')}</th>
            <th scope="col">{t('admin.action')}</th>
            <th scope="col">{t('admin.actor')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} data-testid="audit-row">
              <td>{formatDateTime(a.at)}</td>
              <td>
                {a.entity} #{a.entity_id}
              </td>
              <td>
                {a.action} {a.from_state && `${a.from_state} → ${a.to_state ?? ''}`}
                {a.reason && <span class="muted"> — {a.reason}</span>}
              </td>
              <td>{a.actor_id ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted" role="status">
        {t('audit.shown', { n: items.length })}
      </p>
      {cursor && (
        <button class="btn" type="button" data-testid="audit-more" onClick={() => void load(true)}>
          {t('common.more')}
        </button>
      )}
    </>
  );
}
