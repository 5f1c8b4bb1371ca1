// Leader rating campaigns: the organisation department opens one (period, deadline, criteria
// set) and closes it, which publishes the results; a voter rates their candidates one at a time
// (made for a phone: the scale as big touch targets, an optional comment); everyone reads the
// published results (average, distribution, turnout, change; hidden under 3 voters).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Schemas } from '../../api/client';
import { currentLang, t } from '../../i18n';
import { ballotReady, changeLabel, nextToRate, scaleValues, shares } from '../../lib/ballots';
import { addDays, formatDate, formatDateTime, formatNumber, today } from '../../lib/format';
import { api, isOrganisation, navigate, session } from '../../lib/session';
import { ErrorBox, Field, Link, Loading, Page, useAction } from '../../lib/ui';

type Campaign = Schemas['CampaignView'];
type CriteriaSet = Schemas['CriteriaSetView'];
type Candidate = Schemas['CandidateView'];

const criterionName = (c: { name_vi: string; name_en: string }) => (currentLang() === 'vi' ? c.name_vi : c.name_en);

function CampaignState(props: { campaign: Campaign }) {
  const c = props.campaign;
  return <span class={`badge badge-campaign-${c.state}`}>{t(c.state === 'open' ? 'ballot.state.open' : 'ballot.state.closed')}</span>;
}

export function BallotsPage() {
  const me = session.me!;
  const [list, setList] = useState<Campaign[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => call(api.GET('/api/v1/ballots/campaigns')).then(setList, setError);
  useEffect(() => void load(), []);
  if (error) return <ErrorBox error={error} />;
  if (!list) return <Loading />;
  const toVote = list.filter((c) => c.state === 'open' && c.my_candidates > c.my_votes);
  return (
    <Page title={t('ballot.title')}>
      {toVote.length > 0 && (
        <div class="alert alert-info" role="status">
          <p>{t('ballot.to_vote', { n: toVote.length })}</p>
        </div>
      )}
      {list.length === 0 && <p class="muted">{t('ballot.none')}</p>}
      <ul class="plain campaigns">
        {list.map((c) => (
          <li key={c.id} class="card campaign" data-testid="campaign">
            <div class="queue-head">
              <Link href={`/ballots/${c.id}`}>
                <strong>{c.title}</strong>
              </Link>
              <CampaignState campaign={c} />
            </div>
            <p class="muted">
              {t('ballot.period')}: {formatDate(c.period_start)} – {formatDate(c.period_end)} · {t('ballot.deadline')}: {formatDateTime(c.deadline)}
            </p>
            {c.my_candidates > 0 && (
              <p>
                {t('ballot.my_progress', { done: c.my_votes, total: c.my_candidates })}{' '}
                {c.state === 'open' && c.my_votes < c.my_candidates && (
                  <Link href={`/ballots/${c.id}`} class="btn btn-primary btn-small">
                    {t('ballot.vote_now')}
                  </Link>
                )}
              </p>
            )}
          </li>
        ))}
      </ul>
      {isOrganisation(me) && <OpenCampaignForm onOpened={(id) => navigate(`/ballots/${id}`)} />}
    </Page>
  );
}

function OpenCampaignForm(props: { onOpened: (id: number) => void }) {
  const [sets, setSets] = useState<CriteriaSet[]>([]);
  const year = today().slice(0, 4);
  const firstHalf = Number(today().slice(5, 7)) <= 6;
  const [title, setTitle] = useState('');
  const [start, setStart] = useState(firstHalf ? `${year}-01-01` : `${year}-07-01`);
  const [end, setEnd] = useState(firstHalf ? `${year}-06-30` : `${year}-12-31`);
  const [deadline, setDeadline] = useState(`${addDays(today(), 14)}T17:00`);
  const [setId, setSetId] = useState<number | null>(null);
  useEffect(() => {
    call(api.GET('/api/v1/ballots/criteria-sets')).then((s) => {
      setSets(s);
      setSetId(s[s.length - 1]?.id ?? null);
    }, () => undefined);
  }, []);
  const open = useAction(async () => {
    const opened = await call(
      api.POST('/api/v1/ballots/campaigns', {
        body: { title, period_start: start, period_end: end, deadline: new Date(deadline).toISOString(), criteria_set_id: setId },
      }),
    );
    props.onOpened(opened.id);
  });
  const err = open.error instanceof ApiError ? open.error : null;
  const chosen = sets.find((s) => s.id === setId);
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void open.run();
      }}
    >
      <h2>{t('ballot.open_title')}</h2>
      <Field label={t('ballot.name')} id="c-title" error={err?.field('title')}>
        <input id="c-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} required maxLength={200} />
      </Field>
      <div class="row">
        <Field label={t('ballot.period_start')} id="c-start" error={err?.field('period_start')}>
          <input id="c-start" type="date" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} required />
        </Field>
        <Field label={t('ballot.period_end')} id="c-end" error={err?.field('period_end')}>
          <input id="c-end" type="date" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} required />
        </Field>
        <Field label={t('ballot.deadline')} id="c-deadline" error={err?.field('deadline')}>
          <input id="c-deadline" type="datetime-local" value={deadline} onInput={(e) => setDeadline((e.target as HTMLInputElement).value)} required />
        </Field>
      </div>
      <Field label={t('ballot.criteria_set')} id="c-set" error={err?.field('criteria_set_id')}>
        <select id="c-set" value={setId ?? ''} onChange={(e) => setSetId(Number((e.target as HTMLSelectElement).value))}>
          {sets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.code} v{s.version} ({s.scale.min}–{s.scale.max})
            </option>
          ))}
        </select>
      </Field>
      {chosen && (
        <ol class="criteria-list muted">
          {chosen.criteria.map((c) => (
            <li key={c.code}>{criterionName(c)}</li>
          ))}
        </ol>
      )}
      <ErrorBox error={open.error} />
      <button class="btn btn-primary" type="submit" disabled={open.busy || !title.trim()} data-testid="open-campaign">
        {t('ballot.open')}
      </button>
    </form>
  );
}

