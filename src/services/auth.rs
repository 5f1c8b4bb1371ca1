//! Login, refresh-token rotation with reuse detection, and logout.

use chrono::Duration;

use crate::auth::jwt::{hash_refresh_token, new_refresh_token};
use crate::auth::password::{verify_against_dummy, verify_password};
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::roles::RoleSet;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::AppState;

/// What a successful login or refresh hands to the client.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    /// The password was reset by an administrator: every route but `GET /me` and
    /// `POST /me/password` answers 403 `password-change-required` until it is changed.
    pub must_change_password: bool,
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized(Text::new(
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    ))
}

fn bad_refresh() -> AppError {
    AppError::Unauthorized(Text::new(
        "Mã làm mới không hợp lệ, đã dùng hoặc đã hết hạn; hãy đăng nhập lại.",
        "The refresh token is invalid, already used or expired; log in again.",
    ))
}

pub fn login(
    conn: &mut DbConnection,
    state: &AppState,
    username: &str,
    password: &str,
) -> AppResult<Tokens> {
    let person = db::staff::find_by_username(conn, username.trim())?;
    let Some(person) = person else {
        verify_against_dummy(password);
        return Err(bad_credentials());
    };
    let ok = match &person.password_hash {
        Some(hash) => verify_password(password, hash),
        None => {
            verify_against_dummy(password);
            false
        }
    };
    if !ok || !person.active {
        return Err(bad_credentials());
    }
    let family = new_refresh_token();
    issue(conn, state, &person, &family)
}

fn issue(
    conn: &mut DbConnection,
    state: &AppState,
    person: &Staff,
    family: &str,
) -> AppResult<Tokens> {
    let staff_id = person.id;
    let roles: Vec<String> = RoleSet::parse(&person.roles)
        .unwrap_or_default()
        .to_vec()
        .into_iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let access_token = state.jwt.issue(staff_id, roles, person.session_version)?;
    let refresh_token = new_refresh_token();
    let now = db::now_utc();
    db::tokens::insert(
        conn,
        staff_id,
        family,
        &hash_refresh_token(&refresh_token),
        now + Duration::seconds(state.settings.auth.refresh_ttl_secs),
        now,
    )?;
    Ok(Tokens {
        access_token,
        expires_in: state.jwt.access_ttl_secs,
        refresh_token,
        must_change_password: person.must_change_password,
    })
}

/// Changes the caller's own password: the current one must be given, the new one follows the
/// policy. Every session of the person ends (other devices included) and a fresh login is handed
/// back, so the caller stays logged in. Clears a pending `must_change_password`.
pub fn change_password(
    conn: &mut DbConnection,
    state: &AppState,
    me: &Staff,
    current_password: &str,
    new_password: &str,
) -> AppResult<Tokens> {
    let ok = match &me.password_hash {
        Some(hash) => verify_password(current_password, hash),
        None => {
            verify_against_dummy(current_password);
            false
        }
    };
    if !ok {
        return Err(AppError::validation(
            "current_password",
            "wrong_password",
            "Mật khẩu hiện tại không đúng.",
            "The current password is wrong.",
        ));
    }
    crate::services::staff::check_new_password(
        "new_password",
        new_password,
        &me.username,
        state.settings.auth.min_password_length,
    )?;
    if new_password == current_password {
        return Err(AppError::validation(
            "new_password",
            "unchanged",
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
            "The new password must differ from the current one.",
        ));
    }
    let hash = crate::auth::password::hash_password(new_password)?;
    db::write_transaction(conn, |conn| {
        let now = db::now_utc();
        db::staff::set_password(conn, me.id, &hash, false, now)?;
        end_sessions(conn, me.id, now)?;
        crate::services::audit::record(
            conn,
            Some(me.id),
            "staff",
            me.id,
            "change_password",
            None,
            None,
            None,
            None,
        )?;
        let person = db::staff::find(conn, me.id)?.ok_or(AppError::NotFound)?;
        issue(conn, state, &person, &new_refresh_token())
    })
}

/// Exchanges a refresh token for a new pair. Each token works once: presenting a spent token
/// again means it was copied, so the whole family (every token of that login) is revoked.
pub fn refresh(
    conn: &mut DbConnection,
    state: &AppState,
    refresh_token: &str,
) -> AppResult<Tokens> {
    let now = db::now_utc();
    let token = db::tokens::find_by_hash(conn, &hash_refresh_token(refresh_token))?
        .ok_or_else(bad_refresh)?;
    if token.used_at.is_some() || token.revoked_at.is_some() {
        db::tokens::revoke_family(conn, &token.family, now)?;
        tracing::warn!(
            staff_id = token.staff_id,
            "refresh token reuse: family revoked"
        );
        return Err(bad_refresh());
    }
    if token.expires_at <= now {
        return Err(bad_refresh());
    }
    let result = db::write_transaction::<_, AppError, _>(conn, |conn| {
        if !db::tokens::mark_used(conn, token.id, now)? {
            return Err(bad_refresh());
        }
        let person = db::staff::find(conn, token.staff_id)?
            .filter(|p| p.active)
            .ok_or_else(bad_refresh)?;
        issue(conn, state, &person, &token.family)
    });
    if result.is_err() {
        // A concurrent use of the same token lost the race: treat it as reuse too.
        db::tokens::revoke_family(conn, &token.family, now)?;
    }
    result
}

/// Logs the person out everywhere: every refresh token of the person is revoked and every access
/// token ends at once (the session version moves on). Unknown or already revoked tokens are
/// ignored (idempotent), so a stale token cannot be used to log somebody else out.
pub fn logout(conn: &mut DbConnection, refresh_token: &str) -> AppResult<()> {
    let now = db::now_utc();
    if let Some(token) = db::tokens::find_by_hash(conn, &hash_refresh_token(refresh_token))? {
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Ok(());
        }
        db::write_transaction::<_, AppError, _>(conn, |conn| {
            end_sessions(conn, token.staff_id, now)?;
            Ok(())
        })?;
    }
    Ok(())
}

/// Ends every session of a person: refresh tokens revoked, access tokens refused from now on.
pub fn end_sessions(
    conn: &mut DbConnection,
    staff_id: i64,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    db::tokens::revoke_all_of(conn, staff_id, now)?;
    db::staff::bump_session(conn, staff_id)?;
    Ok(())
}
