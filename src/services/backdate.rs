//! Backdate permissions (diary rule 2): an audited exception that lets a person, or everyone
//! logging in a unit, log work dates older than the backdating window, for a date range, with a
//! reason. Granted and revoked by the person's approver, any head of the person's unit or a unit
//! above, or the organisation department (for a unit: heads of it or above, the organisation).
//! Lines a live permission covers are not flagged as late backfills, so granting and revoking
//! refresh the maintained day totals of the lines concerned.

use chrono::NaiveDate;

use crate::db::backdate::Permission;
use crate::db::{self, DbConnection};
use crate::domain::diary::DiaryError;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::approvers::{approver_for, check_may_act_for};
use crate::services::totals::{self, TotalsPolicy};
use crate::services::{audit, Page, Paging};

/// The longest range one permission may cover (a year of backfill at go-live).
pub const MAX_RANGE_DAYS: i64 = 366;

/// Whom a permission is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Person(i64),
    Unit(i64),
}

/// Refuses a caller who may not grant or revoke for `target`: 404 when they cannot even see it.
fn check_authority(
    conn: &mut DbConnection,
    viewer: &Viewer,
    target: Target,
    today: NaiveDate,
) -> AppResult<()> {
    match target {
        Target::Person(staff_id) => {
            let person = db::staff::find(conn, staff_id)?.ok_or(AppError::NotFound)?;
            let path = match person.unit_id {
                Some(u) => db::units::find(conn, u)?.map(|u| u.path),
                None => None,
            };
            let approver = approver_for(conn, &person, None)?;
            if !viewer.can_see_person(staff_id, path.as_deref())
                && approver != Some(viewer.staff_id)
            {
                return Err(AppError::NotFound);
            }
            check_may_act_for(conn, viewer, staff_id, path.as_deref(), approver, today)
        }
        Target::Unit(unit_id) => {
            let unit = db::units::find(conn, unit_id)?.ok_or(AppError::NotFound)?;
            if viewer.manages_unit(&unit.path) {
                Ok(())
            } else if viewer.can_see_unit(&unit.path) {
                Err(AppError::forbidden(
                    "Chỉ thủ trưởng của đơn vị (hoặc đơn vị cấp trên) và Ban Tổ chức cấp phép nhập bù cho cả đơn vị.",
                    "Only heads of the unit (or a unit above) and the organisation department grant a unit-wide backdate permission.",
                ))
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// People whose maintained totals a permission changes, and over which dates.
fn refresh_covered(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    p: &Permission,
) -> AppResult<()> {
    let people = match (p.staff_id, p.unit_id) {
        (Some(s), _) => vec![s],
        (None, Some(u)) => {
            db::backdate::people_with_lines_in_unit(conn, u, p.from_date, p.to_date)?
        }
        (None, None) => Vec::new(),
    };
    for chunk in people.chunks(200) {
        totals::refresh(conn, policy, chunk, p.from_date, p.to_date)?;
    }
    Ok(())
}

/// Grants a permission for `from..=to` (not in the future, at most [`MAX_RANGE_DAYS`] days).
/// 409 when a live permission of the same person or unit already covers the whole range.
#[allow(clippy::too_many_arguments)]
pub fn grant(
    conn: &mut DbConnection,
    viewer: &Viewer,
    target: Target,
    from: NaiveDate,
    to: NaiveDate,
    reason: &str,
    today: NaiveDate,
    policy: &TotalsPolicy,
) -> AppResult<Permission> {
    db::write_transaction(conn, |conn| {
        check_authority(conn, viewer, target, today)?;
        if to > today {
            return Err(crate::services::entries::diary_error(
                DiaryError::FutureDate,
            ));
        }
        if from > to {
            return Err(AppError::validation(
                "to",
                "range",
                "Ngày kết thúc phải không trước ngày bắt đầu.",
                "`to` must not be before `from`.",
            ));
        }
        if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            return Err(AppError::Validation(vec![crate::error::FieldIssue::new(
                "to",
                "range",
                crate::i18n::Text::new(
                    format!("Một giấy phép nhập bù dài tối đa {MAX_RANGE_DAYS} ngày."),
                    format!("One backdate permission covers at most {MAX_RANGE_DAYS} days."),
                ),
            )]));
        }
        let (staff_id, unit_id) = match target {
            Target::Person(s) => (Some(s), None),
            Target::Unit(u) => (None, Some(u)),
        };
        if db::backdate::already_covered(conn, staff_id, unit_id, from, to)? {
            return Err(AppError::conflict(
                "Đã có giấy phép nhập bù cho khoảng ngày này.",
                "A backdate permission already covers these dates.",
            ));
        }
        let id = db::backdate::grant(
            conn,
            staff_id,
            unit_id,
            from,
            to,
            viewer.staff_id,
            reason,
            db::now_utc(),
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "backdate_permission",
            id,
            "grant",
            None,
            Some("live"),
            Some(reason),
            Some(
                serde_json::json!({"staff_id": staff_id, "unit_id": unit_id, "from": from, "to": to}),
            ),
        )?;
        let p = db::backdate::find(conn, id)?.ok_or(AppError::NotFound)?;
        refresh_covered(conn, policy, &p)?;
        Ok(p)
    })
}

fn target_of(p: &Permission) -> AppResult<Target> {
    match (p.staff_id, p.unit_id) {
        (Some(s), _) => Ok(Target::Person(s)),
        (None, Some(u)) => Ok(Target::Unit(u)),
        (None, None) => Err(AppError::Internal(anyhow::anyhow!(
            "backdate permission {} has neither person nor unit",
            p.id
        ))),
    }
}

/// Revokes a live permission (whoever may grant it); its lines become late backfills again
/// where they are. 409 when already revoked.
pub fn revoke(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    reason: Option<&str>,
    today: NaiveDate,
    policy: &TotalsPolicy,
) -> AppResult<Permission> {
    db::write_transaction(conn, |conn| {
        let p = db::backdate::find(conn, id)?.ok_or(AppError::NotFound)?;
        check_authority(conn, viewer, target_of(&p)?, today)?;
        if !db::backdate::revoke(conn, id, viewer.staff_id, db::now_utc())? {
            return Err(AppError::conflict(
                "Giấy phép nhập bù này đã bị thu hồi.",
                "This backdate permission was already revoked.",
            ));
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "backdate_permission",
            id,
            "revoke",
            Some("live"),
            Some("revoked"),
            reason,
            None,
        )?;
        let p = db::backdate::find(conn, id)?.ok_or(AppError::NotFound)?;
        refresh_covered(conn, policy, &p)?;
        Ok(p)
    })
}

/// Permissions the caller may see, newest first: all for the organisation department; for
/// others, those of the units they head (and below), of the people there, of their own unit
/// and their own. Filter by person or unit; revoked ones only on request.
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    staff_id: Option<i64>,
    unit_id: Option<i64>,
    include_revoked: bool,
    paging: Paging,
) -> AppResult<Page<Permission>> {
    let scope = if viewer.is_org_wide() {
        None
    } else {
        let headed = db::units::ids_in_subtrees(conn, &viewer.headed_paths)?;
        let mut units = headed.clone();
        units.extend(viewer.unit_id);
        units.sort_unstable();
        units.dedup();
        Some(db::backdate::Scope {
            people_of_units: headed,
            units,
            me: viewer.staff_id,
        })
    };
    let rows = db::backdate::list(
        conn,
        scope.as_ref(),
        staff_id,
        unit_id,
        include_revoked,
        paging.after_id,
        paging.limit + 1,
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |p| p.id))
}
