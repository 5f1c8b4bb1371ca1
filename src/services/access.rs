//! Loading the caller as a `Viewer` (current roles and scope from the database, not from the
//! token) and turning visibility into query filters.

use crate::auth::AuthUser;
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;

/// The caller as the service sees them now. A deactivated or deleted account, or a token issued
/// before the person's last logout, password change, role change or deactivation (its session
/// version is not the stored one), is refused even if the token has not expired yet. A person
/// whose password was reset by an administrator gets 403 `password-change-required` until they
/// choose a new one (`POST /me/password`).
pub fn load_viewer(conn: &mut DbConnection, user: AuthUser) -> AppResult<Viewer> {
    let (me, unit_path) = load_session(conn, user)?;
    if me.must_change_password {
        return Err(AppError::PasswordChangeRequired(Text::new(
            "Mật khẩu của bạn đã được đặt lại: hãy đổi mật khẩu (POST /api/v1/me/password) trước khi tiếp tục.",
            "Your password was reset: choose a new one (POST /api/v1/me/password) before continuing.",
        )));
    }
    viewer_with_path(conn, &me, unit_path)
}

/// Like `load_viewer`, but lets a person who must change their password through (`GET /me` and
/// `POST /me/password`).
pub fn load_viewer_allowing_password_change(
    conn: &mut DbConnection,
    user: AuthUser,
) -> AppResult<(Viewer, Staff)> {
    let (me, unit_path) = load_session(conn, user)?;
    Ok((viewer_with_path(conn, &me, unit_path)?, me))
}

/// The viewer of a trusted local caller (the command line), without a token.
pub fn load_viewer_trusted(conn: &mut DbConnection, staff_id: i64) -> AppResult<Viewer> {
    let me = db::staff::find(conn, staff_id)?
        .filter(|s| s.active)
        .ok_or_else(inactive)?;
    viewer_of(conn, &me)
}

fn inactive() -> AppError {
    AppError::Unauthorized(Text::new(
        "Tài khoản không còn hoạt động.",
        "This account is no longer active.",
    ))
}

/// The caller's record and their unit's path (one statement).
fn load_session(conn: &mut DbConnection, user: AuthUser) -> AppResult<(Staff, Option<String>)> {
    let (me, unit_path) = db::staff::find_with_unit_path(conn, user.staff_id)?
        .filter(|(s, _)| s.active)
        .ok_or_else(inactive)?;
    if me.session_version != user.session_version {
        return Err(AppError::Unauthorized(Text::new(
            "Phiên đăng nhập đã kết thúc (đăng xuất, đổi mật khẩu hoặc đổi vai trò); hãy đăng nhập lại.",
            "The session has ended (logout, password or role change); log in again.",
        )));
    }
    Ok((me, unit_path))
}

/// Head powers need both the `head` role and headship (`units.head_id`): a person named head of
/// a unit without the role, or holding the role without heading a unit, heads nothing.
fn viewer_of(conn: &mut DbConnection, me: &Staff) -> AppResult<Viewer> {
    let unit_path = match me.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    };
    viewer_with_path(conn, me, unit_path)
}

/// [`viewer_of`] with the unit's path already read.
fn viewer_with_path(
    conn: &mut DbConnection,
    me: &Staff,
    unit_path: Option<String>,
) -> AppResult<Viewer> {
    let roles = RoleSet::parse(&me.roles).unwrap_or_default();
    let headed_paths = if roles.contains(Role::Head) {
        db::units::paths_headed_by(conn, me.id)?
    } else {
        Vec::new()
    };
    Ok(Viewer {
        staff_id: me.id,
        roles,
        unit_id: me.unit_id,
        unit_path,
        headed_paths,
    })
}

/// Ids of the units whose people the viewer may read (None: all of them).
pub fn readable_unit_ids(conn: &mut DbConnection, viewer: &Viewer) -> AppResult<Option<Vec<i64>>> {
    if viewer.is_org_wide() {
        return Ok(None);
    }
    Ok(Some(db::units::ids_in_subtrees(
        conn,
        &viewer.headed_paths,
    )?))
}

/// Refuses callers who may not change the organisation or the catalogue.
pub fn require_org_manager(viewer: &Viewer) -> AppResult<()> {
    if viewer.can_manage_organisation() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Chỉ Ban Tổ chức hoặc quản trị viên được thay đổi tổ chức và danh mục.",
            "Only the organisation department or an administrator may change the organisation and catalogue.",
        ))
    }
}

/// Refuses a write whose `If-Match` version is not the stored one.
pub fn check_version(expected: i64, stored: i64) -> AppResult<()> {
    if expected == stored {
        Ok(())
    } else {
        Err(stale())
    }
}

pub fn stale() -> AppError {
    AppError::PreconditionFailed(Text::new(
        "Bản ghi đã được người khác thay đổi; hãy tải lại rồi thử lại.",
        "The record was changed by someone else; reload it and retry.",
    ))
}
