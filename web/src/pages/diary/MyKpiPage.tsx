// My KPI of the month with its explanation, my published grades, appeals and reserved opinions.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatMinutes, formatNumber, monthOf, previousMonth, today } from '../../lib/format';
import { api, session } from '../../lib/session';
import { ErrorBox, Field, GradeBadge, Page, useAction } from '../../lib/ui';

export function MyKpiPage() {
  const me = session.me!;
  const [period, setPeriod] = useState(monthOf(today()));
  const [kpi, setKpi] = useState<Schemas['KpiView'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [published, setPublished] = useState<{ unit: Schemas['PublishedUnit']; person: Schemas['PublishedPerson'] } | null>(null);
  const [explain, setExplain] = useState<Schemas['ExplainView'] | null>(null);

  useEffect(() => {
    setError(null);
    setKpi(null);
    call(api.GET('/api/v1/kpi/staff/{id}', { params: { path: { id: me.staff.id }, query: { period } } })).then(setKpi, setError);
    setPublished(null);
    setExplain(null);
    call(api.GET('/api/v1/published', { params: { query: { period } } })).then(
      (view) => {
        for (const unit of view.units) {
          const person = unit.people.find((p) => p.staff_id === me.staff.id);
          if (person) setPublished({ unit, person });
        }
      },
      () => undefined,
    );
  }, [period]);

  useEffect(() => {
    const gradeId = published?.person.grade_id;
    // JSON here (the same route also answers a PDF to `Accept: application/pdf`).
    if (gradeId)
      call(api.GET('/api/v1/grades/{id}/explain', { params: { path: { id: gradeId } } })).then(
        (x) => typeof x !== 'string' && setExplain(x),
        () => undefined,
      );
  }, [published]);

  return (
    <Page title={t('kpi.mine')}>
      <Field label={t('kpi.period')} id="kpi-period">
        <div class="row">
          <input id="kpi-period" type="month" value={period} onInput={(e) => setPeriod((e.target as HTMLInputElement).value)} />
          <button class="btn btn-small" onClick={() => setPeriod(previousMonth(period))}>
            {t('kpi.previous_month')}
          </button>
        </div>
      </Field>
      <ErrorBox error={error} />
      {kpi && <KpiCard kpi={kpi} />}
      <section class="card">
        <h2>{t('kpi.published_grade')}</h2>
        {published ? (
          <p data-testid="my-grade">
            <GradeBadge grade={published.person.grade} /> · {t('kpi.total')}: {formatNumber(published.person.total)} ·{' '}
            {published.unit.unit_name}
          </p>
        ) : (
          <p class="muted">{t('kpi.not_published')}</p>
        )}
        {explain && <AppealForm explain={explain} />}
      </section>
    </Page>
  );
}

export function KpiCard(props: { kpi: Schemas['KpiView'] }) {
  const k = props.kpi;
  const rows: [string, string][] = [
    [t('kpi.expected'), formatMinutes(k.expected)],
    [t('kpi.credited'), formatMinutes(k.credited)],
    [t('kpi.quantity'), formatNumber(k.quantity)],
    [t('kpi.quality'), formatNumber(k.quality)],
    [t('kpi.progress'), formatNumber(k.progress)],
    [t('kpi.task_score'), formatNumber(k.task_score)],
    [t('kpi.own_score'), formatNumber(k.own_score)],
    [t('kpi.common_score'), k.common_missing || k.common_score == null ? t('kpi.common_missing') : formatNumber(k.common_score)],
    [t('kpi.bonus'), formatNumber(k.bonus)],
    [t('kpi.rework'), String(k.rework)],
    [t('kpi.worked_days'), `${k.worked_days} / ${k.period_working_days}`],
  ];
  return (
    <section class="card" data-testid="kpi-card">
      <h2>
        {t('kpi.total')}: <span class="big">{formatNumber(k.total)}</span> <GradeBadge grade={k.threshold_grade} />
      </h2>
      {k.not_graded && <p class="alert alert-warn">{t('kpi.not_graded')}</p>}
      <dl class="facts">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p class="muted">{t('kpi.explanation')}</p>
    </section>
  );
}

function AppealForm(props: { explain: Schemas['ExplainView'] }) {
  const [kind, setKind] = useState<Schemas['AppealKindRequest']>('appeal');
  const [reason, setReason] = useState('');
  const [appeals, setAppeals] = useState(props.explain.appeals);
  const file = useAction(async () => {
    const a = await call(api.POST('/api/v1/grades/{id}/appeals', { params: { path: { id: props.explain.grade.id } }, body: { kind, reason } }));
    setAppeals([...appeals, a]);
    setReason('');
  });
  return (
    <div>
      <h3>{t('appeal.title')}</h3>
      <ul class="plain">
        {props.explain.grade.reasons.map((r, i) => (
          <li key={i}>{r.message}</li>
        ))}
      </ul>
      {appeals.map((a) => (
        <p key={a.id}>
          {t(a.kind === 'appeal' ? 'appeal.kind.appeal' : 'appeal.kind.reserved_opinion')}: {a.reason} — {t(`appeal.state.${a.state}` as 'appeal.state.filed')}
          {a.resolution && <> ({a.resolution})</>}
        </p>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void file.run();
        }}
      >
        <Field label={t('appeal.kind')} id="appeal-kind">
          <select id="appeal-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Schemas['AppealKindRequest'])}>
            <option value="appeal">{t('appeal.kind.appeal')}</option>
            <option value="reserved_opinion">{t('appeal.kind.reserved_opinion')}</option>
          </select>
        </Field>
        <Field label={t('appeal.reason')} id="appeal-reason">
          <textarea id="appeal-reason" value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
        </Field>
        <ErrorBox error={file.error} />
        <button class="btn" type="submit" disabled={file.busy || !reason.trim()}>
          {t('appeal.send')}
        </button>
      </form>
    </div>
  );
}
