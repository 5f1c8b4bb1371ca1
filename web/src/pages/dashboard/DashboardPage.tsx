// The organisation department's (and a head's) picture of a period: grade distribution per level,
// under-logged share, staffing too many / too few, anomalies per unit and the KPI trend, drilling
// from the province to a unit to a person.
import type { ChartConfiguration } from 'chart.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { ChartView, PALETTE } from '../../lib/Chart';
import { formatMinutes, formatNumber, monthOf, previousMonth, today } from '../../lib/format';
import { api, navigate } from '../../lib/session';
import { ErrorBox, GradeBadge, Link, Loading, Page } from '../../lib/ui';
import { saveBlob } from '../grading/GradingPage';

type Dashboard = Schemas['Dashboard'];
const GRADE_ORDER: Schemas['Grade'][] = ['excellent', 'good', 'complete', 'not_complete', 'not_graded'];

function query(): { unit?: number; period?: string } {
  const p = new URLSearchParams(location.search);
  const unit = Number(p.get('unit'));
  const period = p.get('period');
  return { ...(unit ? { unit } : {}), ...(period ? { period } : {}) };
}

export function DashboardPage() {
  const q = query();
  const [period, setPeriod] = useState(q.period ?? previousMonth(monthOf(today())));
  const unitId = q.unit;
  const [data, setData] = useState<Dashboard | null>(null);
  const [unitKpi, setUnitKpi] = useState<Schemas['UnitKpiView'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setData(null);
    setError(null);
    call(api.GET('/api/v1/dashboard', { params: { query: { period, ...(unitId ? { unit_id: unitId } : {}) } } })).then(setData, setError);
    setUnitKpi(null);
    if (unitId)
      call(api.GET('/api/v1/kpi/units/{id}', { params: { path: { id: unitId }, query: { period } } })).then(setUnitKpi, () => undefined);
  }, [period, unitId]);

  // The dashboard answers one row per unit directly under the root (each with its subtree) and
  // the root's own members: opening a row with units under it gives that unit's dashboard.
  const drill = (id: number) => navigate(`/dashboard?unit=${id}&period=${period}`);
  const rows = data?.rows ?? [];
  const children = useMemo(
    () =>
      rows.map((r) => ({
        ...r.unit,
        name: r.covers === 'own' ? t('dashboard.own_members', { unit: r.unit.name }) : r.unit.name,
      })),
    [data],
  );
  const open = (id: number) => {
    const row = rows.find((r) => r.unit.unit_id === id);
    if (row && row.covers === 'subtree') drill(id);
  };

  return (
    <Page title={t('dashboard.title')}>
      <div class="row">
        <label>
          {t('kpi.period')}{' '}
          <input type="month" value={period} onInput={(e) => setPeriod((e.target as HTMLInputElement).value)} />
        </label>
        {unitId && (
          <Link href={`/dashboard?period=${period}`}>{t('dashboard.back_to_top')}</Link>
        )}
      </div>
      <ErrorBox error={error} />
      {!data && !error && <Loading />}
      {data && (
        <>
          <p class="summary" data-testid="dashboard-summary">
            <strong>{data.root?.name ?? t('dashboard.whole_organisation')}</strong> · {t('dashboard.headcount')}: {data.headcount} ·{' '}
            {t('dashboard.kpi_average')}: {data.kpi.average == null ? '—' : formatNumber(data.kpi.average)} · {t('dashboard.under_share')}:{' '}
            {formatNumber(data.under_logging.share * 100, 1)} %
          </p>
          <div class="grid-2">
            <section class="card" aria-label={t('dashboard.grades')}>
              <h2>{t('dashboard.grades')}</h2>
              <GradesChart data={data} />
            </section>
            <section class="card">
              <h2>{t('dashboard.trend')}</h2>
              <TrendChart data={data} />
            </section>
            <section class="card">
              <h2>{t('dashboard.under_logged')}</h2>
              <UnderChart data={data} units={children} onUnit={open} />
            </section>
            <section class="card">
              <h2>{t('dashboard.staffing')}</h2>
              <StaffingChart data={data} units={children} onUnit={open} />
            </section>
            <section class="card">
              <h2>{t('dashboard.anomalies')}</h2>
              <AnomalyChart data={data} units={children} onUnit={open} />
            </section>
            <section class="card">
              <h2>{t('dashboard.drill')}</h2>
              <ul class="plain">
                {rows.map((r) => (
                  <li key={r.unit.unit_id}>
                    {r.covers === 'subtree' ? (
                      <Link href={`/dashboard?unit=${r.unit.unit_id}&period=${period}`}>{r.unit.name}</Link>
                    ) : (
                      t('dashboard.own_members', { unit: r.unit.name })
                    )}
                    {r.has_children && <span class="muted"> · {t('dashboard.units_in', { n: r.units })}</span>}
                  </li>
                ))}
              </ul>
              <p class="muted" data-testid="dashboard-backlog">
                {t('dashboard.backlog', { waiting: data.backlog.waiting, days: data.backlog.oldest_age_days })}
              </p>
              <Reports period={period} unitId={unitId} />
            </section>
          </div>
          <UnderPeople data={data} unitId={unitId} />
          {unitKpi && (
            <section class="card">
              <h2>
                {t('dashboard.people_of', { unit: unitKpi.unit_name })} · {formatNumber(unitKpi.average_total)}
              </h2>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{t('common.name')}</th>
                    <th scope="col">{t('kpi.total')}</th>
                    <th scope="col">{t('kpi.credited')}</th>
                    <th scope="col">{t('grading.grade')}</th>
                  </tr>
                </thead>
                <tbody>
                  {unitKpi.people.map((p) => (
                    <tr key={p.staff_id}>
                      <td>{p.full_name}</td>
                      <td>{formatNumber(p.total)}</td>
                      <td>{formatMinutes(p.credited)}</td>
                      <td>
                        <GradeBadge grade={p.threshold_grade} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </>
      )}
    </Page>
  );
}

const PAGE = 20;

/** The people short of their hours in one ended week of the period, a page at a time (the
 *  dashboard itself only counts them). */
function UnderPeople(props: { data: Dashboard; unitId: number | undefined }) {
  const ended = props.data.under_logging.by_week.filter((w) => !w.in_progress);
  const [week, setWeek] = useState<string | null>(ended.length ? ended[ended.length - 1]!.week : null);
  const [offset, setOffset] = useState(0);
  const [report, setReport] = useState<Schemas['UnderLoggedReportView'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setWeek(ended.length ? ended[ended.length - 1]!.week : null);
    setOffset(0);
  }, [props.data]);
  useEffect(() => {
    setReport(null);
    setError(null);
    if (!week) return;
    const query = { week, limit: PAGE, offset, ...(props.unitId ? { unit_id: props.unitId } : {}) };
    call(api.GET('/api/v1/reports/under-logged', { params: { query } })).then(
      // JSON without `format` (the route also answers files).
      (r) => (typeof r === 'string' ? setError(new Error('unexpected answer')) : setReport(r)),
      setError,
    );
  }, [week, offset, props.unitId]);
  return (
    <section class="card" aria-label={t('dashboard.under_people')}>
      <h2>{t('dashboard.under_people')}</h2>
      {!week && <p class="muted">{t('dashboard.no_ended_week')}</p>}
      {week && (
        <div class="row">
          <label>
            {t('dashboard.week')}{' '}
            <select
              value={week}
              onChange={(e) => {
                setWeek((e.target as HTMLSelectElement).value);
                setOffset(0);
              }}
            >
              {ended.map((w) => (
                <option key={w.week} value={w.week}>
                  {w.week} · {w.under_logged_count}/{w.people_count}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ErrorBox error={error} />
      {week && !report && !error && <Loading />}
      {report && report.people.length === 0 && <p class="muted">{t('dashboard.nobody_under')}</p>}
      {report && report.people.length > 0 && (
        <>
          <table class="table" data-testid="under-people">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('dashboard.unit')}</th>
                <th scope="col">{t('dashboard.gap')}</th>
                <th scope="col">{t('dashboard.streak')}</th>
              </tr>
            </thead>
            <tbody>
              {report.people.map((p) => (
                <tr key={p.staff_id}>
                  <td>{p.full_name}</td>
                  <td>{p.unit_name ?? '—'}</td>
                  <td>{formatMinutes(p.gap)}</td>
                  <td>{p.streak}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="row">
            <button class="btn btn-small" disabled={report.offset === 0} onClick={() => setOffset(Math.max(0, report.offset - PAGE))}>
              {t('dashboard.previous')}
            </button>
            <span class="muted">
              {t('dashboard.page', {
                from: report.offset + 1,
                to: report.offset + report.people.length,
                total: report.under_logged_count,
              })}
            </span>
            <button class="btn btn-small" disabled={report.next_offset == null} onClick={() => report.next_offset != null && setOffset(report.next_offset)}>
              {t('dashboard.next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function GradesChart(props: { data: Dashboard }) {
  const config = useMemo<ChartConfiguration>(() => {
    const levels = props.data.grades.by_level;
    const label = (g: Schemas['Grade']) =>
      props.data.grades.overall.grades.find((x) => x.grade.code === g)?.grade.label ?? t(`grade.${g}` as 'grade.good');
    return {
      type: 'bar',
      data: {
        labels: levels.map((l) => t(`level.${l.level}` as 'level.ward')),
        datasets: GRADE_ORDER.map((g, i) => ({
          label: label(g),
          data: levels.map((l) => l.counts.grades.find((x) => x.grade.code === g)?.count ?? 0),
          backgroundColor: PALETTE[i],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    };
  }, [props.data]);
  if (props.data.grades.overall.total === 0) return <p class="muted">{t('dashboard.no_grades')}</p>;
  return <ChartView config={config} label={t('dashboard.grades')} />;
}

function TrendChart(props: { data: Dashboard }) {
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'line',
      data: {
        labels: props.data.kpi.trend.map((p) => p.period),
        datasets: [{ label: t('dashboard.kpi_average'), data: props.data.kpi.trend.map((p) => p.average ?? null), borderColor: PALETTE[0], backgroundColor: PALETTE[0] }],
      },
      options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } },
    }),
    [props.data],
  );
  return <ChartView config={config} label={t('dashboard.trend')} />;
}

function UnderChart(props: { data: Dashboard; units: Schemas['UnitRef'][]; onUnit: (id: number) => void }) {
  const byUnit = props.data.under_logging.units;
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: props.units.map((u) => u.name),
        datasets: [
          {
            label: t('dashboard.under_share'),
            data: props.units.map((u) => (byUnit.find((x) => x.unit_id === u.unit_id)?.share ?? 0) * 100),
            backgroundColor: PALETTE[3],
          },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { beginAtZero: true, max: 100 } } },
    }),
    [props.data, props.units],
  );
  return <ChartView config={config} label={t('dashboard.under_logged')} height={Math.max(160, props.units.length * 28)} onClickIndex={(i) => props.onUnit(props.units[i]!.unit_id)} />;
}

function StaffingChart(props: { data: Dashboard; units: Schemas['UnitRef'][]; onUnit: (id: number) => void }) {
  const config = useMemo<ChartConfiguration>(() => {
    const rows = props.units.map((u) => props.data.staffing.units.find((s) => s.unit.unit_id === u.unit_id));
    return {
      type: 'bar',
      data: {
        labels: props.units.map((u) => u.name),
        datasets: [
          {
            label: t('dashboard.surplus'),
            data: rows.map((r) => r?.surplus ?? 0),
            backgroundColor: rows.map((r) => ((r?.surplus ?? 0) >= 0 ? PALETTE[0] : PALETTE[2])),
          },
        ],
      },
      options: { indexAxis: 'y' },
    };
  }, [props.data, props.units]);
  return (
    <>
      <p class="muted">{t('dashboard.surplus_hint')}</p>
      <ChartView config={config} label={t('dashboard.staffing')} height={Math.max(160, props.units.length * 28)} onClickIndex={(i) => props.onUnit(props.units[i]!.unit_id)} />
    </>
  );
}

const ANOMALY_KINDS = ['day_over_threshold', 'far_above_standard', 'non_working_day', 'duplicate', 'late_backfill'] as const;

function AnomalyChart(props: { data: Dashboard; units: Schemas['UnitRef'][]; onUnit: (id: number) => void }) {
  const config = useMemo<ChartConfiguration>(() => {
    const rows = props.units.map((u) => props.data.anomalies.units.find((a) => a.unit.unit_id === u.unit_id));
    return {
      type: 'bar',
      data: {
        labels: props.units.map((u) => u.name),
        datasets: ANOMALY_KINDS.map((k, i) => ({
          label: t(`anomaly.${k}`),
          data: rows.map((r) => (r?.counts as Record<string, number> | undefined)?.[k] ?? 0),
          backgroundColor: PALETTE[i],
        })),
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true }, y: { stacked: true } } },
    };
  }, [props.data, props.units]);
  return <ChartView config={config} label={t('dashboard.anomalies')} height={Math.max(180, props.units.length * 28)} onClickIndex={(i) => props.onUnit(props.units[i]!.unit_id)} />;
}

const REPORTS = [
  ['grades', '/api/v1/reports/grades'],
  ['kpi', '/api/v1/reports/kpi'],
  ['under_logged', '/api/v1/reports/under-logged'],
  ['staffing', '/api/v1/reports/staffing'],
  ['anomalies', '/api/v1/reports/anomalies'],
  ['rewards', '/api/v1/reports/rewards'],
] as const;

function Reports(props: { period: string; unitId: number | undefined }) {
  const [error, setError] = useState<unknown>(null);
  const get = async (path: string, name: string, format: 'csv' | 'xlsx') => {
    setError(null);
    const params = new URLSearchParams({ format });
    if (name !== 'under_logged') params.set('period', props.period);
    if (props.unitId) params.set('unit_id', String(props.unitId));
    // Plain request through the typed client's fetch: the path is one of the documented reports.
    const res = await api.GET(path as '/api/v1/reports/kpi', {
      params: { query: Object.fromEntries(params) as never },
      parseAs: 'blob',
    });
    if (!res.response.ok || !res.data) {
      setError(new Error(`${res.response.status}`));
      return;
    }
    saveBlob(res.data as Blob, `${name}-${props.period}.${format}`);
  };
  return (
    <div>
      <h3>{t('dashboard.reports')}</h3>
      <ErrorBox error={error} />
      <ul class="plain reports">
        {REPORTS.map(([name, path]) => (
          <li key={name}>
            {t(`report.${name}`)}{' '}
            <button class="btn btn-small" onClick={() => void get(path, name, 'csv')}>
              CSV
            </button>{' '}
            <button class="btn btn-small" onClick={() => void get(path, name, 'xlsx')}>
              XLSX
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
