//! Acting approvers: a person who decides on others' entries lets someone act in their place.

use chrono::NaiveDate;

use crate::db::delegations::DelegationRow;
use crate::db::{self, DbConnection};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::audit;

pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    acting_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<DelegationRow> {
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::validation(
            "to",
            "range",
            "Ngày kết thúc phải sau ngày bắt đầu và không quá 366 ngày.",
            "`to` must not be before `from` and at most 366 days after it.",
        ));
    }
    if acting_id == viewer.staff_id {
        return Err(AppError::validation(
            "acting_id",
            "self",
            "Không thể uỷ quyền cho chính mình.",
            "You cannot delegate to yourself.",
        ));
    }
    db::write_transaction(conn, |conn| {
        if db::staff::find(conn, acting_id)?
            .filter(|p| p.active)
            .is_none()
        {
            return Err(AppError::validation(
                "acting_id",
                "unknown_reference",
                "Người được uỷ quyền không tồn tại hoặc đã nghỉ.",
                "The acting person does not exist or is inactive.",
            ));
        }
        let id =
            db::delegations::insert(conn, viewer.staff_id, acting_id, from, to, db::now_utc())?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "delegation",
            id,
            "create",
            None,
            None,
            None,
            Some(serde_json::json!({"acting_id": acting_id, "from": from, "to": to})),
        )?;
        db::delegations::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

pub fn revoke(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        let row = db::delegations::find(conn, id)?.ok_or(AppError::NotFound)?;
        if row.approver_id != viewer.staff_id && !viewer.is_org_wide() {
            return Err(AppError::NotFound);
        }
        db::delegations::revoke(conn, id, db::now_utc())?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "delegation",
            id,
            "revoke",
            None,
            None,
            None,
            None,
        )?;
        Ok(())
    })
}
