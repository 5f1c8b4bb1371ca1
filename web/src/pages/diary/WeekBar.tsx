// The week against the norm: logged and approved minutes over the expected minutes (net of
// holidays and leave), as the API computes them.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatDate, formatMinutes } from '../../lib/format';
import { api } from '../../lib/session';

type Week = Schemas['WeekView'];

export function weekState(w: Week): 'in_progress' | 'under' | 'ok' {
  const state = (w as Week & { state?: string }).state;
  if (state === 'in_progress') return 'in_progress';
  return w.under_logged ? 'under' : 'ok';
}

export function WeekMeter(props: { week: Week }) {
  const w = props.week;
  const max = Math.max(w.expected, w.logged, 1);
  const pct = (n: number) => `${Math.min(100, (n / max) * 100).toFixed(1)}%`;
  const state = weekState(w);
  return (
    <div class="week" data-testid="week-bar">
      <div class="week-head">
        <strong>{w.week}</strong>
        <span class="muted">
          {formatDate(w.monday)} – {formatDate(w.sunday)}
        </span>
        <span class={`badge week-${state}`}>{t(`week.${state}`)}</span>
      </div>
      <div
        class="meter"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={w.expected}
        aria-valuenow={w.logged}
        aria-label={t('week.logged_of_expected', { logged: formatMinutes(w.logged), expected: formatMinutes(w.expected) })}
      >
        <div class="meter-logged" style={{ width: pct(w.logged) }} />
        <div class="meter-approved" style={{ width: pct(w.approved) }} />
        {w.expected > 0 && <div class="meter-norm" style={{ left: pct(w.expected) }} />}
      </div>
      <p class="week-figures">
        {t('week.logged')}: <strong>{formatMinutes(w.logged)}</strong> · {t('week.approved')}: {formatMinutes(w.approved)} ·{' '}
        {t('week.expected')}: {formatMinutes(w.expected)}
        {w.gap > 0 && (
          <>
            {' '}
            · {t('week.gap')}: <strong>{formatMinutes(w.gap)}</strong>
          </>
        )}
        {w.streak > 1 && <> · {t('week.streak', { n: w.streak })}</>}
      </p>
    </div>
  );
}

export function WeekBar(props: { staffId: number; date: string }) {
  const [week, setWeek] = useState<Week | null>(null);
  useEffect(() => {
    call(api.GET('/api/v1/staff/{id}/weeks', { params: { path: { id: props.staffId } } })).then(
      (res) => setWeek(res.weeks.find((w) => w.monday <= props.date && props.date <= w.sunday) ?? null),
      () => setWeek(null),
    );
  }, [props.staffId, props.date]);
  if (!week) return null;
  return (
    <section class="card" aria-label={t('week.title')}>
      <h2>{t('week.title')}</h2>
      <WeekMeter week={week} />
    </section>
  );
}
