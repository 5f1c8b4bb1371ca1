// Today's diary, phone first: add a line in a few taps, fix returned lines, submit the day.
// Lines are written to the outbox first, so nothing typed is lost without a connection.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, ifMatch, type Schemas } from '../../api/client';
import type { Entry, NewEntry, PendingLine } from '../../api/offline';
import { t } from '../../i18n';
import { addDays, formatDate, formatMinutes, formatWeekday, today } from '../../lib/format';
import { api, navigate, session, useOnline } from '../../lib/session';
import { ErrorBox, Field, Link, Page, StateBadge, errorMessage, useAction } from '../../lib/ui';
import { WeekBar } from './WeekBar';

type Product = Schemas['ProductView'];
type Task = Schemas['TaskView'];

const QUICK_MINUTES = [15, 30, 45, 60, 90, 120, 180, 240];
const PRODUCTS_KEY = 'worklog.products';

/** The catalogue, cached on the device for offline use. */
async function loadProducts(): Promise<Product[]> {
  try {
    const all: Product[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await call(
        api.GET('/api/v1/products', { params: { query: { active: true, limit: 200, ...(cursor ? { cursor } : {}) } } }),
      );
      all.push(...page.items);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    localStorage.setItem(PRODUCTS_KEY, JSON.stringify(all));
    return all;
  } catch (e) {
    const cached = localStorage.getItem(PRODUCTS_KEY);
    if (cached) return JSON.parse(cached) as Product[];
    throw e;
  }
}

function normalise(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

export function DiaryPage(props: { date?: string | undefined }) {
  const date = props.date ?? today();
  const online = useOnline();
  const diary = session.diary!;
  const me = session.me!;
  const [entries, setEntries] = useState<Entry[]>([]);
  const [pending, setPending] = useState<PendingLine[]>([]);
  const [products, setProducts] = useState<Product[]>([]);
  const [tasks, setTasks] = useState<Task[]>([]);
  const [editing, setEditing] = useState<Entry | null>(null);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [weekKey, setWeekKey] = useState(0);

  const refresh = async () => {
    const day = await diary.day(date);
    setEntries(day.entries);
    setPending(day.pending);
  };

  useEffect(() => {
    void refresh();
    return diary.onChange(() => void refresh());
  }, [date]);

  useEffect(() => {
    loadProducts().then(setProducts, () => setProducts([]));
    call(api.GET('/api/v1/tasks', { params: { query: { owner_id: me.staff.id, state: 'open', limit: 100 } } })).then(
      (p) => setTasks(p.items),
      () => setTasks([]),
    );
  }, []);

  // Back online: send what waits and pull what changed elsewhere.
  useEffect(() => {
    if (online) void diary.sync().then(() => setWeekKey((k) => k + 1), () => undefined);
  }, [online, date]);

  const productName = (id: number) => products.find((p) => p.id === id)?.name ?? `#${id}`;
  const total = entries.reduce((s, e) => s + e.minutes, 0) + pending.reduce((s, p) => s + p.body.minutes, 0);
  const drafts = entries.filter((e) => e.state === 'draft');

  const submitDay = useAction(async () => {
    const res = await call(api.POST('/api/v1/entries/submit-day', { body: { date } }));
    await diary.remember(res.items);
    setNotice(t('diary.submitted', { n: res.items.length }));
    setWeekKey((k) => k + 1);
  });

  const copyYesterday = useAction(async () => {
    let source = addDays(date, -1);
    let lines: Entry[] = [];
    // The last day with lines within a week (Monday copies Friday).
    for (let i = 0; i < 7 && lines.length === 0; i++) {
      lines = (await diary.day(source)).entries;
      if (lines.length === 0 && online) {
        const page = await call(api.GET('/api/v1/entries', { params: { query: { from: source, to: source, limit: 100 } } }));
        lines = page.items as Entry[];
      }
      if (lines.length === 0) source = addDays(source, -1);
    }
    if (lines.length === 0) {
      setNotice(t('diary.nothing_to_copy'));
      return;
    }
    for (const line of lines) {
      await diary.add({
        work_date: date,
        product_id: line.product_id,
        quantity: line.quantity,
        minutes: line.minutes,
        note: line.note,
        task_id: line.task_id ?? null,
      });
    }
    setNotice(t('diary.copied', { n: lines.length, date: formatDate(source) }));
  });

  return (
    <Page title={t('diary.title')}>
      <nav class="day-nav" aria-label={t('diary.choose_day')}>
        <button class="btn btn-ghost" onClick={() => navigate(`/diary/${addDays(date, -1)}`)} aria-label={t('diary.prev_day')}>
          ‹
        </button>
        <label class="day-label">
          <span class="sr-only">{t('diary.choose_day')}</span>
          <input
            type="date"
            value={date}
            max={today()}
            onChange={(e) => navigate(`/diary/${(e.target as HTMLInputElement).value}`)}
          />
          <span>
            {formatWeekday(date)}, {formatDate(date)}
          </span>
        </label>
        <button
          class="btn btn-ghost"
          disabled={date >= today()}
          onClick={() => navigate(`/diary/${addDays(date, 1)}`)}
          aria-label={t('diary.next_day')}
        >
          ›
        </button>
      </nav>

      {!online && (
        <div class="alert alert-warn" role="status" data-testid="offline-banner">
          {t('diary.offline')}
        </div>
      )}
      {pending.length > 0 && (
        <div class="alert alert-info" role="status" data-testid="pending-banner">
          <p>
            <strong>{t('diary.pending', { n: pending.length })}</strong>
          </p>
          <ul class="plain">
            {pending.map((p) => (
              <li key={p.client_ref}>
                {productName(p.body.product_id)} · {formatMinutes(p.body.minutes)}
                {p.error && (
                  <>
                    {' '}
                    <span class="field-error">{p.error}</span>{' '}
                    <button class="btn btn-small" onClick={() => void diary.discard(p.client_ref)}>
                      {t('diary.discard')}
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
          {online && (
            <button class="btn btn-small" onClick={() => void diary.flush()}>
              {t('diary.send_now')}
            </button>
          )}
        </div>
      )}
      {notice && (
        <div class="alert alert-ok" role="status">
          {notice}
        </div>
      )}

      <div class="day-total" data-testid="day-total">
        {t('diary.day_total')}: <strong>{formatMinutes(total)}</strong>
      </div>

      <ul class="entries" aria-label={t('diary.lines')}>
        {entries.map((e) => (
          <li key={e.id} class={`entry entry-${e.state}`} data-testid="entry">
            <div class="entry-main">
              <strong>{productName(e.product_id)}</strong>
              <span>
                {e.quantity} × · {formatMinutes(e.minutes)}
              </span>
              <StateBadge state={e.state} />
            </div>
            {e.note && <p class="entry-note">{e.note}</p>}
            {e.state === 'returned' && (
              <p class="entry-return" data-testid="return-reason">
                {t(e.last_return_kind === 'quality' ? 'diary.returned_quality' : 'diary.returned_other')}:{' '}
                {e.last_return_reason}
              </p>
            )}
            {(e.state === 'draft' || e.state === 'returned') && (
              <EntryActions entry={e} onEdit={() => setEditing(e)} online={online} />
            )}
          </li>
        ))}
        {entries.length === 0 && pending.length === 0 && <li class="muted">{t('diary.empty')}</li>}
      </ul>

      {editing && (
        <EntryForm
          date={date}
          products={products}
          tasks={tasks}
          entry={editing}
          onDone={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
      {adding && !editing && (
        <EntryForm date={date} products={products} tasks={tasks} onDone={() => setAdding(false)} />
      )}

      <div class="actions sticky-actions">
        {!adding && !editing && (
          <button class="btn btn-primary" onClick={() => setAdding(true)} data-testid="add-line">
            + {t('diary.add_line')}
          </button>
        )}
        <button class="btn" onClick={() => void copyYesterday.run()} disabled={copyYesterday.busy}>
          {t('diary.copy_yesterday')}
        </button>
        <button
          class="btn"
          onClick={() => void submitDay.run()}
          disabled={submitDay.busy || drafts.length === 0 || !online || pending.length > 0}
          data-testid="submit-day"
        >
          {t('diary.submit_day', { n: drafts.length })}
        </button>
      </div>
      <ErrorBox error={submitDay.error ?? copyYesterday.error} />

      <WeekBar key={weekKey} staffId={me.staff.id} date={date} />
      <p>
        <Link href="/week">{t('nav.weeks')}</Link>
      </p>
    </Page>
  );
}

function EntryActions(props: { entry: Entry; onEdit: () => void; online: boolean }) {
  const diary = session.diary!;
  const e = props.entry;
  const remove = useAction(async () => {
    if (!confirm(t('diary.confirm_delete'))) return;
    await call(api.DELETE('/api/v1/entries/{id}', { params: { path: { id: e.id }, header: ifMatch(e.version) } }));
    await diary.forget(e.id);
  });
  const submit = useAction(async () => {
    const updated = await call(api.POST('/api/v1/entries/{id}/submit', { params: { path: { id: e.id } } }));
    await diary.remember([updated]);
  });
  return (
    <div class="entry-actions">
      <button class="btn btn-small" onClick={props.onEdit} disabled={!props.online}>
        {t('common.edit')}
      </button>
      <button class="btn btn-small btn-danger" onClick={() => void remove.run()} disabled={!props.online || remove.busy}>
        {t('common.delete')}
      </button>
      {e.state === 'returned' && (
        <button class="btn btn-small btn-primary" onClick={() => void submit.run()} disabled={!props.online || submit.busy}>
          {t('diary.resubmit')}
        </button>
      )}
      <ErrorBox error={remove.error ?? submit.error} />
    </div>
  );
}

function EntryForm(props: { date: string; products: Product[]; tasks: Task[]; entry?: Entry; onDone: () => void }) {
  const diary = session.diary!;
  const e = props.entry;
  const [query, setQuery] = useState('');
  const [productId, setProductId] = useState<number | null>(e?.product_id ?? null);
  const [quantity, setQuantity] = useState(e?.quantity ?? 1);
  const [minutes, setMinutes] = useState<number | ''>(e?.minutes ?? '');
  const [note, setNote] = useState(e?.note ?? '');
  const [taskId, setTaskId] = useState<number | null>(e?.task_id ?? null);
  const [evidence, setEvidence] = useState(e?.evidence ?? '');
  const [message, setMessage] = useState<string | null>(null);
  const product = props.products.find((p) => p.id === productId) ?? null;

  const matches = useMemo(() => {
    const q = normalise(query.trim());
    const list = q
      ? props.products.filter((p) => normalise(p.name).includes(q) || normalise(p.code).includes(q))
      : props.products;
    return list.slice(0, 8);
  }, [query, props.products]);

  const save = useAction(async () => {
    if (!productId) {
      setMessage(t('diary.pick_product'));
      return;
    }
    if (minutes === '' || minutes <= 0) {
      setMessage(t('diary.minutes_required'));
      return;
    }
    setMessage(null);
    if (e) {
      const updated = await call(
        api.PATCH('/api/v1/entries/{id}', {
          params: { path: { id: e.id }, header: ifMatch(e.version) },
          body: { product_id: productId, quantity, minutes, note, task_id: taskId, evidence: evidence || null },
        }),
      );
      await diary.remember([updated]);
    } else {
      const body: NewEntry = {
        work_date: props.date,
        product_id: productId,
        quantity,
        minutes,
        note,
        task_id: taskId,
        evidence: evidence || null,
      };
      await diary.add(body);
    }
    props.onDone();
  });

  const fieldError = (name: string) => (save.error && 'field' in (save.error as object) ? (save.error as { field(n: string): string | undefined }).field(name) : undefined);

  return (
    <form
      class="card entry-form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void save.run();
      }}
      aria-label={e ? t('diary.edit_line') : t('diary.add_line')}
    >
      <h2>{e ? t('diary.edit_line') : t('diary.add_line')}</h2>
      <Field label={t('diary.product')} id="product-search" error={fieldError('product_id')}>
        <input
          id="product-search"
          type="search"
          placeholder={t('diary.product_search')}
          value={product && !query ? product.name : query}
          onInput={(ev) => {
            setQuery((ev.target as HTMLInputElement).value);
            setProductId(null);
          }}
          autocomplete="off"
        />
      </Field>
      {!product && (
        <ul class="product-list" role="listbox" aria-label={t('diary.product_results')}>
          {matches.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                class="product-option"
                role="option"
                aria-selected={false}
                onClick={() => {
                  setProductId(p.id);
                  setQuery('');
                  if (minutes === '') setMinutes(p.standard_minutes * quantity);
                }}
              >
                <span>{p.name}</span>
                <small>
                  {t('diary.standard')}: {formatMinutes(p.standard_minutes)} / {p.measuring_unit}
                </small>
              </button>
            </li>
          ))}
          {matches.length === 0 && <li class="muted">{t('diary.no_product')}</li>}
        </ul>
      )}
      {product && (
        <p class="hint">
          {t('diary.standard')}: {formatMinutes(product.standard_minutes)} / {product.measuring_unit}
        </p>
      )}
      <div class="row">
        <Field label={t('diary.quantity')} id="quantity" error={fieldError('quantity')}>
          <div class="stepper">
            <button type="button" class="btn btn-small" aria-label="−1" onClick={() => setQuantity(Math.max(1, quantity - 1))}>
              −
            </button>
            <input
              id="quantity"
              type="number"
              inputMode="numeric"
              min={1}
              value={quantity}
              onInput={(ev) => setQuantity(Number((ev.target as HTMLInputElement).value) || 1)}
            />
            <button type="button" class="btn btn-small" aria-label="+1" onClick={() => setQuantity(quantity + 1)}>
              +
            </button>
          </div>
        </Field>
        <Field label={t('diary.minutes')} id="minutes" error={fieldError('minutes')}>
          <input
            id="minutes"
            type="number"
            inputMode="numeric"
            min={1}
            value={minutes}
            onInput={(ev) => {
              const v = (ev.target as HTMLInputElement).value;
              setMinutes(v === '' ? '' : Number(v));
            }}
          />
        </Field>
      </div>
      <div class="chips" role="group" aria-label={t('diary.quick_minutes')}>
        {product && (
          <button type="button" class="chip" onClick={() => setMinutes(product.standard_minutes * quantity)}>
            {t('diary.standard_times', { n: quantity })}
          </button>
        )}
        {QUICK_MINUTES.map((m) => (
          <button type="button" class={`chip${minutes === m ? ' chip-on' : ''}`} key={m} onClick={() => setMinutes(m)} aria-pressed={minutes === m}>
            {formatMinutes(m)}
          </button>
        ))}
      </div>
      <Field label={t('diary.note')} id="note" error={fieldError('note')}>
        <textarea id="note" rows={2} value={note} onInput={(ev) => setNote((ev.target as HTMLTextAreaElement).value)} />
      </Field>
      <details>
        <summary>{t('diary.more')}</summary>
        <Field label={t('diary.task')} id="task">
          <select id="task" value={taskId ?? ''} onChange={(ev) => setTaskId(Number((ev.target as HTMLSelectElement).value) || null)}>
            <option value="">{t('diary.no_task')}</option>
            {props.tasks.map((tk) => (
              <option value={tk.id} key={tk.id}>
                {tk.title} ({formatDate(tk.due_date)})
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('diary.evidence')} id="evidence" hint={t('diary.evidence_hint')} error={fieldError('evidence')}>
          <input id="evidence" type="text" value={evidence} onInput={(ev) => setEvidence((ev.target as HTMLInputElement).value)} />
        </Field>
      </details>
      {message && (
        <p class="field-error" role="alert">
          {message}
        </p>
      )}
      {save.error !== null && !(save.error as { errors?: unknown[] }).errors?.length && <p class="field-error">{errorMessage(save.error)}</p>}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={save.busy} data-testid="save-line">
          {t('common.save')}
        </button>
        <button type="button" class="btn" onClick={props.onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
