// Leave requests: the person asks, the head decides (approved leave lowers the expected minutes).
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatDate, today } from '../../lib/format';
import { api, isHead, session } from '../../lib/session';
import { ErrorBox, Field, Page, StateBadge, useAction } from '../../lib/ui';

type Leave = Schemas['LeaveView'];
const KINDS: Schemas['LeaveKindView'][] = ['annual', 'sick', 'maternity', 'business_trip', 'unpaid', 'other'];

export function LeavesPage() {
  const me = session.me!;
  const [leaves, setLeaves] = useState<Leave[]>([]);
  const [kind, setKind] = useState<Schemas['LeaveKindView']>('annual');
  const [start, setStart] = useState(today());
  const [end, setEnd] = useState(today());
  const [portion, setPortion] = useState<Schemas['PortionView']>('full');
  const [reason, setReason] = useState('');
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const load = async () => {
    const mine = await call(api.GET('/api/v1/leaves', { params: { query: { limit: 100 } } })).then((p) => p.items, () => [] as Leave[]);
    // A head also sees (and decides) the requests of the people of the units they head.
    const team: Leave[] = [];
    const who = new Map<number, string>([[me.staff.id, me.staff.full_name]]);
    if (isHead(me)) {
      for (const unitId of me.headed_unit_ids) {
        const people = await call(api.GET('/api/v1/staff', { params: { query: { unit_id: unitId, active: true, limit: 200 } } })).then(
          (p) => p.items,
          () => [],
        );
        for (const person of people.filter((x) => x.id !== me.staff.id)) {
          who.set(person.id, person.full_name);
          const theirs = await call(api.GET('/api/v1/leaves', { params: { query: { staff_id: person.id, limit: 50 } } })).then(
            (p) => p.items,
            () => [] as Leave[],
          );
          team.push(...theirs);
        }
      }
    }
    setNames(who);
    setLeaves([...team.filter((l) => l.state === 'requested'), ...mine, ...team.filter((l) => l.state !== 'requested')]);
  };
  useEffect(() => void load(), []);

  const request = useAction(async () => {
    await call(api.POST('/api/v1/leaves', { body: { kind, start_date: start, end_date: end, portion, reason } }));
    setReason('');
    await load();
  });
  const decide = useAction(async (id: number, action: 'approve' | 'reject' | 'cancel') => {
    if (action === 'approve') await call(api.POST('/api/v1/leaves/{id}/approve', { params: { path: { id } }, body: {} }));
    else if (action === 'reject') await call(api.POST('/api/v1/leaves/{id}/reject', { params: { path: { id } }, body: {} }));
    else await call(api.POST('/api/v1/leaves/{id}/cancel', { params: { path: { id } } }));
    await load();
  });

  return (
    <Page title={t('leave.title')}>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void request.run();
        }}
      >
        <h2>{t('leave.request')}</h2>
        <Field label={t('leave.kind')} id="leave-kind">
          <select id="leave-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Schemas['LeaveKindView'])}>
            {KINDS.map((k) => (
              <option value={k} key={k}>
                {t(`leave.kind.${k}`)}
              </option>
            ))}
          </select>
        </Field>
        <div class="row">
          <Field label={t('leave.start')} id="leave-start">
            <input id="leave-start" type="date" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('leave.end')} id="leave-end">
            <input id="leave-end" type="date" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <Field label={t('leave.portion')} id="leave-portion">
          <select id="leave-portion" value={portion} onChange={(e) => setPortion((e.target as HTMLSelectElement).value as Schemas['PortionView'])}>
            <option value="full">{t('leave.portion.full')}</option>
            <option value="half">{t('leave.portion.half')}</option>
          </select>
        </Field>
        <Field label={t('leave.reason')} id="leave-reason">
          <input id="leave-reason" type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </Field>
        <ErrorBox error={request.error} />
        <button class="btn btn-primary" type="submit" disabled={request.busy}>
          {t('leave.send')}
        </button>
      </form>
      <ErrorBox error={decide.error} />
      <table class="table">
        <caption>{t('leave.list')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('common.person')}</th>
            <th scope="col">{t('leave.kind')}</th>
            <th scope="col">{t('leave.dates')}</th>
            <th scope="col">{t('common.state')}</th>
            <th scope="col">
              <span class="sr-only">{t('common.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {leaves.map((l) => (
            <tr key={l.id}>
              <td>{names.get(l.staff_id) ?? `#${l.staff_id}`}</td>
              <td>{t(`leave.kind.${l.kind}` as 'leave.kind.annual')}</td>
              <td>
                {formatDate(l.start_date)} – {formatDate(l.end_date)}
              </td>
              <td>
                <StateBadge state={l.state} />
              </td>
              <td class="actions">
                {l.state === 'requested' && l.staff_id !== me.staff.id && isHead(me) && (
                  <>
                    <button class="btn btn-small" onClick={() => void decide.run(l.id, 'approve')}>
                      {t('common.approve')}
                    </button>
                    <button class="btn btn-small" onClick={() => void decide.run(l.id, 'reject')}>
                      {t('common.reject')}
                    </button>
                  </>
                )}
                {l.staff_id === me.staff.id && (l.state === 'requested' || l.state === 'approved') && (
                  <button class="btn btn-small" onClick={() => void decide.run(l.id, 'cancel')}>
                    {t('common.cancel')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