export function CampaignPage(props: { id: number }) {
  const me = session.me!;
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => call(api.GET('/api/v1/ballots/campaigns/{id}', { params: { path: { id: props.id } } })).then(setCampaign, setError);
  useEffect(() => void load(), [props.id]);
  const close = useAction(async () => {
    if (!confirm(t('ballot.close_confirm'))) return;
    setCampaign(await call(api.POST('/api/v1/ballots/campaigns/{id}/close', { params: { path: { id: props.id } } })));
  });
  if (error) return <ErrorBox error={error} />;
  if (!campaign) return <Loading />;
  const open = campaign.state === 'open';
  return (
    <Page title={campaign.title}>
      <p class="muted">
        <CampaignState campaign={campaign} /> · {t('ballot.period')}: {formatDate(campaign.period_start)} – {formatDate(campaign.period_end)} ·{' '}
        {open ? `${t('ballot.deadline')}: ${formatDateTime(campaign.deadline)}` : `${t('ballot.closed_at')}: ${formatDateTime(campaign.closed_at ?? campaign.deadline)}`}
      </p>
      {open && campaign.my_candidates > 0 && <Voting campaign={campaign} onVoted={() => void load()} />}
      {open && campaign.my_candidates === 0 && <p class="muted">{t('ballot.not_on_roll')}</p>}
      {open && isOrganisation(me) && (
        <div class="card">
          <p class="muted">{t('ballot.close_hint')}</p>
          <ErrorBox error={close.error} />
          <button class="btn btn-danger" onClick={() => void close.run()} disabled={close.busy} data-testid="close-campaign">
            {t('ballot.close')}
          </button>
        </div>
      )}
      {!open && <Results id={campaign.id} />}
    </Page>
  );
}

