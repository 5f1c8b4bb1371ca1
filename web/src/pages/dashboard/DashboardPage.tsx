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

  const drill = (id: number) => navigate(`/dashboard?unit=${id}&period=${period}`);
  const children = useMemo(() => {
    if (!data) return [];
    // The units one level below the root (the whole organisation: below its top unit when it
    // has a single one, e.g. the province), so that each chart compares siblings.
    const units = data.staffing.units.map((s) => s.unit);
    let rootId = data.root?.unit_id ?? null;
    if (rootId === null) {
      const tops = units.filter((u) => u.parent_id === null || !units.some((p) => p.unit_id === u.parent_id));
      if (tops.length === 1) rootId = tops[0]!.unit_id;
      else return tops;
    }
    const direct = units.filter((u) => u.parent_id === rootId);
    return direct.length ? direct : units.filter((u) => u.unit_id === rootId);
  }, [data]);

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
              <UnderChart data={data} units={children} onUnit={drill} />
            </section>
            <section class="card">
              <h2>{t('dashboard.staffing')}</h2>
              <StaffingChart data={data} units={children} onUnit={drill} />
            </section>
            <section class="card">
              <h2>{t('dashboard.anomalies')}</h2>
              <AnomalyChart data={data} units={children} onUnit={drill} />
            </section>
            <section class="card">
              <h2>{t('dashboard.drill')}</h2>
              <ul class="plain">
                {children.map((u) => (
                  <li key={u.unit_id}>
                    <Link href={`/dashboard?unit=${u.unit_id}&period=${period}`}>{u.name}</Link>
                  </li>
                ))}
              </ul>
              <Reports period={period} unitId={unitId} />
            </section>
          </div>
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
