// The last weeks against the norm, under-logged weeks and the current streak.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { api, session } from '../../lib/session';
import { ErrorBox, Loading, Page } from '../../lib/ui';
import { WeekMeter } from './WeekBar';

export function WeeksPage() {
  const me = session.me!;
  const [data, setData] = useState<Schemas['StaffWeeksView'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(api.GET('/api/v1/staff/{id}/weeks', { params: { path: { id: me.staff.id } } })).then(setData, setError);
  }, []);
  const under = data?.weeks.filter((w) => w.under_logged).length ?? 0;
  const last = data?.weeks[data.weeks.length - 1];
  return (
    <Page title={t('week.my_weeks')}>
      <ErrorBox error={error} />
      {!data && !error && <Loading />}
      {data && (
        <>
          <p class="summary">
            {t('week.under_count', { n: under, total: data.weeks.length })}
            {last && last.streak > 0 && <> · {t('week.streak', { n: last.streak })}</>}
          </p>
          <p class="muted">{t(data.basis === 'approved' ? 'week.basis_approved' : 'week.basis_logged')}</p>
          {[...data.weeks].reverse().map((w) => (
            <WeekMeter week={w} key={w.week} />
          ))}
        </>
      )}
    </Page>
  );
}
