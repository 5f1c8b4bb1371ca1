//! Writing and reading the audit trail.

use crate::db::audit::{AuditFilter, AuditRow, NewAudit};
use crate::db::{self, DbConnection};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::{Page, Paging};

/// One audit row for a change made by `actor` (None: the system, e.g. an import or bootstrap).
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConnection,
    actor: Option<i64>,
    entity: &str,
    entity_id: i64,
    action: &str,
    from_state: Option<&str>,
    to_state: Option<&str>,
    reason: Option<&str>,
    detail: Option<serde_json::Value>,
) -> AppResult<()> {
    db::audit::record(
        conn,
        &NewAudit {
            at: db::now_utc(),
            actor_id: actor,
            entity,
            entity_id,
            action,
            from_state,
            to_state,
            reason,
            detail: detail.map(|d| d.to_string()),
        },
    )?;
    Ok(())
}

/// One audit row per entity, the same change made by `actor` to each (e.g. the rounds of a
/// subtree opened together), written a few hundred rows a statement.
pub fn record_many(
    conn: &mut DbConnection,
    actor: Option<i64>,
    entity: &str,
    action: &str,
    from_state: Option<&str>,
    to_state: Option<&str>,
    details: Vec<(i64, serde_json::Value)>,
) -> AppResult<()> {
    let at = db::now_utc();
    let rows: Vec<NewAudit<'_>> = details
        .into_iter()
        .map(|(entity_id, detail)| NewAudit {
            at,
            actor_id: actor,
            entity,
            entity_id,
            action,
            from_state,
            to_state,
            reason: None,
            detail: Some(detail.to_string()),
        })
        .collect();
    db::audit::record_many(conn, &rows)?;
    Ok(())
}

/// The audit trail, for the organisation department and administrators only.
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    entity: Option<String>,
    entity_id: Option<i64>,
    paging: Paging,
) -> AppResult<Page<AuditRow>> {
    if !viewer.is_org_wide() {
        return Err(AppError::forbidden(
            "Chỉ Ban Tổ chức được xem nhật ký kiểm toán.",
            "Only the organisation department may read the audit trail.",
        ));
    }
    let rows = db::audit::list(
        conn,
        &AuditFilter {
            entity,
            entity_id,
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |r| r.id))
}
