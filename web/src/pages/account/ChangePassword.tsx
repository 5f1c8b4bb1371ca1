// The forced password change: after an administrator set or reset a password (or a CSV import
// did), every route but `GET /me` answers 403 `password-change-required` until the person
// chooses their own with `POST /me/password`. The server's policy errors show beside the fields.
import { useState } from 'preact/hooks';
import { t } from '../../i18n';
import { changePassword, signOut, useMe } from '../../lib/session';
import { ErrorBox, Field, fieldError, useAction } from '../../lib/ui';

export function ChangePasswordScreen() {
  const me = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const save = useAction(async () => {
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    await changePassword(current, next);
  });
  const err = save.error;
  return (
    <main class="login" id="main">
      <form
        class="card"
        data-testid="change-password"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <h1>{t('pw.title')}</h1>
        <p class="muted">{t('pw.intro', { name: me?.staff.full_name ?? '' })}</p>
        <Field label={t('pw.current')} id="pw-current" error={fieldError(err, 'current_password')}>
          <input
            id="pw-current"
            type="password"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent((e.target as HTMLInputElement).value)}
            required
          />
        </Field>
        <Field label={t('pw.new')} id="pw-new" hint={t('pw.policy')} error={fieldError(err, 'new_password')}>
          <input
            id="pw-new"
            type="password"
            autocomplete="new-password"
            value={next}
            onInput={(e) => setNext((e.target as HTMLInputElement).value)}
            required
          />
        </Field>
        <Field label={t('pw.confirm')} id="pw-confirm" error={mismatch ? t('pw.mismatch') : undefined}>
          <input
            id="pw-confirm"
            type="password"
            autocomplete="new-password"
            value={confirm}
            onInput={(e) => setConfirm((e.target as HTMLInputElement).value)}
            required
          />
        </Field>
        <ErrorBox error={err} shown={["current_password", "new_password"]} />
        <button class="btn btn-primary" type="submit" disabled={save.busy}>
          {t('pw.submit')}
        </button>
        <button class="btn btn-ghost" type="button" onClick={() => void signOut()}>
          {t('app.sign_out')}
        </button>
      </form>
    </main>
  );
}
