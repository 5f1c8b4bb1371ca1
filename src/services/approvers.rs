//! Who decides on a person's entries and leave: resolves the rulebook's chain (task assigner,
//! direct supervisor, unit head, parent unit's head) from the database and applies delegations.
//! The rules themselves live in `domain::diary`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::db::staff::Staff;
use crate::db::units::Unit;
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
    let people = People::load(conn, std::slice::from_ref(owner))?;
    Ok(people.approver_for(owner, task_assigner_id))
}

/// Everything the approver chain reads about some owners, loaded in a fixed number of queries:
/// their units and those units' parents, and the supervisors and heads involved.
struct People {
    units: HashMap<i64, Unit>,
    staff: HashMap<i64, Staff>,
}

impl People {
    fn load(conn: &mut DbConnection, owners: &[Staff]) -> AppResult<People> {
        let unit_ids: Vec<i64> = owners.iter().filter_map(|o| o.unit_id).collect();
        let mut units: HashMap<i64, Unit> = HashMap::new();
        if !unit_ids.is_empty() {
            units.extend(
                db::units::find_many(conn, &unit_ids)?
                    .into_iter()
                    .map(|u| (u.id, u)),
            );
        }
        let parent_ids: Vec<i64> = units
            .values()
            .filter_map(|u| u.parent_id)
            .filter(|p| !units.contains_key(p))
            .collect();
        if !parent_ids.is_empty() {
            units.extend(
                db::units::find_many(conn, &parent_ids)?
                    .into_iter()
                    .map(|u| (u.id, u)),
            );
        }
        let mut person_ids: Vec<i64> = owners
            .iter()
            .filter_map(|o| o.supervisor_id)
            .chain(units.values().filter_map(|u| u.head_id))
            .collect();
        person_ids.sort_unstable();
        person_ids.dedup();
        let staff = db::staff::find_many(conn, &person_ids)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(People { units, staff })
    }

    /// The rulebook's chain for one owner, from what was loaded.
    fn approver_for(&self, owner: &Staff, task_assigner_id: Option<i64>) -> Option<i64> {
        let unit = owner.unit_id.and_then(|id| self.units.get(&id));
        let parent = unit
            .and_then(|u| u.parent_id)
            .and_then(|id| self.units.get(&id));
        // An inactive supervisor cannot approve: skip to the unit head.
        let supervisor_id = owner
            .supervisor_id
            .and_then(|s| self.staff.get(&s))
            .filter(|p| p.active)
            .map(|p| p.id);
        resolve_approver(&ApproverFacts {
            owner_id: owner.id,
            task_assigner_id,
            supervisor_id,
            unit_head_id: self.acting_head(unit.and_then(|u| u.head_id)),
            parent_unit_head_id: self.acting_head(parent.and_then(|u| u.head_id)),
        })
    }

    /// A unit's `head_id` counts only while that person is active and holds the `head` role
    /// (roles and headship must agree; neither alone gives head powers).
    fn acting_head(&self, head_id: Option<i64>) -> Option<i64> {
        head_id
            .and_then(|id| self.staff.get(&id))
            .filter(|s| {
                s.active
                    && RoleSet::parse(&s.roles)
                        .unwrap_or_default()
                        .contains(Role::Head)
            })
            .map(|s| s.id)
    }
}

/// Re-resolves the approver of every submitted entry waiting for `former` (whose headship, head
/// role or account just ended), so that their powers do not outlive the role through entries
/// submitted before. Returns how many entries moved.
///
/// Batched: one query for the waiting entries, one for their owners, one for the tasks, the
/// owners' units and their parents, the supervisors and heads; then one update per new approver.
pub fn reassign_pending(conn: &mut DbConnection, former: i64) -> AppResult<usize> {
    let pending = db::entries::submitted_for_approver(conn, former)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut owner_ids: Vec<i64> = pending.iter().map(|(_, owner, _)| *owner).collect();
    owner_ids.sort_unstable();
    owner_ids.dedup();
    let owners: HashMap<i64, Staff> = db::staff::find_many(conn, &owner_ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let task_ids: Vec<i64> = pending.iter().filter_map(|(_, _, t)| *t).collect();
    let assigners: HashMap<i64, i64> = if task_ids.is_empty() {
        HashMap::new()
    } else {
        db::tasks::find_many(conn, &task_ids)?
            .into_iter()
            .map(|t| (t.id, t.assigner_id))
            .collect()
    };
    let owner_rows: Vec<Staff> = owners.values().cloned().collect();
    let people = People::load(conn, &owner_rows)?;
    // New approver → the entries that move to it (BTreeMap: a stable order of updates).
    let mut moves: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for (entry_id, owner_id, task_id) in pending {
        let Some(owner) = owners.get(&owner_id) else {
            continue;
        };
        let assigner = task_id.and_then(|t| assigners.get(&t).copied());
        let approver = people.approver_for(owner, assigner);
        if approver != Some(former) {
            moves.entry(approver).or_default().push(entry_id);
        }
    }
    let mut moved = 0;
    for (approver, ids) in moves {
        moved += db::entries::set_approver_many(conn, &ids, approver)?;
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
