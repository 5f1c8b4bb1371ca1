// A head assigns a task to a person of their scope and follows the tasks they assigned: state,
// due date, missed due dates (delays) and the day the owner reported it done.
import { useEffect, useState } from 'preact/hooks';
import { call, type QueryOf, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { taskProgress } from '../../lib/admin';
import { addDays, formatDate, today } from '../../lib/format';
import { api, session } from '../../lib/session';
import { ErrorBox, Field, fieldError, StateBadge, useAction } from '../../lib/ui';

type Staff = Schemas['StaffView'];
type Task = Schemas['TaskView'];
const FIELDS = ['title', 'owner_id', 'due_date', 'kind', 'description'];

export function TeamTasks(props: { people: Staff[] }) {
  const me = session.me!;
  const [tasks, setTasks] = useState<Task[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [owner, setOwner] = useState(0);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [due, setDue] = useState(addDays(today(), 7));
  const [kind, setKind] = useState<Schemas['TaskKind']>('planned');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async (more = false) => {
    try {
      const query: QueryOf<'list_tasks'> = { limit: 100 };
      if (more && cursor) query.cursor = cursor;
      const page = await call(api.GET('/api/v1/tasks', { params: { query } }));
      const mine = page.items.filter((x) => x.assigner_id === me.staff.id);
      setTasks(more ? [...tasks, ...mine] : mine);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => void load(), []);

  const assign = useAction(async () => {
    setDone(false);
    await call(api.POST('/api/v1/tasks', { body: { owner_id: owner, title: title.trim(), description: description.trim(), due_date: due, kind } }));
    setTitle('');
    setDescription('');
    setDone(true);
    await load();
  });
  const name = (id: number) => props.people.find((p) => p.id === id)?.full_name ?? `#${id}`;
  const progress = taskProgress(tasks);
  const err = assign.error;
  return (
    <>
      <form
        class="card"
        data-testid="assign-task"
        onSubmit={(e) => {
          e.preventDefault();
          void assign.run();
        }}
      >
        <h2>{t('tasks.assign')}</h2>
        <div class="row">
          <Field label={t('tasks.owner')} id="tk-owner" error={fieldError(err, 'owner_id')}>
            <select id="tk-owner" value={owner} onChange={(e) => setOwner(Number((e.target as HTMLSelectElement).value))}>
              <option value={0}>—</option>
              {props.people.map((p) => (
                <option value={p.id} key={p.id}>
                  {p.full_name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('tasks.due')} id="tk-due" error={fieldError(err, 'due_date')}>
            <input id="tk-due" type="date" value={due} onInput={(e) => setDue((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('tasks.kind')} id="tk-kind" error={fieldError(err, 'kind')}>
            <select id="tk-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Schemas['TaskKind'])}>
              <option value="planned">{t('tasks.kind.planned')}</option>
              <option value="ad_hoc">{t('tasks.kind.ad_hoc')}</option>
            </select>
          </Field>
        </div>
        <Field label={t('tasks.title')} id="tk-title" error={fieldError(err, 'title')}>
          <input id="tk-title" value={title} maxLength={300} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('tasks.description')} id="tk-desc" error={fieldError(err, 'description')}>
          <textarea id="tk-desc" rows={2} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </Field>
        <ErrorBox error={err} shown={FIELDS} />
        {done && (
          <p class="alert alert-ok" role="status">
            {t('tasks.assigned')}
          </p>
        )}
        <button class="btn btn-primary" type="submit" disabled={!owner || assign.busy} data-testid="assign">
          {t('tasks.assign_button')}
        </button>
      </form>
      <section class="card" aria-labelledby="tasks-title">
        <h2 id="tasks-title">{t('team.tasks')}</h2>
        <ErrorBox error={error} />
        <p class="summary" data-testid="task-progress">
          {t('tasks.progress', { open: progress.open, completed: progress.completed, late: progress.late })}
        </p>
        {tasks.length === 0 ? (
          <p class="muted">{t('common.none')}</p>
        ) : (
          <table class="table" data-testid="task-list">
            <thead>
              <tr>
                <th scope="col">{t('tasks.title')}</th>
                <th scope="col">{t('tasks.owner')}</th>
                <th scope="col">{t('tasks.due')}</th>
                <th scope="col">{t('common.state')}</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((tk) => (
                <tr key={tk.id} class={tk.delays > 0 && tk.state !== 'cancelled' ? 'row-warn' : ''} data-testid="task-row">
                  <td>
                    {tk.title}
                    {tk.kind === 'ad_hoc' && <span class="muted"> · {t('tasks.kind.ad_hoc')}</span>}
                  </td>
                  <td>{name(tk.owner_id)}</td>
                  <td>
                    {formatDate(tk.due_date)}
                    {tk.delays > 0 && tk.state !== 'cancelled' && <span class="field-error"> · {t('tasks.delays', { n: tk.delays })}</span>}
                  </td>
                  <td>
                    <StateBadge state={tk.state} />
                    {tk.completed_on && <span class="muted"> {formatDate(tk.completed_on)}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {cursor && (
          <button class="btn" type="button" onClick={() => void load(true)}>
            {t('common.more')}
          </button>
        )}
      </section>
    </>
  );
}
