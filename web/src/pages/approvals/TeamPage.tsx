// The team: who is under-logged this week and by how much, each person's recent lines (approved
// ones can be revoked), tasks I assigned, backdate permissions and delegations.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { addDays, formatDate, formatMinutes, today } from '../../lib/format';
import { api, session } from '../../lib/session';
import { ErrorBox, Field, Page, StateBadge, useAction } from '../../lib/ui';
import { WeekMeter } from '../diary/WeekBar';
import { TeamTasks } from './TeamTasks';
import { WeeksGrid } from './WeeksGrid';

type Staff = Schemas['StaffView'];

export function TeamPage() {
  const me = session.me!;
  const unitId = me.headed_unit_ids[0] ?? me.staff.unit_id ?? undefined;
  const [people, setPeople] = useState<Staff[]>([]);
  const [report, setReport] = useState<Schemas['UnderLoggedReportView'] | null>(null);
  const [person, setPerson] = useState<Staff | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!unitId) return;
    call(api.GET('/api/v1/staff', { params: { query: { unit_id: unitId, active: true, limit: 200 } } })).then(
      (p) => setPeople(p.items),
      setError,
    );
    call(api.GET('/api/v1/reports/under-logged', { params: { query: { unit_id: unitId } } })).then(
      (r) => setReport(r as Schemas['UnderLoggedReportView']),
      () => undefined,
    );
  }, [unitId]);

  const under = new Map((report?.people ?? []).map((p) => [p.staff_id, p]));
  return (
    <Page title={t('team.title')}>
      <ErrorBox error={error} />
      {report && (
        <p class="summary">
          {t('team.under_summary', { n: report.under_logged_count, total: report.people_count, week: report.week })}
        </p>
      )}
      <table class="table" data-testid="team-grid">
        <caption>{t('team.grid')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('week.logged')}</th>
            <th scope="col">{t('week.gap')}</th>
            <th scope="col">{t('week.streak_short')}</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => {
            const u = under.get(p.id);
            return (
              <tr key={p.id} class={u ? 'row-warn' : ''}>
                <td>
                  <button class="linklike" onClick={() => setPerson(p)}>
                    {p.full_name}
                  </button>
                </td>
                <td>{u ? formatMinutes(u.logged) : '✓'}</td>
                <td>{u ? formatMinutes(u.gap) : '—'}</td>
                <td>{u ? u.streak : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {person && <PersonPanel person={person} />}
      <WeeksGrid unitId={unitId} />
      <TeamTasks people={people} />
      <Permissions people={people} />
    </Page>
  );
}

function PersonPanel(props: { person: Staff }) {
  const p = props.person;
  const [entries, setEntries] = useState<Schemas['EntryView'][]>([]);
  const [weeks, setWeeks] = useState<Schemas['WeekView'][]>([]);
  const load = () =>
    call(api.GET('/api/v1/entries', { params: { query: { staff_id: p.id, from: addDays(today(), -45), to: today(), limit: 200 } } })).then(
      (r) => setEntries(r.items as Schemas['EntryView'][]),
      () => setEntries([]),
    );
  useEffect(() => {
    void load();
    call(api.GET('/api/v1/staff/{id}/weeks', { params: { path: { id: p.id } } })).then((w) => setWeeks(w.weeks), () => setWeeks([]));
  }, [p.id]);
  const revoke = useAction(async (id: number) => {
    await call(api.POST('/api/v1/entries/{id}/revoke', { params: { path: { id } } }));
    await load();
  });
  return (
    <section class="card" aria-label={p.full_name}>
      <h2>{p.full_name}</h2>
      {weeks.slice(-2).map((w) => (
        <WeekMeter week={w} key={w.week} />
      ))}
      <ErrorBox error={revoke.error} />
      <ul class="plain">
        {entries.map((e) => (
          <li key={e.id} class="queue-line">
            {formatDate(e.work_date)} · {formatMinutes(e.minutes)} {e.note && <span class="muted">— {e.note}</span>} <StateBadge state={e.state} />
            {e.state === 'approved' && (
              <button class="btn btn-small" onClick={() => void revoke.run(e.id)}>
                {t('team.revoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Permissions(props: { people: Staff[] }) {
  const me = session.me!;
  const [staffId, setStaffId] = useState<number>(0);
  const [workDate, setWorkDate] = useState(addDays(today(), -10));
  const [reason, setReason] = useState('');
  const [acting, setActing] = useState<number>(0);
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(addDays(today(), 7));
  const [delegations, setDelegations] = useState<Schemas['DelegationView'][]>([]);
  const [done, setDone] = useState<string | null>(null);
  const loadDelegations = () =>
    call(api.GET('/api/v1/delegations')).then((d) => setDelegations(d.items), () => setDelegations([]));
  useEffect(() => {
    void loadDelegations();
  }, []);
  const grant = useAction(async () => {
    await call(api.POST('/api/v1/staff/{id}/backdate-permissions', { params: { path: { id: staffId } }, body: { work_date: workDate, reason } }));
    setDone(t('team.backdate_granted'));
  });
  const delegate = useAction(async () => {
    await call(api.POST('/api/v1/delegations', { body: { acting_id: acting, from, to } }));
    await loadDelegations();
  });
  const name = (id: number) => props.people.find((p) => p.id === id)?.full_name ?? `#${id}`;
  const others = props.people.filter((p) => p.id !== me.staff.id);
  return (
    <>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void grant.run();
        }}
      >
        <h2>{t('team.backdate')}</h2>
        <Field label={t('common.person')} id="bd-person">
          <select id="bd-person" value={staffId} onChange={(e) => setStaffId(Number((e.target as HTMLSelectElement).value))}>
            <option value={0}>—</option>
            {others.map((p) => (
              <option value={p.id} key={p.id}>
                {p.full_name}
              </option>
            ))}
          </select>
        </Field>
        <div class="row">
          <Field label={t('team.work_date')} id="bd-date">
            <input id="bd-date" type="date" value={workDate} onInput={(e) => setWorkDate((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('common.reason')} id="bd-reason">
            <input id="bd-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <ErrorBox error={grant.error} />
        {done && <p class="alert alert-ok">{done}</p>}
        <button class="btn" type="submit" disabled={!staffId || grant.busy}>
          {t('team.grant')}
        </button>
      </form>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void delegate.run();
        }}
      >
        <h2>{t('team.delegations')}</h2>
        <ul class="plain">
          {delegations.map((d) => (
            <li key={d.id}>
              {name(d.acting_id)} · {formatDate(d.from)} – {formatDate(d.to)} {d.revoked && `(${t('team.revoked')})`}
            </li>
          ))}
        </ul>
        <Field label={t('team.acting')} id="dl-acting">
          <select id="dl-acting" value={acting} onChange={(e) => setActing(Number((e.target as HTMLSelectElement).value))}>
            <option value={0}>—</option>
            {others.map((p) => (
              <option value={p.id} key={p.id}>
                {p.full_name}
              </option>
            ))}
          </select>
        </Field>
        <div class="row">
          <Field label={t('common.from')} id="dl-from">
            <input id="dl-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('common.to')} id="dl-to">
            <input id="dl-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <ErrorBox error={delegate.error} />
        <button class="btn" type="submit" disabled={!acting || delegate.busy}>
          {t('team.delegate')}
        </button>
      </form>
    </>
  );
}
