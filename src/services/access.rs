//! Loading the caller as a `Viewer` (current roles and scope from the database, not from the
//! token) and turning visibility into query filters.

use crate::db::{self, DbConnection};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;

/// The caller as the service sees them now. A deactivated or deleted account is refused even if
/// its access token has not expired yet.
pub fn load_viewer(conn: &mut DbConnection, staff_id: i64) -> AppResult<Viewer> {
    let me = db::staff::find(conn, staff_id)?
        .filter(|s| s.active)
        .ok_or_else(|| {
            AppError::Unauthorized(Text::new(
                "Tài khoản không còn hoạt động.",
                "This account is no longer active.",
            ))
        })?;
    let roles = RoleSet::parse(&me.roles).unwrap_or_default();
    let unit_path = match me.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    };
    let mut headed_paths = db::units::paths_headed_by(conn, me.id)?;
    if roles.contains(Role::Head) {
        if let Some(p) = &unit_path {
            headed_paths.push(p.clone());
        }
    }
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
