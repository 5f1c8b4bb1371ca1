//! Who decides on a person's entries and leave: resolves the rulebook's chain (task assigner,
//! direct supervisor, unit head, parent unit's head) from the database and applies delegations.
//! The rules themselves live in `domain::diary`.

use chrono::NaiveDate;

use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::diary::{may_decide, resolve_approver, ApproverFacts, Delegation};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;

/// The approver of `owner`'s work (None: only the organisation department can decide).
pub fn approver_for(
    conn: &mut DbConnection,
    owner: &Staff,
    task_assigner_id: Option<i64>,
) -> AppResult<Option<i64>> {
    let (unit_head_id, parent_unit_head_id) = match owner.unit_id {
        Some(unit_id) => match db::units::find(conn, unit_id)? {
            Some(unit) => {
                let parent_head = match unit.parent_id {
                    Some(p) => db::units::find(conn, p)?.and_then(|p| p.head_id),
                    None => None,
                };
                (
                    acting_head(conn, unit.head_id)?,
                    acting_head(conn, parent_head)?,
                )
            }
            None => (None, None),
        },
        None => (None, None),
    };
    // An inactive supervisor cannot approve: skip to the unit head.
    let supervisor_id = match owner.supervisor_id {
        Some(s) => db::staff::find(conn, s)?.filter(|p| p.active).map(|p| p.id),
        None => None,
    };
    Ok(resolve_approver(&ApproverFacts {
        owner_id: owner.id,
        task_assigner_id,
        supervisor_id,
        unit_head_id,
        parent_unit_head_id,
    }))
}

/// A unit's `head_id` counts only while that person is active and holds the `head` role (roles
/// and headship must agree; neither alone gives head powers).
fn acting_head(conn: &mut DbConnection, head_id: Option<i64>) -> AppResult<Option<i64>> {
    let Some(id) = head_id else {
        return Ok(None);
    };
    Ok(db::staff::find(conn, id)?
        .filter(|s| {
            s.active
                && RoleSet::parse(&s.roles)
                    .unwrap_or_default()
                    .contains(Role::Head)
        })
        .map(|s| s.id))
}

/// Re-resolves the approver of every submitted entry waiting for `former` (whose headship, head
/// role or account just ended), so that their powers do not outlive the role through entries
/// submitted before. Returns how many entries moved.
pub fn reassign_pending(conn: &mut DbConnection, former: i64) -> AppResult<usize> {
    let pending = db::entries::submitted_for_approver(conn, former)?;
    let mut moved = 0;
    for (entry_id, owner_id, task_id) in pending {
        let Some(owner) = db::staff::find(conn, owner_id)? else {
            continue;
        };
        let assigner = match task_id {
            Some(t) => db::tasks::find(conn, t)?.map(|t| t.assigner_id),
            None => None,
        };
        let approver = approver_for(conn, &owner, assigner)?;
        if approver != Some(former) {
            db::entries::set_approver(conn, entry_id, approver)?;
            moved += 1;
        }
    }
    Ok(moved)
}

pub fn to_domain(rows: Vec<db::delegations::DelegationRow>) -> Vec<Delegation> {
    rows.into_iter()
        .map(|d| Delegation {
            approver_id: d.approver_id,
            acting_id: d.acting_id,
            from: d.from_date,
            to: d.to_date,
        })
        .collect()
}

/// Refuses a decision (approve, return, revoke, leave approval) by someone who may not take it:
/// the owner never; the organisation department on any unit; otherwise the approver or their
/// acting delegate on `today`.
pub fn check_may_decide(
    conn: &mut DbConnection,
    viewer: &Viewer,
    owner_id: i64,
    approver_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<()> {
    let delegations = match approver_id {
        Some(a) => to_domain(db::delegations::active_from(conn, &[a], today)?),
        None => Vec::new(),
    };
    may_decide(
        viewer.staff_id,
        viewer.is_org_wide(),
        owner_id,
        approver_id,
        &delegations,
        today,
    )
    .map_err(|e| AppError::Forbidden(Text::new(e.message_vi(), e.message_en())))
}

/// Leave and backdate permissions (rulebook: diary rule 2, calendar): decided by the person's
/// approver (or acting delegate, or the organisation department, as [`check_may_decide`]) and
/// also by any head of the person's unit or a unit above (`unit_path` is the person's unit).
/// Nobody decides for themselves.
pub fn check_may_act_for(
    conn: &mut DbConnection,
    viewer: &Viewer,
    owner_id: i64,
    unit_path: Option<&str>,
    approver_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<()> {
    if viewer.staff_id != owner_id && unit_path.is_some_and(|p| viewer.heads(p)) {
        return Ok(());
    }
    check_may_decide(conn, viewer, owner_id, approver_id, today)
}
