//! The organisation tree: create, read (scoped), update with optimistic concurrency, move.

use crate::db::units::{NewUnit, Unit, UnitChanges, UnitListFilter};
use crate::db::{self, DbConnection};
use crate::domain::org::{move_creates_cycle, UnitLevel};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::access::{check_version, require_org_manager, stale};
use crate::services::{audit, Page, Paging};

/// A new unit as the caller asked for it (already shape-checked by the route).
#[derive(Debug, Clone)]
pub struct UnitDraft {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub parent_id: Option<i64>,
    pub head_id: Option<i64>,
}

/// Requested changes; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub level: Option<UnitLevel>,
    pub parent_id: Option<Option<i64>>,
    pub head_id: Option<Option<i64>>,
    pub active: Option<bool>,
}

fn unknown_parent() -> AppError {
    AppError::validation(
        "parent_id",
        "unknown_reference",
        "Đơn vị cấp trên không tồn tại.",
        "The parent unit does not exist.",
    )
}

/// The head of a unit must be an active member of that unit holding the `head` role (roles and
/// headship agree: authorisation needs both).
fn check_head(conn: &mut DbConnection, unit_id: Option<i64>, head_id: i64) -> AppResult<()> {
    let head = db::staff::find(conn, head_id)?.filter(|s| s.active);
    match head {
        Some(h) if unit_id.is_some() && h.unit_id != unit_id => Err(AppError::validation(
            "head_id",
            "not_a_member",
            "Thủ trưởng phải là cán bộ của chính đơn vị đó.",
            "The head must be a member of the unit.",
        )),
        Some(h)
            if !RoleSet::parse(&h.roles)
                .unwrap_or_default()
                .contains(Role::Head) =>
        {
            Err(AppError::validation(
                "head_id",
                "not_head_role",
                "Cán bộ được chọn chưa có vai trò thủ trưởng (head); hãy cấp vai trò trước.",
                "The chosen person does not hold the head role; grant it first.",
            ))
        }
        Some(_) => Ok(()),
        None => Err(AppError::validation(
            "head_id",
            "unknown_reference",
            "Cán bộ được chọn làm thủ trưởng không tồn tại hoặc đã nghỉ.",
            "The chosen head does not exist or is inactive.",
        )),
    }
}

pub fn create(conn: &mut DbConnection, viewer: &Viewer, draft: UnitDraft) -> AppResult<Unit> {
    require_org_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let parent_path = match draft.parent_id {
            Some(pid) => Some(db::units::find(conn, pid)?.ok_or_else(unknown_parent)?.path),
            None => None,
        };
        if let Some(head) = draft.head_id {
            // A brand-new unit has no members yet: its head must come from elsewhere and be moved
            // in later, so only existence is checked here.
            check_head(conn, None, head)?;
        }
        if db::units::find_by_code(conn, &draft.code)?.is_some() {
            return Err(duplicate_code());
        }
        let now = db::now_utc();
        let id = db::units::insert(
            conn,
            NewUnit {
                code: &draft.code,
                name: &draft.name,
                level: draft.level.as_str(),
                parent_id: draft.parent_id,
                head_id: draft.head_id,
                path: "",
                active: true,
                version: 1,
                created_at: now,
                updated_at: now,
            },
            parent_path.as_deref(),
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "unit",
            id,
            "create",
            None,
            None,
            None,
            None,
        )?;
        db::units::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

fn duplicate_code() -> AppError {
    AppError::conflict(
        "Mã đơn vị đã tồn tại.",
        "A unit with this code already exists.",
    )
}

/// One unit, if the viewer may see it (404 otherwise: never reveal other units).
pub fn get(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Unit> {
    let unit = db::units::find(conn, id)?.ok_or(AppError::NotFound)?;
    if viewer.can_see_unit(&unit.path) {
        Ok(unit)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    parent_id: Option<i64>,
    level: Option<UnitLevel>,
    paging: Paging,
) -> AppResult<Page<Unit>> {
    let only_ids = if viewer.is_org_wide() {
        None
    } else {
        let mut ids = db::units::ids_in_subtrees(conn, &viewer.headed_paths)?;
        if let Some(own) = viewer.unit_id {
            ids.push(own);
        }
        Some(ids)
    };
    let rows = db::units::list(
        conn,
        &UnitListFilter {
            only_ids,
            parent_id,
            level: level.map(|l| l.as_str().to_string()),
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |u| u.id))
}

pub fn update(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: i64,
    patch: UnitPatch,
) -> AppResult<Unit> {
    require_org_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let unit = db::units::find(conn, id)?.ok_or(AppError::NotFound)?;
        check_version(expected_version, unit.version)?;
        if let Some(code) = &patch.code {
            if code != &unit.code && db::units::find_by_code(conn, code)?.is_some() {
                return Err(duplicate_code());
            }
        }
        if let Some(Some(head)) = patch.head_id {
            check_head(conn, Some(id), head)?;
        }
        // Moving: the new parent must exist and must not be inside the unit's own subtree.
        let mut new_path = None;
        if let Some(parent) = patch.parent_id {
            if parent != unit.parent_id {
                let parent_path = match parent {
                    Some(pid) => {
                        let p = db::units::find(conn, pid)?.ok_or_else(unknown_parent)?;
                        if move_creates_cycle(&unit.path, &p.path) {
                            return Err(AppError::validation(
                                "parent_id",
                                "cycle",
                                "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.",
                                "A unit cannot be moved under itself or one of its descendants.",
                            ));
                        }
                        Some(p.path)
                    }
                    None => None,
                };
                new_path = Some(crate::domain::org::unit_path(parent_path.as_deref(), id));
            }
        }
        let changes = UnitChanges {
            code: patch.code.clone(),
            name: patch.name.clone(),
            level: patch.level.map(|l| l.as_str().to_string()),
            parent_id: patch.parent_id,
            head_id: patch.head_id,
            active: patch.active,
        };
        if !db::units::update_versioned(conn, id, expected_version, &changes, db::now_utc())? {
            return Err(stale());
        }
        if let Some(new_path) = new_path {
            db::units::move_subtree(conn, &unit.path, &new_path)?;
        }
        if let (Some(new_head), Some(old)) = (patch.head_id, unit.head_id) {
            if new_head != Some(old) {
                // The former head's pending approvals go to whoever decides now.
                crate::services::approvers::reassign_pending(conn, old)?;
            }
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "unit",
            id,
            "update",
            None,
            None,
            None,
            Some(serde_json::json!({
                "code": patch.code, "name": patch.name,
                "level": patch.level.map(|l| l.as_str()),
                "parent_id": patch.parent_id, "head_id": patch.head_id, "active": patch.active,
            })),
        )?;
        db::units::find(conn, id)?.ok_or(AppError::NotFound)
    })
}
