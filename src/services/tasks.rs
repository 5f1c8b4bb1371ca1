//! Assigned tasks (nhiệm vụ được giao): one owner, an assigner and a due date. "Whoever assigns
//! evaluates" (Long Biên): the assigner approves the diary lines linked to the task (see
//! `services::entries`) and its completion date feeds the `progress` part of the KPI
//! (`domain::kpi::delays`).

use chrono::{Duration, NaiveDate};

use crate::db::staff::Staff;
use crate::db::tasks::{NewTask, Task, TaskChanges, TaskListFilter};
use crate::db::{self, DbConnection};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::access::check_version;
use crate::services::{audit, Page, Paging};

/// How far in the past a due date or a completion date may lie (one year, leap day included).
pub const MAX_DAYS_IN_PAST: i64 = 366;

pub use crate::domain::tasks::{TaskKind, TaskState};

/// Missed due dates of a task as of `today` (the rule is `domain::tasks::delays_as_of`).
pub fn delays_of(task: &Task, today: NaiveDate) -> i32 {
    crate::domain::tasks::delays_as_of(
        TaskState::parse(&task.state),
        task.due_date,
        task.completed_on,
        today,
    )
}

/// A new task as the assigner sent it.
#[derive(Debug, Clone)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    pub owner_id: i64,
    pub due_date: NaiveDate,
    pub kind: TaskKind,
}

/// Changes the assigner may make; the only state they may set is `cancelled`.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub state: Option<TaskState>,
}

fn state_of(task: &Task) -> AppResult<TaskState> {
    TaskState::parse(&task.state)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown task state {}", task.state)))
}

fn unit_path(conn: &mut DbConnection, unit_id: Option<i64>) -> AppResult<Option<String>> {
    Ok(match unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    })
}

fn check_not_too_old(field: &str, day: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if day < today - Duration::days(MAX_DAYS_IN_PAST) {
        return Err(AppError::validation(
            field,
            "too_old",
            &format!("Ngày không được sớm hơn {MAX_DAYS_IN_PAST} ngày trước hôm nay."),
            &format!("The date may not be more than {MAX_DAYS_IN_PAST} days in the past."),
        ));
    }
    Ok(())
}

/// Whether the caller may give `owner` a task: the organisation to anyone, a head to people of
/// their subtree, anyone to their direct subordinates and to themselves.
fn may_assign(viewer: &Viewer, owner: &Staff, owner_path: Option<&str>) -> bool {
    viewer.is_org_wide()
        || owner.id == viewer.staff_id
        || owner.supervisor_id == Some(viewer.staff_id)
        || viewer.can_see_person(owner.id, owner_path)
}

/// Whether the caller knows this person at all (to choose 403 over 404): people they may read,
/// and colleagues of their own unit.
fn knows_person(viewer: &Viewer, owner: &Staff, owner_path: Option<&str>) -> bool {
    viewer.can_see_person(owner.id, owner_path)
        || (owner.unit_id.is_some() && owner.unit_id == viewer.unit_id)
}

