// The excellent-selection ballot of a grading round: whoever manages the unit opens and closes
// it; each member chooses up to the quota among those proposed `good` or better; once closed the
// counts become the round's ballot votes, shown beside the proposals.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { toggleChoice } from '../../lib/ballots';
import { api } from '../../lib/session';
import { ErrorBox, useAction } from '../../lib/ui';

type Ballot = Schemas['RoundBallotView'];

export function RoundBallot(props: { roundId: number; roundOpen: boolean; member: boolean; manager: boolean; onChange: (b: Ballot | null) => void }) {
  const [ballot, setBallot] = useState<Ballot | null | undefined>(undefined);
  const [choices, setChoices] = useState<number[]>([]);
  const show = (b: Ballot | null) => {
    setBallot(b);
    props.onChange(b);
  };
  const load = () =>
    call(api.GET('/api/v1/grading/rounds/{id}/ballot', { params: { path: { id: props.roundId } } })).then(show, (e) => {
      if (e instanceof ApiError && e.status === 404) show(null);
      else setBallot(null);
    });
  useEffect(() => void load(), [props.roundId]);
  const open = useAction(async () => {
    show(await call(api.POST('/api/v1/grading/rounds/{id}/ballot', { params: { path: { id: props.roundId } } })));
  });
  const vote = useAction(async () => {
    await call(api.POST('/api/v1/grading/rounds/{id}/ballot/votes', { params: { path: { id: props.roundId } }, body: { choices } }));
    setChoices([]);
    await load();
  });
  const close = useAction(async () => {
    show(await call(api.POST('/api/v1/grading/rounds/{id}/ballot/close', { params: { path: { id: props.roundId } } })));
  });

  if (ballot === undefined) return null;
  if (ballot === null) {
    if (!props.manager || !props.roundOpen) return null;
    return (
      <div class="card" data-testid="round-ballot">
        <h2>{t('rballot.title')}</h2>
        <p class="muted">{t('rballot.none')}</p>
        <ErrorBox error={open.error} />
        <button class="btn" onClick={() => void open.run()} disabled={open.busy} data-testid="open-round-ballot">
          {t('rballot.open')}
        </button>
      </div>
    );
  }
  const isOpen = ballot.state === 'open';
  return (
    <div class="card" data-testid="round-ballot">
      <h2>{t('rballot.title')}</h2>
      <p>
        {t(isOpen ? 'rballot.state_open' : 'rballot.state_closed')} · {t('rballot.turnout', { voters: ballot.voters, members: ballot.members })} ·{' '}
        {t('rballot.quota', { n: ballot.quota })}
      </p>
      {isOpen && props.member && !ballot.i_voted && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void vote.run();
          }}
        >
          <fieldset class="plain-fieldset">
            <legend>{t('rballot.choose', { n: ballot.quota })}</legend>
            <ul class="plain">
              {ballot.candidates.map((c) => {
                const on = choices.includes(c.staff_id);
                return (
                  <li key={c.staff_id}>
                    <label class="check big-check">
                      <input
                        type="checkbox"
                        checked={on}
                        disabled={!on && choices.length >= ballot.quota}
                        onChange={() => setChoices(toggleChoice(choices, c.staff_id, ballot.quota))}
                      />{' '}
                      {c.full_name}
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
          <ErrorBox error={vote.error} />
          <button class="btn btn-primary" type="submit" disabled={vote.busy} data-testid="round-vote">
            {choices.length ? t('rballot.vote', { n: choices.length }) : t('rballot.vote_blank')}
          </button>
        </form>
      )}
      {isOpen && ballot.i_voted && <p class="alert alert-ok">{t('rballot.voted')}</p>}
      {!isOpen && (
        <ul class="plain">
          {ballot.candidates.map((c) => (
            <li key={c.staff_id}>
              {c.full_name}: <strong>{t('rballot.votes', { n: c.votes ?? 0 })}</strong>
            </li>
          ))}
        </ul>
      )}
      {isOpen && props.manager && (
        <>
          <ErrorBox error={close.error} />
          <button class="btn btn-danger" onClick={() => void close.run()} disabled={close.busy} data-testid="close-round-ballot">
            {t('rballot.close')}
          </button>
        </>
      )}
    </div>
  );
}
