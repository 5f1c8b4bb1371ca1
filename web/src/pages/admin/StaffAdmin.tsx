// Staff management (organisation department, administrators): find people by unit, create and
// edit a person (name, username, unit, supervisor, roles including head, leadership, weekly
// hours as a dated contract), deactivate or reactivate, reset a password (the person chooses
// their own at next sign-in), and the all-or-nothing CSV import.
import { useEffect, useState } from 'preact/hooks';
import { call, ifMatch, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { createStaffBody, emptyStaffForm, ROLES, staffFormOf, staffPatch, type StaffForm } from '../../lib/admin';
import { today } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, fieldError, useAction } from '../../lib/ui';

type Staff = Schemas['StaffView'];
type Unit = Schemas['UnitView'];

const STAFF_FIELDS = [
  'username',
  'full_name',
  'email',
  'position',
  'unit_id',
  'supervisor_id',
  'roles',
  'is_leader',
  'weekly_hours',
  'contract_from',
  'joined_on',
  'password',
  'contract',
  'contract.weekly_hours',
  'contract.effective_from',
];

export function StaffAdmin() {
  const [units, setUnits] = useState<Unit[]>([]);
  const [unitFilter, setUnitFilter] = useState<number>(0);
  const [items, setItems] = useState<Staff[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [editing, setEditing] = useState<Staff | 'new' | null>(null);
  // Kept here: a save remounts the editor with the new version of the person.
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async (more = false) => {
    try {
      const page = await call(
        api.GET('/api/v1/staff', {
          params: { query: { limit: 100, ...(unitFilter ? { unit_id: unitFilter } : {}), ...(more && cursor ? { cursor } : {}) } },
        }),
      );
      setItems(more ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    call(api.GET('/api/v1/units', { params: { query: { limit: 500 } } })).then((p) => setUnits(p.items), setError);
  }, []);
  useEffect(() => void load(), [unitFilter]);

  const unitName = (id: number | null | undefined) => (id ? (units.find((u) => u.id === id)?.name ?? `#${id}`) : '—');
  const saved = async (s: Staff, message: string | null) => {
    setEditing(s);
    setNotice(message);
    await load();
  };
  const edit = (s: Staff | 'new') => {
    setNotice(null);
    setEditing(s);
  };

  return (
    <>
      <div class="row">
        <Field label={t('common.unit')} id="staff-unit-filter">
          <select id="staff-unit-filter" value={unitFilter} onChange={(e) => setUnitFilter(Number((e.target as HTMLSelectElement).value))}>
            <option value={0}>{t('staff.all_units')}</option>
            {units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </Field>
        <div class="field field-shrink">
          <button class="btn btn-primary" type="button" data-testid="new-person" onClick={() => edit('new')}>
            {t('staff.new')}
          </button>
        </div>
      </div>
      <ErrorBox error={error} />
      {editing && (
        <StaffEditor
          key={editing === 'new' ? 'new' : `${editing.id}-${editing.version}`}
          person={editing === 'new' ? null : editing}
          units={units}
          notice={notice}
          onSaved={saved}
          onClose={() => setEditing(null)}
        />
      )}
      <table class="table" data-testid="staff-list">
        <thead>
          <tr>
            <th scope="col">{t('admin.username')}</th>
            <th scope="col">{t('staff.full_name')}</th>
            <th scope="col">{t('common.unit')}</th>
            <th scope="col" class="hide-sm">
              {t('admin.roles')}
            </th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id} class={s.active ? '' : 'muted'} data-testid="staff-row">
              <td>{s.username}</td>
              <td>
                {s.full_name}
                {!s.active && ` (${t('staff.inactive')})`}
              </td>
              <td>{unitName(s.unit_id)}</td>
              <td class="hide-sm">{s.roles.map((r) => t(`role.${r}`)).join(', ')}</td>
              <td>
                <button class="btn btn-small" type="button" onClick={() => edit(s)}>
                  {t('common.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button class="btn" type="button" onClick={() => void load(true)}>
          {t('common.more')}
        </button>
      )}
      <CsvImport onDone={() => void load()} />
    </>
  );
}

function StaffEditor(props: {
  person: Staff | null;
  units: Unit[];
  notice: string | null;
  onSaved: (s: Staff, message: string | null) => Promise<void>;
  onClose: () => void;
}) {
  const p = props.person;
  const [form, setForm] = useState<StaffForm>(p ? staffFormOf(p) : emptyStaffForm());
  const [supervisors, setSupervisors] = useState<Staff[]>([]);
  const [reset, setReset] = useState('');
  const set = <K extends keyof StaffForm>(key: K, value: StaffForm[K]) => setForm({ ...form, [key]: value });

  // Supervisors: people of the chosen unit and of its parent.
  useEffect(() => {
    const unit = props.units.find((u) => u.id === form.unit_id);
    const ids = [unit?.id, unit?.parent_id].filter((x): x is number => !!x);
    Promise.all(ids.map((id) => call(api.GET('/api/v1/staff', { params: { query: { unit_id: id, active: true, limit: 200 } } })))).then(
      (pages) => setSupervisors(pages.flatMap((x) => x.items).filter((s, i, all) => s.id !== p?.id && all.findIndex((o) => o.id === s.id) === i)),
      () => setSupervisors([]),
    );
  }, [form.unit_id, props.units]);

  const save = useAction(async () => {
    if (!p) {
      const created = await call(api.POST('/api/v1/staff', { body: createStaffBody(form) }));
      await props.onSaved(created, t('staff.created'));
      return;
    }
    const patch = staffPatch(p, form, today());
    if (Object.keys(patch).length === 0) return;
    const updated = await call(api.PATCH('/api/v1/staff/{id}', { params: { path: { id: p.id }, header: ifMatch(p.version) }, body: patch }));
    await props.onSaved(updated, t('common.saved'));
  });
  const patchOne = useAction(async (body: Schemas['UpdateStaff'], message: string) => {
    if (!p) return;
    const updated = await call(api.PATCH('/api/v1/staff/{id}', { params: { path: { id: p.id }, header: ifMatch(p.version) }, body }));
    await props.onSaved(updated, message);
  });
  const err = save.error;
  const input = (
    key: 'username' | 'full_name' | 'email' | 'position' | 'joined_on' | 'contract_from' | 'weekly_hours' | 'password',
    type: 'text' | 'email' | 'date' | 'password' = 'text',
  ) => (
    <input
      id={`sf-${key}`}
      type={type as 'text'}
      value={form[key]}
      disabled={key === 'username' && !!p}
      inputMode={key === 'weekly_hours' ? 'decimal' : undefined}
      autocomplete={key === 'password' ? 'new-password' : 'off'}
      onInput={(e) => set(key, (e.target as HTMLInputElement).value)}
    />
  );
  return (
    <section class="card" data-testid="staff-editor" aria-labelledby="staff-editor-title">
      <h2 id="staff-editor-title">{p ? t('staff.edit', { name: p.full_name }) : t('staff.new')}</h2>
      {props.notice && (
        <p class="alert alert-ok" role="status">
          {props.notice}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div class="row">
          <Field label={t('admin.username')} id="sf-username" error={fieldError(err, 'username')}>
            {input('username')}
          </Field>
          <Field label={t('staff.full_name')} id="sf-full_name" error={fieldError(err, 'full_name')}>
            {input('full_name')}
          </Field>
        </div>
        <div class="row">
          <Field label={t('common.unit')} id="sf-unit" error={fieldError(err, 'unit_id')}>
            <select
              id="sf-unit"
              value={form.unit_id ?? 0}
              onChange={(e) => {
                const v = Number((e.target as HTMLSelectElement).value);
                set('unit_id', v || null);
              }}
            >
              <option value={0}>—</option>
              {props.units.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('staff.supervisor')} id="sf-supervisor" error={fieldError(err, 'supervisor_id')}>
            <select
              id="sf-supervisor"
              value={form.supervisor_id ?? 0}
              onChange={(e) => {
                const v = Number((e.target as HTMLSelectElement).value);
                set('supervisor_id', v || null);
              }}
            >
              <option value={0}>—</option>
              {form.supervisor_id && !supervisors.some((s) => s.id === form.supervisor_id) && (
                <option value={form.supervisor_id}>#{form.supervisor_id}</option>
              )}
              {supervisors.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.full_name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <fieldset class="field" aria-describedby={fieldError(err, 'roles') ? 'sf-roles-error' : undefined}>
          <legend>{t('admin.roles')}</legend>
          <div class="checks">
            {ROLES.map((r) => (
              <label key={r} class="check">
                <input
                  type="checkbox"
                  checked={form.roles.includes(r)}
                  onChange={(e) =>
                    set('roles', (e.target as HTMLInputElement).checked ? [...form.roles, r] : form.roles.filter((x) => x !== r))
                  }
                />{' '}
                {t(`role.${r}`)}
              </label>
            ))}
            <label class="check">
              <input type="checkbox" checked={form.is_leader} onChange={(e) => set('is_leader', (e.target as HTMLInputElement).checked)} />{' '}
              {t('staff.is_leader')}
            </label>
          </div>
          {fieldError(err, 'roles', 'is_leader') && (
            <small class="field-error" id="sf-roles-error" role="alert">
              {fieldError(err, 'roles', 'is_leader')}
            </small>
          )}
        </fieldset>
        <div class="row">
          <Field label={t('staff.position')} id="sf-position" error={fieldError(err, 'position')}>
            {input('position')}
          </Field>
          <Field label={t('staff.email')} id="sf-email" error={fieldError(err, 'email')}>
            {input('email', 'email')}
          </Field>
        </div>
        <div class="row row-top">
          <Field label={t('staff.weekly_hours')} id="sf-weekly_hours" error={fieldError(err, 'weekly_hours', 'contract.weekly_hours', 'contract')}>
            {input('weekly_hours')}
          </Field>
          <Field
            label={t('staff.contract_from')}
            id="sf-contract_from"
            hint={p ? t('staff.contract_hint') : undefined}
            error={fieldError(err, 'contract_from', 'contract.effective_from')}
          >
            {input('contract_from', 'date')}
          </Field>
          <Field label={t('staff.joined_on')} id="sf-joined_on" error={fieldError(err, 'joined_on')}>
            {input('joined_on', 'date')}
          </Field>
        </div>
        {!p && (
          <Field label={t('staff.initial_password')} id="sf-password" hint={t('staff.password_hint')} error={fieldError(err, 'password')}>
            {input('password', 'password')}
          </Field>
        )}
        <ErrorBox error={err} shown={STAFF_FIELDS} />
        <div class="row">
          <button class="btn btn-primary" type="submit" disabled={save.busy} data-testid="save-person">
            {t('common.save')}
          </button>
          <button class="btn btn-ghost" type="button" onClick={props.onClose}>
            {t('common.close')}
          </button>
        </div>
      </form>
      {p && (
        <div class="card">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void patchOne.run({ password: reset }, t('staff.password_reset_done'));
            }}
          >
            <h3>{t('staff.reset_password')}</h3>
            <Field label={t('staff.temporary_password')} id="sf-reset" hint={t('staff.reset_hint')} error={fieldError(patchOne.error, 'password')}>
              <input id="sf-reset" type="password" autocomplete="new-password" value={reset} onInput={(e) => setReset((e.target as HTMLInputElement).value)} />
            </Field>
            <div class="row">
              <button class="btn" type="submit" disabled={!reset || patchOne.busy} data-testid="reset-password">
                {t('staff.reset_password')}
              </button>
              {p.active ? (
                <button
                  class="btn btn-danger"
                  type="button"
                  disabled={patchOne.busy}
                  onClick={() => {
                    if (confirm(t('staff.confirm_deactivate', { name: p.full_name }))) void patchOne.run({ active: false }, t('staff.deactivated'));
                  }}
                >
                  {t('staff.deactivate')}
                </button>
              ) : (
                <button class="btn" type="button" disabled={patchOne.busy} onClick={() => void patchOne.run({ active: true }, t('staff.reactivated'))}>
                  {t('staff.reactivate')}
                </button>
              )}
            </div>
            <ErrorBox error={patchOne.error} shown={['password']} />
          </form>
        </div>
      )}
    </section>
  );
}

function CsvImport(props: { onDone: () => void }) {
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<Schemas['ImportResult'] | null>(null);
  const upload = useAction(async () => {
    const res = await call(
      api.POST('/api/v1/staff/import', {
        body: csv,
        bodySerializer: (b: string) => b,
        headers: { 'Content-Type': 'text/csv' },
      }),
    );
    setResult(res);
    props.onDone();
  });
  return (
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
  );
}
