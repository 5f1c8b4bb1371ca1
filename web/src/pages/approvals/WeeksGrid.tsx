// The team's multi-week grid: rows = people, columns = the last N ISO weeks, each cell the hours
// logged against the hours expected; under-logged cells (the server's judgement of an ended
// week) are marked with the gap in hours, the running week is shown as "so far". One request for
// the whole subtree (`/reports/weeks`, its first page of people).
import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api/client';
import { t } from '../../i18n';
import { lastWeeks, teamRows, weekGrid, type GridInput } from '../../lib/admin';
import { formatDate, formatNumber, today } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, Loading } from '../../lib/ui';

const hours = (minutes: number) => formatNumber(minutes / 60, minutes % 60 === 0 ? 0 : 1);
/** People in the grid (one page of the report). */
const GRID_PEOPLE = 200;

export function WeeksGrid(props: { unitId: number | undefined }) {
  const [n, setN] = useState(6);
  const [data, setData] = useState<GridInput[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!props.unitId) return;
    const { from, to } = lastWeeks(today(), n);
    setData(null);
    call(api.GET('/api/v1/reports/weeks', { params: { query: { unit_id: props.unitId, from, to, limit: GRID_PEOPLE } } })).then(
      (view) => setData(teamRows(view)),
      setError,
    );
  }, [props.unitId, n]);
  const grid = data ? weekGrid(data) : null;
  return (
    <section class="card" aria-labelledby="weeks-grid-title">
      <div class="row">
        <h2 id="weeks-grid-title" class="grow">
          {t('grid.title')}
        </h2>
        <div class="field-shrink">
          <Field label={t('grid.weeks')} id="grid-n">
            <select id="grid-n" value={n} onChange={(e) => setN(Number((e.target as HTMLSelectElement).value))}>
              {[4, 6, 8, 12].map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
          </Field>
        </div>
      </div>
      <p class="hint">{t('grid.legend')}</p>
      <ErrorBox error={error} />
      {!grid && !error && props.unitId !== undefined && <Loading />}
      {grid && (
        <div class="scroll-x">
          <table class="table week-grid" data-testid="weeks-grid">
            <thead>
              <tr>
                <th scope="col" class="sticky-col">
                  {t('staff.full_name')}
                </th>
                {grid.weeks.map((w) => {
                  const monday = data!.flatMap((d) => d.weeks).find((x) => x.week === w)?.monday;
                  return (
                    <th scope="col" key={w} title={monday ? formatDate(monday) : w}>
                      {w.slice(5)}
                    </th>
                  );
                })}
                <th scope="col">{t('grid.total_gap')}</th>
              </tr>
            </thead>
            <tbody>
              {grid.rows.map((row) => (
                <tr key={row.staff.id} data-testid="grid-row">
                  <th scope="row" class="sticky-col">
                    {row.staff.full_name}
                  </th>
                  {row.cells.map((c, i) =>
                    !c ? (
                      <td key={i}>—</td>
                    ) : (
                      <td
                        key={c.week}
                        class={c.under_logged ? 'cell-under' : c.in_progress ? 'cell-running' : ''}
                        data-testid={c.under_logged ? 'cell-under' : undefined}
                        title={`${c.week}: ${hours(c.logged)} / ${hours(c.expected)} h`}
                      >
                        <span class="cell-main">
                          {hours(c.logged)}/{hours(c.expected)}
                        </span>
                        {c.under_logged && <span class="cell-gap">−{hours(c.gap)} h</span>}
                        {c.in_progress && <span class="cell-note">{t('grid.so_far')}</span>}
                      </td>
                    ),
                  )}
                  <td class={row.under ? 'cell-under' : ''}>{row.under ? `${row.under} · −${hours(row.gap)} h` : '✓'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