/// Assigns a task; the caller becomes its assigner (and so the approver of its diary lines).
pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    draft: TaskDraft,
    today: NaiveDate,
) -> AppResult<Task> {
    db::write_transaction(conn, |conn| {
        let owner = db::staff::find(conn, draft.owner_id)?.ok_or(AppError::NotFound)?;
        let owner_path = unit_path(conn, owner.unit_id)?;
        if !may_assign(viewer, &owner, owner_path.as_deref()) {
            return Err(if knows_person(viewer, &owner, owner_path.as_deref()) {
                AppError::forbidden(
                    "Bạn chỉ được giao việc cho chính mình, cấp dưới trực tiếp hoặc người trong đơn vị bạn phụ trách.",
                    "You may assign tasks only to yourself, your direct subordinates or people of the units you head.",
                )
            } else {
                AppError::NotFound
            });
        }
        let unit_id = match owner.unit_id {
            Some(u) if owner.active => u,
            _ => {
                return Err(AppError::validation(
                    "owner_id",
                    "invalid_owner",
                    "Người được giao phải đang hoạt động và thuộc một đơn vị.",
                    "The owner must be active and belong to a unit.",
                ))
            }
        };
        check_not_too_old("due_date", draft.due_date, today)?;
        let now = db::now_utc();
        let id = db::tasks::insert(
            conn,
            &NewTask {
                title: draft.title.clone(),
                description: draft.description.clone(),
                owner_id: owner.id,
                assigner_id: viewer.staff_id,
                unit_id,
                kind: draft.kind.as_str().to_string(),
                due_date: draft.due_date,
                state: TaskState::Open.as_str().to_string(),
                version: 1,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "task",
            id,
            "create",
            None,
            Some(TaskState::Open.as_str()),
            None,
            Some(serde_json::json!({
                "owner_id": owner.id,
                "due_date": draft.due_date,
                "kind": draft.kind.as_str(),
            })),
        )?;
        db::tasks::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Whether the caller may read a task: its owner and assigner, heads of the task's unit subtree,
/// the organisation.
fn visible(conn: &mut DbConnection, viewer: &Viewer, task: &Task) -> AppResult<bool> {
    if viewer.is_org_wide()
        || task.owner_id == viewer.staff_id
        || task.assigner_id == viewer.staff_id
    {
        return Ok(true);
    }
    let path = unit_path(conn, Some(task.unit_id))?;
    Ok(viewer.can_see_person(task.owner_id, path.as_deref()))
}

fn load_visible(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Task> {
    let task = db::tasks::find(conn, id)?.ok_or(AppError::NotFound)?;
    if visible(conn, viewer, &task)? {
        Ok(task)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn get(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Task> {
    load_visible(conn, viewer, id)
}

/// Tasks the caller owns or assigned; with `owner_id`, the tasks of that person (themselves, or
/// someone in the scope of a head or the organisation).
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    owner_id: Option<i64>,
    state: Option<TaskState>,
    paging: Paging,
) -> AppResult<Page<Task>> {
    let involving = match owner_id {
        None => Some(viewer.staff_id),
        Some(o) if o == viewer.staff_id => None,
        Some(o) => {
            let person = db::staff::find(conn, o)?.ok_or(AppError::NotFound)?;
            let path = unit_path(conn, person.unit_id)?;
            if !viewer.can_see_person(o, path.as_deref()) {
                return Err(AppError::NotFound);
            }
            None
        }
    };
    let rows = db::tasks::list(
        conn,
        &TaskListFilter {
            involving,
            owner_id,
            state: state.map(|s| s.as_str().to_string()),
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |t| t.id))
}

fn require_assigner(viewer: &Viewer, task: &Task) -> AppResult<()> {
    if task.assigner_id == viewer.staff_id || viewer.is_org_wide() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Chỉ người giao việc (hoặc Ban Tổ chức) được sửa hoặc huỷ nhiệm vụ.",
            "Only the assigner (or the organisation department) may edit or cancel a task.",
        ))
    }
}

fn refuse_unless_open(state: TaskState) -> AppResult<()> {
    match state {
        TaskState::Open => Ok(()),
        TaskState::Completed => Err(AppError::conflict(
            "Nhiệm vụ đã hoàn thành, không thể thay đổi.",
            "The task is completed and can no longer be changed.",
        )),
        TaskState::Cancelled => Err(AppError::conflict(
            "Nhiệm vụ đã bị huỷ, không thể thay đổi.",
            "The task is cancelled and can no longer be changed.",
        )),
    }
}

/// Edits an open task or cancels it (assigner or organisation, with the version read).
pub fn update(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: i64,
    patch: TaskPatch,
    today: NaiveDate,
) -> AppResult<Task> {
    let cancel = match patch.state {
        None => false,
        Some(TaskState::Cancelled) => true,
        Some(_) => {
            return Err(AppError::validation(
                "state",
                "invalid",
                "Chỉ có thể đặt trạng thái 'cancelled' (huỷ); báo hoàn thành qua /complete.",
                "state may only be set to 'cancelled'; use /complete to complete a task.",
            ))
        }
    };
    db::write_transaction(conn, |conn| {
        let task = load_visible(conn, viewer, id)?;
        require_assigner(viewer, &task)?;
        check_version(expected_version, task.version)?;
        let from = state_of(&task)?;
        refuse_unless_open(from)?;
        if let Some(due) = patch.due_date {
            if due != task.due_date {
                check_not_too_old("due_date", due, today)?;
            }
        }
        if patch.title.is_none()
            && patch.description.is_none()
            && patch.due_date.is_none()
            && !cancel
        {
            return Ok(task);
        }
        let to = if cancel { TaskState::Cancelled } else { from };
        let changes = TaskChanges {
            title: patch.title.clone(),
            description: patch.description.clone(),
            due_date: patch.due_date,
            state: cancel.then(|| to.as_str().to_string()),
            completed_on: None,
        };
        if !db::tasks::update_versioned(conn, id, expected_version, &changes, db::now_utc())? {
            return Err(crate::services::access::stale());
        }
        let detail = serde_json::json!({
            "title": patch.title,
            "description": patch.description.as_ref().map(|_| "changed"),
            "due_date": patch.due_date,
        });
        if cancel {
            audit::record(
                conn,
                Some(viewer.staff_id),
                "task",
                id,
                "cancel",
                Some(from.as_str()),
                Some(to.as_str()),
                None,
                Some(detail),
            )?;
        } else {
            audit::record(
                conn,
                Some(viewer.staff_id),
                "task",
                id,
                "update",
                None,
                None,
                None,
                Some(detail),
            )?;
        }
        db::tasks::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// The owner reports the task done on `completed_on` (default: today). `If-Match` optional.
pub fn complete(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    completed_on: Option<NaiveDate>,
    expected_version: Option<i64>,
    today: NaiveDate,
) -> AppResult<Task> {
    db::write_transaction(conn, |conn| {
        let task = load_visible(conn, viewer, id)?;
        if task.owner_id != viewer.staff_id {
            return Err(AppError::forbidden(
                "Chỉ người được giao nhiệm vụ mới được báo hoàn thành.",
                "Only the task's owner may report it completed.",
            ));
        }
        if let Some(v) = expected_version {
            check_version(v, task.version)?;
        }
        let from = state_of(&task)?;
        refuse_unless_open(from)?;
        let done = completed_on.unwrap_or(today);
        if done > today {
            return Err(AppError::validation(
                "completed_on",
                "future_date",
                "Ngày hoàn thành không được ở tương lai.",
                "The completion date may not be in the future.",
            ));
        }
        check_not_too_old("completed_on", done, today)?;
        let to = TaskState::Completed;
        let changes = TaskChanges {
            state: Some(to.as_str().to_string()),
            completed_on: Some(Some(done)),
            ..Default::default()
        };
        if !db::tasks::update_versioned(conn, id, task.version, &changes, db::now_utc())? {
            return Err(crate::services::access::stale());
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "task",
            id,
            "complete",
            Some(from.as_str()),
            Some(to.as_str()),
            None,
            Some(serde_json::json!({
                "completed_on": done,
                "delays": crate::domain::kpi::delays(task.due_date, done),
            })),
        )?;
        db::tasks::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_round_trip() {
        for k in [TaskKind::Planned, TaskKind::AdHoc] {
            assert_eq!(TaskKind::parse(k.as_str()), Some(k));
        }
        for s in [TaskState::Open, TaskState::Completed, TaskState::Cancelled] {
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
        }
        assert_eq!(TaskState::parse("done"), None);
        assert_eq!(TaskKind::default(), TaskKind::Planned);
    }
}
