// The organisation department's reference data: catalogue, calendar, policies, staff with CSV
// import, and the audit trail.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatDate, formatDateTime, formatMinutes } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, Link, Page, useAction } from '../../lib/ui';

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
      {tab === 'products' && <Products />}
      {tab === 'calendar' && <Calendar />}
      {tab === 'policies' && <Policies />}
      {tab === 'staff' && <StaffAdmin />}
      {tab === 'audit' && <Audit />}
    </Page>
  );
}

function Products() {
  const [items, setItems] = useState<Schemas['ProductView'][]>([]);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('văn bản');
  const [minutes, setMinutes] = useState(60);
  const load = () => call(api.GET('/api/v1/products', { params: { query: { limit: 200 } } })).then((p) => setItems(p.items), () => undefined);
  useEffect(() => void load(), []);
  const create = useAction(async () => {
    await call(api.POST('/api/v1/products', { body: { code, name, measuring_unit: unit, standard_minutes: minutes } }));
    setCode('');
    setName('');
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
        <h2>{t('admin.new_product')}</h2>
        <div class="row">
          <Field label={t('admin.code')} id="p-code">
            <input id="p-code" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('common.name')} id="p-name">
            <input id="p-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <div class="row">
          <Field label={t('admin.measuring_unit')} id="p-unit">
            <input id="p-unit" value={unit} onInput={(e) => setUnit((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('diary.standard')} id="p-min">
            <input id="p-min" type="number" value={minutes} onInput={(e) => setMinutes(Number((e.target as HTMLInputElement).value))} />
          </Field>
        </div>
        <ErrorBox error={create.error} />
        <button class="btn btn-primary" type="submit" disabled={create.busy}>
          {t('common.add')}
        </button>
      </form>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.code')}</th>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('diary.standard')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id} class={p.active ? '' : 'muted'}>
              <td>{p.code}</td>
              <td>{p.name}</td>
              <td>
                {formatMinutes(p.standard_minutes)} / {p.measuring_unit}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Calendar() {
  const [items, setItems] = useState<Schemas['HolidayView'][]>([]);
  const [date, setDate] = useState('');
  const [vi, setVi] = useState('');
  const [en, setEn] = useState('');
  const load = () => call(api.GET('/api/v1/calendar/holidays', { params: { query: { limit: 200 } as never } })).then((p) => setItems(p.items), () => undefined);
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

function Policies() {
  const [items, setItems] = useState<Schemas['PolicyView'][]>([]);
  useEffect(() => {
    call(api.GET('/api/v1/policies')).then((p) => setItems(p.items), () => undefined);
  }, []);
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">{t('admin.code')}</th>
          <th scope="col">{t('admin.version')}</th>
          <th scope="col">{t('common.name')}</th>
          <th scope="col">{t('admin.default')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((p) => (
          <tr key={p.id}>
            <td>{p.code}</td>
            <td>{p.version}</td>
            <td>{p.preset.name_vi}</td>
            <td>{p.is_default ? '✓' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StaffAdmin() {
  const [items, setItems] = useState<Schemas['StaffView'][]>([]);
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<Schemas['ImportResult'] | null>(null);
  const load = () => call(api.GET('/api/v1/staff', { params: { query: { limit: 200 } } })).then((p) => setItems(p.items), () => undefined);
  useEffect(() => void load(), []);
  const upload = useAction(async () => {
    const res = await call(
      api.POST('/api/v1/staff/import', {
        body: csv,
        bodySerializer: (b: string) => b,
        headers: { 'Content-Type': 'text/csv' },
      }),
    );
    setResult(res);
    await load();
  });
  return (
    <>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void upload.run();
        }}
      >
        <h2>{t('admin.import')}</h2>
        <Field label={t('admin.csv_file')} id="csv-file" hint={t('admin.csv_hint')}>
          <input
            id="csv-file"
            type="file"
            accept=".csv,text/csv"
            onChange={async (e) => setCsv(await ((e.target as HTMLInputElement).files?.[0]?.text() ?? Promise.resolve('')))}
          />
        </Field>
        <ErrorBox error={upload.error} />
        {result && (
          <p class="alert alert-ok">
            {t('admin.imported', { units: result.units_created + result.units_updated, staff: result.staff_created + result.staff_updated })}
          </p>
        )}
        <button class="btn btn-primary" type="submit" disabled={!csv || upload.busy}>
          {t('admin.upload')}
        </button>
      </form>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('admin.username')}</th>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('admin.roles')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id} class={s.active ? '' : 'muted'}>
              <td>{s.username}</td>
              <td>{s.full_name}</td>
              <td>{s.roles.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Audit() {
  const [entity, setEntity] = useState('');
  const [items, setItems] = useState<Schemas['AuditView'][]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(api.GET('/api/v1/audit', { params: { query: { limit: 100, ...(entity ? { entity } : {}) } } })).then((p) => setItems(p.items), setError);
  }, [entity]);
  return (
    <>
      <Field label={t('admin.entity')} id="audit-entity">
        <select id="audit-entity" value={entity} onChange={(e) => setEntity((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {['entry', 'staff', 'unit', 'product', 'grading_round', 'grade', 'leave'].map((x) => (
            <option value={x} key={x}>
              {x}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={error} />
      <table class="table">
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
            <tr key={a.id}>
              <td>{formatDateTime(a.at)}</td>
              <td>
                {a.entity} #{a.entity_id}
              </td>
              <td>
                {a.action} {a.from_state && `${a.from_state} → ${a.to_state ?? ''}`}
              </td>
              <td>{a.actor_id ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
