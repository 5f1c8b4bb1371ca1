//! Login, refresh-token rotation with reuse detection, and logout.

use chrono::Duration;

use crate::auth::jwt::{hash_refresh_token, new_refresh_token};
use crate::auth::password::{verify_against_dummy, verify_password};
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
    issue(conn, state, person.id, &person.roles, &family)
}

fn issue(
    conn: &mut DbConnection,
    state: &AppState,
    staff_id: i64,
    roles: &str,
    family: &str,
) -> AppResult<Tokens> {
    let roles: Vec<String> = RoleSet::parse(roles)
        .unwrap_or_default()
        .to_vec()
        .into_iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let access_token = state.jwt.issue(staff_id, roles)?;
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
        issue(conn, state, person.id, &person.roles, &token.family)
    });
    if result.is_err() {
        // A concurrent use of the same token lost the race: treat it as reuse too.
        db::tokens::revoke_family(conn, &token.family, now)?;
    }
    result
}

/// Revokes the login a refresh token belongs to. Unknown tokens are ignored (idempotent).
pub fn logout(conn: &mut DbConnection, refresh_token: &str) -> AppResult<()> {
    if let Some(token) = db::tokens::find_by_hash(conn, &hash_refresh_token(refresh_token))? {
        db::tokens::revoke_family(conn, &token.family, db::now_utc())?;
    }
    Ok(())
}
