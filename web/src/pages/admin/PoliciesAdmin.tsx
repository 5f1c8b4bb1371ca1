// Policies: every version by code, and a new version drafted from the current one (or any
// version chosen): grade thresholds with their bound (≥ or >), quota, bonus, criteria maxima,
// the KPI formula (product or weighted), credit mode, weights and the leader's unit weight.
import { useEffect, useState } from 'preact/hooks';
import { call, type Schemas } from '../../api/client';
import { t } from '../../i18n';
import { boundKind, boundValue, currentPolicy, makeBound, policyDraft, type BoundKind } from '../../lib/admin';
import { formatDateTime } from '../../lib/format';
import { api } from '../../lib/session';
import { ErrorBox, Field, fieldError, useAction } from '../../lib/ui';

type Policy = Schemas['PolicyView'];
type Draft = Schemas['CreatePolicy'];
const BANDS = ['excellent', 'good', 'complete'] as const;
const PERIODS: Schemas['PeriodKind'][] = ['month', 'quarter', 'year'];
const FIELDS = ['preset', 'kpi.weights', 'kpi.combine', 'kpi.leader_unit_weight'];

const num = (e: Event) => Number((e.target as HTMLInputElement).value.replace(',', '.'));

export function PoliciesAdmin() {
  const [items, setItems] = useState<Policy[]>([]);
  const [base, setBase] = useState<Policy | null>(null);
  const [created, setCreated] = useState<Policy | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    call(api.GET('/api/v1/policies')).then((p) => {
      setItems(p.items);
      return p.items;
    }, setError);
  useEffect(() => {
    void load().then((all) => all && setBase(currentPolicy(all) ?? null));
  }, []);
  return (
    <>
      <ErrorBox error={error} />
      <table class="table" data-testid="policy-list">
        <thead>
          <tr>
            <th scope="col">{t('admin.code')}</th>
            <th scope="col">{t('admin.version')}</th>
            <th scope="col">{t('policy.name')}</th>
            <th scope="col" class="hide-sm">
              {t('policy.combine')}
            </th>
            <th scope="col" class="hide-sm">
              {t('policy.created')}
            </th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {[...items]
            .sort((a, b) => a.code.localeCompare(b.code) || b.version - a.version)
            .map((p) => (
              <tr key={p.id} class={p.is_default ? 'row-current' : ''}>
                <td>{p.code}</td>
                <td>
                  {p.version}
                  {p.is_default && <span class="badge badge-approved">{t('admin.default')}</span>}
                </td>
                <td>{p.preset.name_vi}</td>
                <td class="hide-sm">{t(`policy.combine.${p.kpi.combine}`)}</td>
                <td class="hide-sm">{formatDateTime(p.created_at)}</td>
                <td>
                  <button class="btn btn-small" type="button" onClick={() => {
                      setCreated(null);
                      setBase(p);
                    }} aria-label={`${t('policy.start_from')} ${p.code} v${p.version}`}>
                    {t('policy.start_from')}
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {base && (
        <PolicyEditor
          key={base.id}
          base={base}
          created={created}
          onSaved={async (made) => {
            setCreated(made);
            const all = await load();
            setBase(all?.find((p) => p.id === made.id) ?? made);
          }}
        />
      )}
    </>
  );
}

function PolicyEditor(props: { base: Policy; created: Policy | null; onSaved: (p: Policy) => Promise<void> }) {
  const [draft, setDraft] = useState<Draft>(() => policyDraft(props.base));
  const done = props.created;
  const preset = draft.preset;
  const kpi = draft.kpi!;
  const setPreset = (patch: Partial<Schemas['PolicyPreset']>) => setDraft({ ...draft, preset: { ...preset, ...patch } });
  // The server's defaults when a stored policy omits the weights (KpiWeights::default).
  const weights = { quantity: 1 / 3, quality: 1 / 3, progress: 1 / 3, ...kpi.weights };
  const setKpi = (patch: Partial<Schemas['KpiPolicy']>) => setDraft({ ...draft, kpi: { ...kpi, ...patch } });
  const setBand = (band: (typeof BANDS)[number], kind: BoundKind, value: number) =>
    setPreset({ thresholds: { ...preset.thresholds, [band]: makeBound(kind, value) } });
  const save = useAction(async () => {
    const created = await call(api.POST('/api/v1/policies', { body: draft }));
    await props.onSaved(created);
  });
  const err = save.error;
  return (
    <form
      class="card"
      noValidate
      data-testid="policy-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>{t('policy.new_version', { code: preset.code, version: props.base.version })}</h2>
      <p class="muted">{t('policy.intro')}</p>
      <div class="row">
        <Field label={t('admin.name_vi')} id="pol-name-vi">
          <input id="pol-name-vi" value={preset.name_vi} onInput={(e) => setPreset({ name_vi: (e.target as HTMLInputElement).value })} />
        </Field>
        <Field label={t('admin.name_en')} id="pol-name-en">
          <input id="pol-name-en" value={preset.name_en} onInput={(e) => setPreset({ name_en: (e.target as HTMLInputElement).value })} />
        </Field>
      </div>
      <fieldset>
        <legend>{t('policy.thresholds')}</legend>
        {BANDS.map((band) => {
          const b = preset.thresholds[band];
          return (
            <div class="row" key={band}>
              <Field label={t(`policy.band.${band}`)} id={`pol-${band}-kind`}>
                <select id={`pol-${band}-kind`} value={boundKind(b)} onChange={(e) => setBand(band, (e.target as HTMLSelectElement).value as BoundKind, boundValue(b))}>
                  <option value="at_least">≥ {t('policy.at_least')}</option>
                  <option value="above">&gt; {t('policy.above')}</option>
                </select>
              </Field>
              <Field label={t('policy.points')} id={`pol-${band}`}>
                <input id={`pol-${band}`} type="number" step="any" value={boundValue(b)} onInput={(e) => setBand(band, boundKind(b), num(e))} />
              </Field>
            </div>
          );
        })}
        {fieldError(err, 'preset') && (
          <p class="field-error" role="alert">
            {fieldError(err, 'preset')}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>{t('policy.quota')}</legend>
        <div class="row row-top">
          <Field label={t('policy.quota_share')} id="pol-quota" hint={t('policy.quota_hint')}>
            <input id="pol-quota" type="number" step="any" value={preset.quota_share} onInput={(e) => setPreset({ quota_share: num(e) })} />
          </Field>
          <Field label={t('policy.max_bonus')} id="pol-bonus">
            <input
              id="pol-bonus"
              type="number"
              step="any"
              value={preset.max_bonus}
              onInput={(e) => {
                setDraft({ ...draft, preset: { ...preset, max_bonus: num(e) }, kpi: { ...kpi, max_bonus: num(e) } });
              }}
            />
          </Field>
          <Field label={t('policy.leader_min')} id="pol-leader-min" hint={t('policy.leader_min_hint')}>
            <input
              id="pol-leader-min"
              type="number"
              step="any"
              value={preset.leader_min_unit_quantity ?? ''}
              onInput={(e) => {
                const v = (e.target as HTMLInputElement).value;
                setPreset({ leader_min_unit_quantity: v === '' ? null : num(e) });
              }}
            />
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={preset.quota_by_ballot} onChange={(e) => setPreset({ quota_by_ballot: (e.target as HTMLInputElement).checked })} />{' '}
          {t('policy.quota_by_ballot')}
        </label>
        <div class="checks">
          <span>{t('policy.periods')}:</span>
          {PERIODS.map((k) => (
            <label key={k} class="check">
              <input
                type="checkbox"
                checked={preset.periods.includes(k)}
                onChange={(e) =>
                  setPreset({ periods: (e.target as HTMLInputElement).checked ? [...preset.periods, k] : preset.periods.filter((x) => x !== k) })
                }
              />{' '}
              {t(`policy.period.${k}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('policy.criteria')}</legend>
        {preset.criteria.map((c, i) => (
          <Field key={c.code} label={`${c.code} · ${c.name_vi}`} id={`pol-crit-${i}`}>
            <input
              id={`pol-crit-${i}`}
              type="number"
              step="any"
              value={c.max}
              onInput={(e) => setPreset({ criteria: preset.criteria.map((x, j) => (j === i ? { ...x, max: num(e) } : x)) })}
            />
          </Field>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('policy.kpi')}</legend>
        <div class="row">
          <Field label={t('policy.combine')} id="pol-combine" error={fieldError(err, 'kpi.combine')}>
            <select id="pol-combine" value={kpi.combine} onChange={(e) => setKpi({ combine: (e.target as HTMLSelectElement).value as Schemas['Combine'] })}>
              <option value="product">{t('policy.combine.product')}</option>
              <option value="weighted">{t('policy.combine.weighted')}</option>
              <option value="weighted_legacy" disabled>
                {t('policy.combine.weighted_legacy')}
              </option>
            </select>
          </Field>
          <Field label={t('policy.credit_mode')} id="pol-credit">
            <select id="pol-credit" value={kpi.credit_mode} onChange={(e) => setKpi({ credit_mode: (e.target as HTMLSelectElement).value as Schemas['CreditMode'] })}>
              <option value="hours">{t('policy.credit.hours')}</option>
              <option value="norm">{t('policy.credit.norm')}</option>
            </select>
          </Field>
          <Field label={t('policy.leader_weight')} id="pol-leader-weight" error={fieldError(err, 'kpi.leader_unit_weight')}>
            <input
              id="pol-leader-weight"
              type="number"
              step="any"
              min="0"
              max="1"
              value={kpi.leader_unit_weight}
              onInput={(e) => setKpi({ leader_unit_weight: num(e) })}
            />
          </Field>
        </div>
        {kpi.combine === 'weighted' && (
          <div class="row">
            {(['quantity', 'quality', 'progress'] as const).map((w) => (
              <Field key={w} label={t(`policy.weight.${w}`)} id={`pol-w-${w}`} error={w === 'quantity' ? fieldError(err, 'kpi.weights') : undefined}>
                <input
                  id={`pol-w-${w}`}
                  type="number"
                  step="any"
                  value={weights[w]}
                  onInput={(e) => setKpi({ weights: { ...weights, [w]: num(e) } })}
                />
              </Field>
            ))}
          </div>
        )}
        <p class="hint">{t('policy.rule_order')}</p>
      </fieldset>
      <div>
        <label class="check">
          <input type="checkbox" checked={!!draft.make_default} onChange={(e) => setDraft({ ...draft, make_default: (e.target as HTMLInputElement).checked })} />{' '}
          {t('policy.make_default')}
        </label>
      </div>
      <ErrorBox error={err} shown={FIELDS.filter((f) => f !== 'kpi.weights' || kpi.combine === 'weighted')} />
      {done && (
        <p class="alert alert-ok" role="status">
          {t('policy.created_version', { code: done.code, version: done.version })}
        </p>
      )}
      <button class="btn btn-primary" type="submit" disabled={save.busy} data-testid="save-policy">
        {t('policy.save')}
      </button>
    </form>
  );
}
