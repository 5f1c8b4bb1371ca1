// The catalogue: create a product, or edit one (code, name, measuring unit, standard minutes,
// active); a change of the standard applies to lines logged from now on (the server keeps the
// standard each line was logged with).
import { useEffect, useState } from 'preact/hooks';
import { call, ifMatch, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { formatMinutes } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, fieldError, useAction } from '../../lib/ui';

type Product = Schemas['ProductView'];
const FIELDS = ['code', 'name', 'measuring_unit', 'standard_minutes', 'active'];

export function ProductsAdmin() {
  const [items, setItems] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [editing, setEditing] = useState<Product | null>(null);
  const [saved, setSaved] = useState(false);
  const load = async (more = false) => {
    const page = await call(api.GET('/api/v1/products', { params: { query: { limit: 200, ...(more && cursor ? { cursor } : {}) } } }));
    setItems(more ? [...items, ...page.items] : page.items);
    setCursor(page.next_cursor ?? null);
  };
  useEffect(() => void load().catch(() => undefined), []);
  return (
    <>
      <ProductForm
        key={editing ? `${editing.id}-${editing.version}` : 'new'}
        product={editing}
        saved={saved}
        onSaved={async (p) => {
          setEditing(p);
          setSaved(true);
          await load();
        }}
        onNew={() => {
          setSaved(false);
          setEditing(null);
        }}
      />
      <table class="table" data-testid="product-list">
        <thead>
          <tr>
            <th scope="col">{t('admin.code')}</th>
            <th scope="col">{t('product.name')}</th>
            <th scope="col">{t('diary.standard')}</th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id} class={p.active ? '' : 'muted'}>
              <td>{p.code}</td>
              <td>
                {p.name}
                {!p.active && ` (${t('product.inactive')})`}
              </td>
              <td>
                {formatMinutes(p.standard_minutes)} / {p.measuring_unit}
              </td>
              <td>
                <button
                  class="btn btn-small"
                  type="button"
                  aria-label={`${t('common.edit')} ${p.code}`}
                  onClick={() => {
                    setSaved(false);
                    setEditing(p);
                    window.scrollTo(0, 0);
                  }}
                >
                  {t('common.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button class="btn" type="button" onClick={() => void load(true)}>
          {t('common.more')}
        </button>
      )}
    </>
  );
}

function ProductForm(props: { product: Product | null; saved: boolean; onSaved: (p: Product) => Promise<void>; onNew: () => void }) {
  const p = props.product;
  const [code, setCode] = useState(p?.code ?? '');
  const [name, setName] = useState(p?.name ?? '');
  const [unit, setUnit] = useState(p?.measuring_unit ?? 'văn bản');
  const [minutes, setMinutes] = useState(String(p?.standard_minutes ?? 60));
  const [active, setActive] = useState(p?.active ?? true);
  const save = useAction(async () => {
    const standard = Number(minutes);
    if (!p) {
      const created = await call(api.POST('/api/v1/products', { body: { code, name, measuring_unit: unit, standard_minutes: standard, active } }));
      await props.onSaved(created);
    } else {
      const body: Schemas['UpdateProduct'] = {};
      if (code !== p.code) body.code = code;
      if (name !== p.name) body.name = name;
      if (unit !== p.measuring_unit) body.measuring_unit = unit;
      if (standard !== p.standard_minutes) body.standard_minutes = standard;
      if (active !== p.active) body.active = active;
      if (Object.keys(body).length === 0) return;
      const updated = await call(api.PATCH('/api/v1/products/{id}', { params: { path: { id: p.id }, header: ifMatch(p.version) }, body }));
      await props.onSaved(updated);
    }
  });
  const err = save.error;
  return (
    <form
      class="card"
      data-testid="product-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>{p ? t('product.edit', { code: p.code }) : t('admin.new_product')}</h2>
      <div class="row">
        <Field label={t('admin.code')} id="p-code" error={fieldError(err, 'code')}>
          <input id="p-code" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('product.name')} id="p-name" error={fieldError(err, 'name')}>
          <input id="p-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
      </div>
      <div class="row row-top">
        <Field label={t('admin.measuring_unit')} id="p-unit" error={fieldError(err, 'measuring_unit')}>
          <input id="p-unit" value={unit} onInput={(e) => setUnit((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('product.standard_minutes')} id="p-min" hint={t('product.standard_hint')} error={fieldError(err, 'standard_minutes')}>
          <input id="p-min" type="number" inputMode="numeric" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={active} onChange={(e) => setActive((e.target as HTMLInputElement).checked)} /> {t('product.active')}
      </label>
      <ErrorBox error={err} shown={FIELDS} />
      {props.saved && (
        <p class="alert alert-ok" role="status">
          {t('common.saved')}
        </p>
      )}
      <div class="row">
        <button class="btn btn-primary" type="submit" disabled={save.busy} data-testid="save-product">
          {p ? t('common.save') : t('common.add')}
        </button>
        {p && (
          <button class="btn btn-ghost" type="button" onClick={props.onNew}>
            {t('admin.new_product')}
          </button>
        )}
      </div>
    </form>
  );
}
