//! Login, refresh-token rotation with reuse detection, and logout.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::Duration;
use serde_json::json;

use crate::auth::jwt::{hash_refresh_token, new_refresh_token};
use crate::auth::password::{verify_against_dummy, verify_password};
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::roles::RoleSet;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::services::audit;
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

/// What a login needs to know about an account before checking the password.
struct LoginAccount {
    id: i64,
    password_hash: Option<String>,
    active: bool,
}

/// Logs in. The account is read, the connection given back, the password checked on the hash
/// gate (bounded, outside any connection: a flood of logins cannot hold the pool), and only then
/// is a connection taken again to issue tokens or record the failure. Unknown usernames spend the
/// same hashing time as known ones.
pub async fn login(
    state: &Arc<AppState>,
    username: &str,
    password: &str,
    client: IpAddr,
) -> AppResult<Tokens> {
    let username = username.trim().to_string();
    let name = username.clone();
    let account = state
        .db(move |conn, _| {
            Ok(
                db::staff::find_by_username(conn, &name)?.map(|p| LoginAccount {
                    id: p.id,
                    password_hash: p.password_hash,
                    active: p.active,
                }),
            )
        })
        .await?;
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password = password.to_string();
    let matches = state
        .hash_gate
        .run(move || match hash {
            Some(hash) => verify_password(&password, &hash),
            None => {
                verify_against_dummy(&password);
                false
            }
        })
        .await?;
    match account {
        Some(account) if matches && account.active => {
            let id = account.id;
            state
                .db(move |conn, st| {
                    db::write_transaction::<_, AppError, _>(conn, |conn| {
                        // Deactivated or removed since it was read: no session.
                        let person = db::staff::find(conn, id)?
                            .filter(|p| p.active)
                            .ok_or_else(bad_credentials)?;
                        let family = new_refresh_token();
                        let tokens = issue(conn, st, &person, &family)?;
                        audit::record(
                            conn,
                            Some(person.id),
                            "staff",
                            person.id,
                            "login",
                            None,
                            None,
                            None,
                            Some(json!({"client": client.to_string()})),
                        )?;
                        Ok(tokens)
                    })
                })
                .await
        }
        account => {
            let reason = match &account {
                None => "unknown_username",
                Some(a) if !a.active => "inactive",
                Some(_) => "wrong_password",
            };
            let id = account.map(|a| a.id);
            state
                .db(move |conn, _| {
                    audit::record(
                        conn,
                        None,
                        "staff",
                        id.unwrap_or(0),
                        "login_failed",
                        None,
                        None,
                        Some(reason),
                        Some(json!({"username": username, "client": client.to_string()})),
                    )
                })
                .await?;
            Err(bad_credentials())
        }
    }
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
pub async fn change_password(
    state: &Arc<AppState>,
    user: crate::auth::AuthUser,
    current_password: &str,
    new_password: &str,
) -> AppResult<Tokens> {
    let me = state
        .db(move |conn, _| {
            let (_, me) =
                crate::services::access::load_viewer_allowing_password_change(conn, user)?;
            Ok(me)
        })
        .await?;
    // Both argon2 runs (checking the current password, hashing the new one) happen on the hash
    // gate, outside any database connection, like logins.
    let stored = me.password_hash.clone();
    let current = current_password.to_string();
    let ok = state
        .hash_gate
        .run(move || match stored {
            Some(hash) => verify_password(&current, &hash),
            None => {
                verify_against_dummy(&current);
                false
            }
        })
        .await?;
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
    let new_password = new_password.to_string();
    let hash = state
        .hash_gate
        .run(move || crate::auth::password::hash_password(&new_password))
        .await??;
    let id = me.id;
    state
        .db(move |conn, st| {
            db::write_transaction(conn, |conn| {
                let now = db::now_utc();
                db::staff::set_password(conn, id, &hash, false, now)?;
                end_sessions(conn, id, now)?;
                audit::record(
                    conn,
                    Some(id),
                    "staff",
                    id,
                    "change_password",
                    None,
                    None,
                    None,
                    None,
                )?;
                let person = db::staff::find(conn, id)?.ok_or(AppError::NotFound)?;
                issue(conn, st, &person, &new_refresh_token())
            })
        })
        .await
}

/// Exchanges a refresh token for a new pair. Each token works once: presenting a spent token
/// again means it was copied, so the whole family (every token of that login) is revoked.
pub fn refresh(
    conn: &mut DbConnection,
    state: &AppState,
    refresh_token: &str,
    client: IpAddr,
) -> AppResult<Tokens> {
    let now = db::now_utc();
    let token = db::tokens::find_by_hash(conn, &hash_refresh_token(refresh_token))?
        .ok_or_else(bad_refresh)?;
    if token.used_at.is_some() || token.revoked_at.is_some() {
        db::tokens::revoke_family(conn, &token.family, now)?;
        tracing::warn!(
            staff_id = token.staff_id,
            %client,
            "refresh token reuse: family revoked"
        );
        if token.used_at.is_some() {
            // Spent, not merely revoked (e.g. by a logout): someone kept a copy.
            record_reuse(conn, token.staff_id, client)?;
        }
        return Err(bad_refresh());
    }
    if token.expires_at <= now {
        return Err(bad_refresh());
    }
    let mut raced = false;
    let result = db::write_transaction::<_, AppError, _>(conn, |conn| {
        if !db::tokens::mark_used(conn, token.id, now)? {
            raced = true;
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
        if raced {
            record_reuse(conn, token.staff_id, client)?;
        }
    }
    result
}

/// The audit row of a spent refresh token presented again (a copied token): who it belonged to
/// and where it came from.
fn record_reuse(conn: &mut DbConnection, staff_id: i64, client: IpAddr) -> AppResult<()> {
    audit::record(
        conn,
        Some(staff_id),
        "staff",
        staff_id,
        "refresh_token_reuse",
        None,
        None,
        None,
        Some(json!({"client": client.to_string()})),
    )
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
