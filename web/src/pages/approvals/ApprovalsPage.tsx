// The approval queue: lines waiting for me with the day's total and anomaly flags; approve or
// return (with a reason kind) several at once.
import { useEffect, useState } from 'preact/hooks';
import { call, type QueryOf, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatDate, formatMinutes } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, Loading, Page, useAction } from '../../lib/ui';

type Item = Schemas['QueueItemView'];

export function ApprovalsPage() {
  const [items, setItems] = useState<Item[] | null>(null);
  const [products, setProducts] = useState<Map<number, string>>(new Map());
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState<Schemas['ReturnKind']>('quality');
  const [result, setResult] = useState<Schemas['BatchResult'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      // The queue pages with `cursor` / `next_cursor` (keyset); read up to ten pages.
      const all: Item[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const query: QueryOf<'approval_queue'> = { limit: 100 };
        if (cursor) query.cursor = cursor;
        const q = await call(api.GET('/api/v1/approvals/queue', { params: { query } }));
        all.push(...q.items);
        cursor = q.next_cursor ?? undefined;
        if (!cursor) break;
      }
      setItems(all);
      setSelected(new Set());
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    void load();
    call(api.GET('/api/v1/products', { params: { query: { limit: 200 } } })).then(
      (p) => setProducts(new Map(p.items.map((x) => [x.id, x.name]))),
      () => undefined,
    );
  }, []);

  const act = useAction(async (action: Schemas['BatchAction']) => {
    const body: Schemas['BatchRequest'] =
      action === 'approve'
        ? { entry_ids: [...selected], action }
        : { entry_ids: [...selected], action, reason, reason_kind: kind };
    const res = await call(api.POST('/api/v1/approvals', { body }));
    setResult(res);
    setReason('');
    await load();
  });

  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  // Group by person and day: a head judges a day, not a line.
  const groups = new Map<string, Item[]>();
  for (const it of items ?? []) {
    const key = `${it.staff_name}|${it.entry.work_date}`;
    groups.set(key, [...(groups.get(key) ?? []), it]);
  }

  return (
    <Page title={t('approvals.title')}>
      <ErrorBox error={error ?? act.error} />
      {result && (
        <div class="alert alert-ok" role="status">
          {t('approvals.result', { ok: result.succeeded, failed: result.failed })}
        </div>
      )}
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p class="muted">{t('approvals.empty')}</p>}
      {[...groups.entries()].map(([key, list]) => {
        const first = list[0]!;
        const allOn = list.every((i) => selected.has(i.entry.id));
        return (
          <section class="card queue-day" key={key} data-testid="queue-day">
            <header class="queue-head">
              <label>
                <input
                  type="checkbox"
                  checked={allOn}
                  onChange={() => {
                    const next = new Set(selected);
                    for (const i of list) {
                      if (allOn) next.delete(i.entry.id);
                      else next.add(i.entry.id);
                    }
                    setSelected(next);
                  }}
                />{' '}
                <strong>{first.staff_name}</strong> · {formatDate(first.entry.work_date)}
              </label>
              <span class={first.day_total > 600 ? 'badge badge-returned' : 'badge'}>
                {t('approvals.day_total')}: {formatMinutes(first.day_total)}
              </span>
            </header>
            <ul class="plain">
              {list.map((it) => (
                <li key={it.entry.id} class="queue-line" data-testid="queue-line">
                  <label>
                    <input type="checkbox" checked={selected.has(it.entry.id)} onChange={() => toggle(it.entry.id)} />{' '}
                    {products.get(it.entry.product_id) ?? `#${it.entry.product_id}`} · {it.entry.quantity} ×{' '}
                    · {formatMinutes(it.entry.minutes)}
                    {it.entry.note && <span class="muted"> — {it.entry.note}</span>}
                  </label>
                  {it.anomalies.map((a) => (
                    <span class="badge badge-flag" key={a} title={t(`anomaly.${a}`)}>
                      ⚑ {t(`anomaly.${a}`)}
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
      {items && items.length > 0 && (
        <div class="card sticky-actions">
          <p>{t('approvals.selected', { n: selected.size })}</p>
          <div class="actions">
            <button class="btn btn-primary" disabled={selected.size === 0 || act.busy} onClick={() => void act.run('approve')} data-testid="approve">
              {t('common.approve')}
            </button>
          </div>
          <div class="row">
            <Field label={t('approvals.reason_kind')} id="return-kind">
              <select id="return-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Schemas['ReturnKind'])}>
                <option value="quality">{t('approvals.kind.quality')}</option>
                <option value="other">{t('approvals.kind.other')}</option>
              </select>
            </Field>
            <Field label={t('approvals.reason')} id="return-reason">
              <input id="return-reason" type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            </Field>
          </div>
          <button
            class="btn btn-danger"
            disabled={selected.size === 0 || !reason.trim() || act.busy}
            onClick={() => void act.run('return')}
            data-testid="return"
          >
            {t('approvals.return')}
          </button>
        </div>
      )}
    </Page>
  );
}
