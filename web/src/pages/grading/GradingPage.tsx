// The grading round of a unit: open it, enter common-criteria scores, read every proposal with
// its reasons, override with a reason, decide; the organisation department publishes.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Schemas } from '../../api/client';
import { currentLang, t } from '../../i18n';
import { formatNumber, monthOf, previousMonth, today } from '../../lib/format';
import { api, isOrganisation, navigate, session } from '../../lib/session';
import { ErrorBox, Field, GradeBadge, Loading, Page, useAction } from '../../lib/ui';
import { RoundBallot } from './RoundBallot';

type Round = Schemas['RoundView'];
type Row = Schemas['GradeRowView'];
const GRADES: Schemas['Grade'][] = ['excellent', 'good', 'complete', 'not_complete'];

/** Finds the round of a unit and period (the list endpoint), or opens it. */
async function findRound(unitId: number, period: string): Promise<number | null> {
  const list = await call(api.GET('/api/v1/grading/rounds', { params: { query: { unit_id: unitId, period } } }));
  return list.items[0]?.id ?? null;
}

export function GradingStart() {
  const me = session.me!;
  const [units, setUnits] = useState<Schemas['UnitView'][]>([]);
  const [unitId, setUnitId] = useState<number>(me.headed_unit_ids[0] ?? me.staff.unit_id ?? 0);
  const [period, setPeriod] = useState(previousMonth(monthOf(today())));
  useEffect(() => {
    call(api.GET('/api/v1/units', { params: { query: { limit: 200 } } })).then((p) => setUnits(p.items), () => undefined);
  }, []);
  const open = useAction(async () => {
    const existing = await findRound(unitId, period);
    if (existing) {
      navigate(`/grading/${existing}`);
      return;
    }
    const round = await call(api.POST('/api/v1/grading/rounds', { body: { unit_id: unitId, period } }));
    navigate(`/grading/${round.id}`);
  });
  const choosable = isOrganisation(me) ? units : units.filter((u) => me.headed_unit_ids.includes(u.id));
  return (
    <Page title={t('grading.title')}>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void open.run();
        }}
      >
        <Field label={t('common.unit')} id="round-unit">
          <select id="round-unit" value={unitId} onChange={(e) => setUnitId(Number((e.target as HTMLSelectElement).value))}>
            {choosable.map((u) => (
              <option value={u.id} key={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('kpi.period')} id="round-period">
          <input id="round-period" type="month" value={period} onInput={(e) => setPeriod((e.target as HTMLInputElement).value)} />
        </Field>
        <ErrorBox error={open.error} />
        <button class="btn btn-primary" type="submit" disabled={!unitId || open.busy} data-testid="open-round">
          {t('grading.open')}
        </button>
      </form>
    </Page>
  );
}

export function GradingRound(props: { id: number }) {
  const me = session.me!;
  const [round, setRound] = useState<Round | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [overrides, setOverrides] = useState<Record<number, { grade: Schemas['Grade']; reason: string }>>({});
  const [criteria, setCriteria] = useState<Schemas['CriteriaGroup'][]>([]);
  const [ballot, setBallot] = useState<Schemas['RoundBallotView'] | null>(null);
  const load = () => call(api.GET('/api/v1/grading/rounds/{id}', { params: { path: { id: props.id } } })).then(setRound, setError);
  useEffect(() => void load(), [props.id]);
  useEffect(() => {
    if (!round) return;
    call(api.GET('/api/v1/policies')).then(
      (list) => setCriteria(list.items.find((p) => p.id === round.policy.id)?.preset.criteria ?? []),
      () => setCriteria([]),
    );
  }, [round?.policy.id]);

  const decide = useAction(async () => {
    const list = Object.entries(overrides)
      .filter(([, o]) => o.reason.trim())
      .map(([staff_id, o]) => ({ staff_id: Number(staff_id), grade: o.grade, reason: o.reason }));
    setRound(await call(api.POST('/api/v1/grading/rounds/{id}/decide', { params: { path: { id: props.id } }, body: { overrides: list } })));
  });
  const publish = useAction(async () => {
    setRound(await call(api.POST('/api/v1/grading/rounds/{id}/publish', { params: { path: { id: props.id } } })));
  });
  const recompute = useAction(async () => {
    setRound(await call(api.POST('/api/v1/grading/rounds/{id}/recompute', { params: { path: { id: props.id } } })));
  });

  if (error) return <ErrorBox error={error} />;
  if (!round) return <Loading />;
  const groups = round.policy as Schemas['PolicyRef'] & { criteria?: unknown };
  const open = round.state === 'open';
  return (
    <Page title={`${t('grading.round')} ${round.unit_name} · ${round.period}`}>
      <p>
        {t('common.state')}: <strong data-testid="round-state">{t(`round.${round.state}` as 'round.open')}</strong> · {t('grading.policy')}:{' '}
        {groups.code}
      </p>
      <div class="actions">
        {open && (
          <button class="btn" onClick={() => void recompute.run()}>
            {t('grading.recompute')}
          </button>
        )}
        <a class="btn" href={`/api/v1/grading/rounds/${round.id}/export?format=xlsx`} onClick={(e) => download(e, round.id, 'xlsx')}>
          XLSX
        </a>
        <a class="btn" href={`/api/v1/grading/rounds/${round.id}/export?format=csv`} onClick={(e) => download(e, round.id, 'csv')}>
          CSV
        </a>
      </div>
      <ErrorBox error={recompute.error} />
      <RoundBallot
        roundId={round.id}
        roundOpen={open}
        member={round.grades.some((g) => g.staff_id === me.staff.id)}
        manager={isOrganisation(me) || me.headed_unit_ids.includes(round.unit_id)}
        onChange={(b) => {
          // Closing writes the counts into the round's ballot votes: read them back.
          if (ballot?.state === 'open' && b?.state === 'closed') void load();
          setBallot(b);
        }}
      />
      <div class="rows">
        {round.grades.map((row) => (
          <GradeRowCard
            key={row.id}
            row={row}
            roundId={round.id}
            open={open}
            onSaved={(r) => setRound({ ...round, grades: round.grades.map((g) => (g.id === r.id ? r : g)) })}
            override={overrides[row.staff_id]}
            ballot={ballot ? { votes: ballot.candidates.find((c) => c.staff_id === row.staff_id)?.votes, candidate: ballot.candidates.some((c) => c.staff_id === row.staff_id) } : null}
            canOverride={open && row.staff_id !== me.staff.id}
            criteria={criteria}
            onOverride={(o) => setOverrides({ ...overrides, [row.staff_id]: o })}
          />
        ))}
      </div>
      {open && (
        <div class="card">
          <ErrorBox error={decide.error} />
          <button class="btn btn-primary" onClick={() => void decide.run()} disabled={decide.busy} data-testid="decide">
            {t('grading.decide')}
          </button>
        </div>
      )}
      {round.state === 'decided' && isOrganisation(me) && (
        <div class="card">
          <ErrorBox error={publish.error} />
          <button class="btn btn-primary" onClick={() => void publish.run()} disabled={publish.busy} data-testid="publish">
            {t('grading.publish')}
          </button>
        </div>
      )}
    </Page>
  );
}

async function download(e: Event, id: number, format: 'xlsx' | 'csv') {
  // The export needs the bearer token, so fetch it and hand the browser a blob.
  e.preventDefault();
  const res = await api.GET('/api/v1/grading/rounds/{id}/export', {
    params: { path: { id }, query: { format } },
    parseAs: 'blob',
  });
  if (!res.response.ok || !res.data) return;
  saveBlob(res.data as Blob, `round-${id}.${format}`);
}

export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function GradeRowCard(props: {
  row: Row;
  roundId: number;
  open: boolean;
  canOverride: boolean;
  override: { grade: Schemas['Grade']; reason: string } | undefined;
  ballot: { votes: number | null | undefined; candidate: boolean } | null;
  criteria: Schemas['CriteriaGroup'][];
  onSaved: (row: Row) => void;
  onOverride: (o: { grade: Schemas['Grade']; reason: string }) => void;
}) {
  const r = props.row;
  const count = props.criteria.length || r.common_scores?.length || 0;
  const hint = props.criteria.length
    ? props.criteria.map((c, i) => `${i + 1}. ${currentLang() === 'vi' ? c.name_vi : c.name_en} (≤ ${formatNumber(c.max, 0)})`).join('; ')
    : t('grading.scores_hint');
  const [scores, setScores] = useState<string>((r.common_scores ?? []).join(' '));
  const save = useAction(async () => {
    const common_scores = scores
      .split(/[\s;]+/)
      .filter(Boolean)
      .map((s) => Number(s.replace(',', '.')));
    if (common_scores.some((n) => Number.isNaN(n))) throw new ApiError(422, { detail: t('grading.scores_invalid') });
    props.onSaved(
      await call(api.PUT('/api/v1/grading/rounds/{id}/assessments/{staff_id}', { params: { path: { id: props.roundId, staff_id: r.staff_id } }, body: { common_scores } })),
    );
  });
  return (
    <article class="card grade-row" data-testid="grade-row">
      <header class="queue-head">
        <strong>{r.full_name}</strong>
        <span>
          {t('grading.proposed')}: <GradeBadge grade={r.proposed_grade} />
          {r.final_grade && (
            <>
              {' '}
              · {t('grading.final')}: <GradeBadge grade={r.final_grade} />
            </>
          )}
        </span>
      </header>
      {props.ballot?.candidate && (
        <p class="ballot-votes" data-testid="ballot-votes">
          {t('rballot.beside')}: <strong>{props.ballot.votes == null ? t('rballot.pending') : t('rballot.votes', { n: props.ballot.votes })}</strong>
        </p>
      )}
      <p>
        {t('kpi.total')}: <strong>{formatNumber(r.total)}</strong> · {t('kpi.common_score')}: {r.common_score == null ? t('kpi.common_missing') : formatNumber(r.common_score)} ·{' '}
        {t('kpi.quantity')}: {formatNumber(r.quantity)} · {t('kpi.quality')}: {formatNumber(r.quality)}
      </p>
      <ul class="reasons">
        {r.reasons.map((x, i) => (
          <li key={i}>{x.message}</li>
        ))}
      </ul>
      {r.override_reason && (
        <p class="muted">
          {t('grading.override_reason')}: {r.override_reason}
        </p>
      )}
      {props.open && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <Field label={t('grading.common_scores', { n: count || '…' })} id={`scores-${r.staff_id}`} hint={hint}>
            <input id={`scores-${r.staff_id}`} value={scores} inputMode="decimal" onInput={(e) => setScores((e.target as HTMLInputElement).value)} />
          </Field>
          <button class="btn btn-small" type="submit" disabled={save.busy} data-testid="save-scores">
            {t('common.save')}
          </button>
        </form>
      )}
      <ErrorBox error={save.error} />
      {!props.open && <Appeals gradeId={r.id} />}
      {props.canOverride && (
        <details>
          <summary>{t('grading.override')}</summary>
          <div class="row">
            <Field label={t('grading.grade')} id={`ov-grade-${r.staff_id}`}>
              <select
                id={`ov-grade-${r.staff_id}`}
                value={props.override?.grade ?? r.proposed_grade.code}
                onChange={(e) => props.onOverride({ grade: (e.target as HTMLSelectElement).value as Schemas['Grade'], reason: props.override?.reason ?? '' })}
              >
                {GRADES.map((g) => (
                  <option value={g} key={g}>
                    {t(`grade.${g}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('common.reason')} id={`ov-reason-${r.staff_id}`}>
              <input
                id={`ov-reason-${r.staff_id}`}
                value={props.override?.reason ?? ''}
                onInput={(e) =>
                  props.onOverride({ grade: props.override?.grade ?? r.proposed_grade.code, reason: (e.target as HTMLInputElement).value })
                }
              />
            </Field>
          </div>
        </details>
      )}
    </article>
  );
}

/** Appeals and reserved opinions on a grade; the level above resolves appeals here. */
function Appeals(props: { gradeId: number }) {
  const [appeals, setAppeals] = useState<Schemas['AppealView'][] | null>(null);
  const [decision, setDecision] = useState<Schemas['ResolveDecision']>('uphold');
  const [grade, setGrade] = useState<Schemas['Grade']>('good');
  const [reason, setReason] = useState('');
  const load = () =>
    call(api.GET('/api/v1/grades/{id}/explain', { params: { path: { id: props.gradeId } } })).then(
      // JSON here (the same route also answers a PDF to `Accept: application/pdf`).
      (x) => setAppeals(typeof x === 'string' ? [] : x.appeals),
      () => setAppeals([]),
    );
  useEffect(() => void load(), [props.gradeId]);
  const resolve = useAction(async (id: number) => {
    await call(
      api.POST('/api/v1/appeals/{id}/resolve', {
        params: { path: { id } },
        body: { decision, reason, grade: decision === 'change' ? grade : null },
      }),
    );
    setReason('');
    await load();
  });
  if (!appeals || appeals.length === 0) return null;
  return (
    <div class="appeals">
      <h3>{t('appeal.title')}</h3>
      {appeals.map((a) => (
        <div key={a.id} class="card">
          <p>
            <strong>{t(a.kind === 'appeal' ? 'appeal.kind.appeal' : 'appeal.kind.reserved_opinion')}</strong>: {a.reason} ·{' '}
            {t(`appeal.state.${a.state}` as 'appeal.state.filed')}
            {a.resolution && <> — {a.resolution}</>}
          </p>
          {a.kind === 'appeal' && !a.resolved_at && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                void resolve.run(a.id);
              }}
            >
              <Field label={t('appeal.decision')} id={`ap-d-${a.id}`}>
                <select id={`ap-d-${a.id}`} value={decision} onChange={(e) => setDecision((e.target as HTMLSelectElement).value as Schemas['ResolveDecision'])}>
                  <option value="uphold">{t('appeal.uphold')}</option>
                  <option value="change">{t('appeal.change')}</option>
                </select>
              </Field>
              {decision === 'change' && (
                <Field label={t('grading.grade')} id={`ap-g-${a.id}`}>
                  <select id={`ap-g-${a.id}`} value={grade} onChange={(e) => setGrade((e.target as HTMLSelectElement).value as Schemas['Grade'])}>
                    {GRADES.map((g) => (
                      <option value={g} key={g}>
                        {t(`grade.${g}`)}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
              <Field label={t('common.reason')} id={`ap-r-${a.id}`}>
                <input id={`ap-r-${a.id}`} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
              </Field>
              <button class="btn btn-small" type="submit" disabled={!reason.trim() || resolve.busy}>
                {t('appeal.resolve')}
              </button>
            </form>
          )}
          <ErrorBox error={resolve.error} />
        </div>
      ))}
    </div>
  );
}
