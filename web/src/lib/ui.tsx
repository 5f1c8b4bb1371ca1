// Shared components: one small design system (see styles.css).
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { navigate } from './session';

export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

/** The server's localised message, or a translated fallback. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.offline) return t('error.offline');
    if (e.detail) return e.detail;
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 404) return t('error.not_found');
    return t('error.generic');
  }
  return e instanceof Error ? e.message : String(e);
}

/** The error's message and its field errors, except those of `shown` (displayed beside their
 * inputs with `fieldError`). */
export function ErrorBox(props: { error: unknown; shown?: readonly string[] }) {
  if (!props.error) return null;
  const all = props.error instanceof ApiError ? props.error.errors : [];
  const fields = all.filter((f) => !props.shown?.includes(f.field));
  return (
    <div class="alert alert-error" role="alert">
      <p>{all.length > 0 && fields.length === 0 ? t('error.fields_marked') : errorMessage(props.error)}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <strong>{f.field}</strong>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Field(props: { label: string; id: string; error?: string | undefined; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <small class="hint">{props.hint}</small>}
      {props.error && (
        <small class="field-error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** Runs an async action with a busy flag and an error slot. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await fn(...args);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export function Page(props: { title: string; children: ComponentChildren; actions?: JSX.Element }) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title">{props.title}</h1>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function StateBadge(props: { state: string }) {
  const key = `state.${props.state}` as Parameters<typeof t>[0];
  return <span class={`badge badge-${props.state}`}>{t(key)}</span>;
}

export function GradeBadge(props: { grade: { code: string; label: string } | null | undefined }) {
  if (!props.grade) return <span class="muted">—</span>;
  return <span class={`badge grade-${props.grade.code}`}>{props.grade.label}</span>;
}

/** The server's message for one field of a 422 answer, to show beside its input. */
export function fieldError(error: unknown, ...names: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const name of names) {
    const message = error.field(name);
    if (message) return message;
  }
  return undefined;
}