/** One candidate at a time: the criteria's scales as big buttons, a comment, cast, next. */
function Voting(props: { campaign: Campaign; onVoted: () => void }) {
  const set = props.campaign.criteria_set;
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const [scores, setScores] = useState<(number | null)[]>(set.criteria.map(() => null));
  const [comment, setComment] = useState('');
  const [cast, setCast] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(api.GET('/api/v1/ballots/campaigns/{id}/candidates', { params: { path: { id: props.campaign.id } } })).then((list) => {
      setCandidates(list);
      setCurrent(nextToRate(list)?.staff_id ?? null);
    }, setError);
  }, [props.campaign.id]);
  const vote = useAction(async () => {
    const candidate = candidates!.find((c) => c.staff_id === current)!;
    await call(
      api.POST('/api/v1/ballots/campaigns/{id}/votes', {
        params: { path: { id: props.campaign.id } },
        body: { candidate_id: candidate.staff_id, scores: scores as number[], comment: comment.trim() || null },
      }),
    );
    const list = candidates!.map((c) => (c.staff_id === candidate.staff_id ? { ...c, voted: true } : c));
    setCandidates(list);
    setCurrent(nextToRate(list, candidate.staff_id)?.staff_id ?? null);
    setScores(set.criteria.map(() => null));
    setComment('');
    setCast(candidate.full_name);
    props.onVoted();
    window.scrollTo(0, 0);
  });
  if (error) return <ErrorBox error={error} />;
  if (!candidates) return <Loading />;
  const done = candidates.filter((c) => c.voted).length;
  const candidate = candidates.find((c) => c.staff_id === current);
  const position = candidate ? candidates.indexOf(candidate) + 1 : 0;
  const values = scaleValues(set.scale);
  return (
    <section class="voting" aria-labelledby="voting-title">
      <h2 id="voting-title">{t('ballot.my_progress', { done, total: candidates.length })}</h2>
      <div class="progress" aria-hidden="true">
        <span style={{ width: `${(100 * done) / Math.max(candidates.length, 1)}%` }} />
      </div>
      {cast && (
        <p class="alert alert-ok" role="status" data-testid="vote-cast">
          {t('ballot.cast', { name: cast })}
        </p>
      )}
      {!candidate && (
        <p class="alert alert-info" data-testid="all-voted">
          {t('ballot.all_done')}
        </p>
      )}
      {candidate && (
        <form
          class="card ballot"
          data-testid="ballot"
          onSubmit={(e) => {
            e.preventDefault();
            void vote.run();
          }}
        >
          <p class="muted">{t('ballot.candidate_of', { n: position, total: candidates.length })}</p>
          <h3 class="candidate-name">{candidate.full_name}</h3>
          <p class="muted">{[candidate.position, candidate.unit_name].filter(Boolean).join(' · ')}</p>
          <p class="hint">{t('ballot.scale_hint', { min: set.scale.min, max: set.scale.max })}</p>
          {set.criteria.map((c, i) => (
            <fieldset class="criterion" key={c.code}>
              <legend>
                {i + 1}. {criterionName(c)}
              </legend>
              <div class="scale" role="radiogroup" aria-label={criterionName(c)}>
                {values.map((v) => (
                  <button
                    type="button"
                    key={v}
                    role="radio"
                    aria-checked={scores[i] === v}
                    class={`scale-btn${scores[i] === v ? ' scale-on' : ''}`}
                    onClick={() => setScores(scores.map((s, j) => (j === i ? v : s)))}
                  >
                    {v}
                  </button>
                ))}
              </div>
            </fieldset>
          ))}
          {set.comments && (
            <Field label={t('ballot.comment')} id="ballot-comment" hint={t('ballot.comment_hint')}>
              <textarea id="ballot-comment" rows={3} maxLength={1000} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
            </Field>
          )}
          <ErrorBox error={vote.error} />
          <div class="sticky-actions">
            <button class="btn btn-primary btn-block" type="submit" disabled={vote.busy || !ballotReady(scores, set.criteria.length)} data-testid="cast-vote">
              {t('ballot.cast_button')}
            </button>
          </div>
          <p class="muted small">{t('ballot.secret')}</p>
        </form>
      )}
      <ul class="plain candidates">
        {candidates.map((c) => (
          <li key={c.staff_id}>
            {c.voted ? '✓' : '○'} {c.full_name}
            {c.staff_id === current && <span class="sr-only"> ({t('ballot.current')})</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Results(props: { id: number }) {
  const [results, setResults] = useState<Schemas['CampaignResultsView'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call(api.GET('/api/v1/ballots/campaigns/{id}/results', { params: { path: { id: props.id } } })).then(setResults, setError);
  }, [props.id]);
  if (error) return <ErrorBox error={error} />;
  if (!results) return <Loading />;
  const set = results.campaign.criteria_set;
  const values = scaleValues(set.scale);
  const pct = (x: number) => `${formatNumber(x * 100, 1)} %`;
  return (
    <section aria-labelledby="results-title" data-testid="results">
      <h2 id="results-title">{t('ballot.results')}</h2>
      <p>
        {t('ballot.turnout_all', { voters: results.voters, eligible: results.eligible_voters, pct: pct(results.turnout) })} ·{' '}
        {t('ballot.ballots', { n: results.ballots })}
      </p>
      <p class="muted">{t('ballot.min_voters', { n: results.min_voters })}</p>
      <div class="results">
        {results.candidates.map((c) => (
          <article class="card result" key={c.staff_id} data-testid="result">
            <header class="queue-head">
              <strong>{c.full_name}</strong>
              <span class="muted">{c.unit_name}</span>
            </header>
            <p>{t('ballot.turnout', { voters: c.voters, eligible: c.eligible, pct: pct(c.turnout) })}</p>
            {!c.shown && <p class="alert alert-warn">{t('ballot.hidden', { n: results.min_voters })}</p>}
            {c.shown && (
              <table class="result-table">
                <thead>
                  <tr>
                    <th scope="col">{t('ballot.criterion')}</th>
                    <th scope="col">{t('ballot.average')}</th>
                    <th scope="col">{t('ballot.change')}</th>
                    <th scope="col">{t('ballot.distribution', { min: set.scale.min, max: set.scale.max })}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.criteria.map((r) => {
                    const def = set.criteria.find((x) => x.code === r.code);
                    const parts = shares(r.distribution);
                    return (
                      <tr key={r.code}>
                        <th scope="row">{def ? criterionName(def) : r.code}</th>
                        <td data-label={t('ballot.average')}>
                          <strong>{formatNumber(r.average)}</strong>
                        </td>
                        <td data-label={t('ballot.change')} class={r.change == null ? 'muted' : r.change < 0 ? 'down' : 'up'}>
                          {changeLabel(r.change, (n) => formatNumber(n))}
                        </td>
                        <td class="dist-cell">
                          <span class="dist" title={r.distribution.map((n, i) => `${values[i]}: ${n}`).join(', ')}>
                            {parts.map((p, i) => (
                              <span key={i} class={`dist-${i}`} style={{ flexGrow: p, display: p ? undefined : 'none' }}>
                                {p >= 0.15 ? values[i] : ''}
                              </span>
                            ))}
                          </span>
                          <span class="sr-only">{r.distribution.map((n, i) => `${values[i]}: ${n}`).join(', ')}</span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {c.shown && c.comments.length > 0 && (
              <details>
                <summary>{t('ballot.comments', { n: c.comments.length })}</summary>
                <ul>
                  {c.comments.map((x, i) => (
                    <li key={i}>{x}</li>
                  ))}
                </ul>
              </details>
            )}
          </article>
        ))}
      </div>
    </section>
  );
}
