//! People of the organisation: create, read (scoped), update with optimistic concurrency,
//! contracts, and the first administrator.

use chrono::NaiveDate;

use crate::auth::password::hash_password;
use crate::config::BootstrapSettings;
use crate::db::staff::{Contract, NewStaff, Staff, StaffChanges, StaffListFilter};
use crate::db::{self, DbConnection};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::access::{check_version, readable_unit_ids, require_org_manager, stale};
use crate::services::{audit, Page, Paging};

/// A person with their contract history.
#[derive(Debug, Clone)]
pub struct StaffRecord {
    pub staff: Staff,
    pub contracts: Vec<Contract>,
}

impl StaffRecord {
    /// The weekly contract minutes in force on `day` (None before the first contract).
    pub fn weekly_minutes_on(&self, day: NaiveDate) -> Option<i32> {
        self.contracts
            .iter()
            .filter(|c| c.effective_from <= day)
            .max_by_key(|c| c.effective_from)
            .map(|c| c.weekly_minutes)
    }
}

#[derive(Debug, Clone)]
pub struct StaffDraft {
    pub unit_id: Option<i64>,
    pub supervisor_id: Option<i64>,
    pub username: String,
    pub password: Option<String>,
    pub full_name: String,
    pub email: Option<String>,
    pub position: Option<String>,
    pub roles: RoleSet,
    pub is_leader: bool,
    pub weekly_minutes: i32,
    pub contract_from: NaiveDate,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct StaffPatch {
    pub unit_id: Option<Option<i64>>,
    pub supervisor_id: Option<Option<i64>>,
    pub password: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<Option<String>>,
    pub position: Option<Option<String>>,
    pub roles: Option<RoleSet>,
    pub is_leader: Option<bool>,
    pub joined_on: Option<Option<NaiveDate>>,
    pub left_on: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
    /// A new contract: weekly minutes from a date.
    pub contract: Option<(i32, NaiveDate)>,
}

fn load_record(conn: &mut DbConnection, id: i64) -> AppResult<StaffRecord> {
    let staff = db::staff::find(conn, id)?.ok_or(AppError::NotFound)?;
    let contracts = db::staff::contracts_of(conn, &[id])?;
    Ok(StaffRecord { staff, contracts })
}

fn unit_exists(conn: &mut DbConnection, unit_id: i64) -> AppResult<()> {
    match db::units::find(conn, unit_id)? {
        Some(_) => Ok(()),
        None => Err(AppError::validation(
            "unit_id",
            "unknown_reference",
            "Đơn vị không tồn tại.",
            "The unit does not exist.",
        )),
    }
}

fn check_roles_and_unit(roles: &RoleSet, unit_id: Option<i64>) -> AppResult<()> {
    if roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "required",
            "Cần ít nhất một vai trò.",
            "At least one role is required.",
        ));
    }
    if roles.requires_unit() && unit_id.is_none() {
        return Err(AppError::validation(
            "unit_id",
            "required",
            "Cán bộ có vai trò staff hoặc head phải thuộc một đơn vị.",
            "People with the staff or head role must belong to a unit.",
        ));
    }
    Ok(())
}

fn check_dates(joined: Option<NaiveDate>, left: Option<NaiveDate>) -> AppResult<()> {
    match (joined, left) {
        (Some(j), Some(l)) if l < j => Err(AppError::validation(
            "left_on",
            "before_joined_on",
            "Ngày nghỉ việc không được trước ngày vào làm.",
            "The leaving date cannot be before the joining date.",
        )),
        _ => Ok(()),
    }
}

/// The supervisor must exist, be active, not be the person, and not be one of the person's own
/// subordinates (no cycles in the chain of command).
fn check_supervisor(
    conn: &mut DbConnection,
    person: Option<i64>,
    supervisor: i64,
) -> AppResult<()> {
    let invalid =
        |code: &str, vi: &str, en: &str| AppError::validation("supervisor_id", code, vi, en);
    if Some(supervisor) == person {
        return Err(invalid(
            "self",
            "Không thể là cấp trên trực tiếp của chính mình.",
            "A person cannot be their own supervisor.",
        ));
    }
    if db::staff::find(conn, supervisor)?
        .filter(|s| s.active)
        .is_none()
    {
        return Err(invalid(
            "unknown_reference",
            "Cấp trên trực tiếp không tồn tại hoặc đã nghỉ.",
            "The supervisor does not exist or is inactive.",
        ));
    }
    if let Some(person) = person {
        let mut cursor = Some(supervisor);
        let mut steps = 0;
        while let Some(current) = cursor {
            if current == person {
                return Err(invalid(
                    "cycle",
                    "Cấp trên được chọn đang là cấp dưới của người này.",
                    "The chosen supervisor reports (directly or not) to this person.",
                ));
            }
            steps += 1;
            if steps > 256 {
                break;
            }
            cursor = db::staff::supervisor_of(conn, current)?;
        }
    }
    Ok(())
}

/// Refuses a new password that breaks the policy (`domain::password`), naming `field`.
pub fn check_new_password(
    field: &str,
    password: &str,
    username: &str,
    min_length: usize,
) -> AppResult<()> {
    crate::domain::password::check_password(password, username, min_length).map_err(|issue| {
        AppError::Validation(vec![crate::error::FieldIssue::new(
            field,
            issue.code(),
            crate::i18n::Text::new(issue.message_vi(), issue.message_en()),
        )])
    })
}

/// Roles and headship agree: a person who heads a unit keeps the `head` role and stays a member
/// of that unit; the change is refused (422 naming the unit) until the unit gets another head.
fn check_headship(
    conn: &mut DbConnection,
    id: i64,
    roles: &RoleSet,
    unit_id: Option<i64>,
) -> AppResult<()> {
    let headed = db::units::headed_by(conn, id)?;
    if !roles.contains(Role::Head) {
        if let Some((_, code)) = headed.first() {
            return Err(AppError::validation(
                "roles",
                "heads_unit",
                &format!("Người này đang là thủ trưởng đơn vị {code}: hãy chỉ định thủ trưởng khác (hoặc bỏ trống) trước khi bỏ vai trò head."),
                &format!("This person is the head of unit {code}: name another head (or none) before removing the head role."),
            ));
        }
    }
    if let Some((_, code)) = headed.iter().find(|(u, _)| Some(*u) != unit_id) {
        return Err(AppError::validation(
            "unit_id",
            "heads_unit",
            &format!("Người này đang là thủ trưởng đơn vị {code}: hãy chỉ định thủ trưởng khác trước khi chuyển đơn vị."),
            &format!("This person is the head of unit {code}: name another head before moving them to another unit."),
        ));
    }
    Ok(())
}

fn duplicate_username() -> AppError {
    AppError::conflict(
        "Tên đăng nhập đã tồn tại.",
        "This username is already taken.",
    )
}

/// Inserts a person and their first contract; used by the API, the CSV import and the CLI.
/// Reference checks are the caller's; this only writes.
pub(crate) fn insert_person(conn: &mut DbConnection, draft: &StaffDraft) -> AppResult<i64> {
    if db::staff::find_by_username(conn, &draft.username)?.is_some() {
        return Err(duplicate_username());
    }
    let password_hash = match &draft.password {
        Some(p) => Some(hash_password(p)?),
        None => None,
    };
    let now = db::now_utc();
    let id = db::staff::insert(
        conn,
        &NewStaff {
            unit_id: draft.unit_id,
            supervisor_id: draft.supervisor_id,
            username: draft.username.clone(),
            password_hash,
            full_name: draft.full_name.clone(),
            email: draft.email.clone(),
            position: draft.position.clone(),
            roles: draft.roles.to_string(),
            is_leader: draft.is_leader,
            joined_on: draft.joined_on,
            left_on: draft.left_on,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    db::staff::upsert_contract(conn, id, draft.contract_from, draft.weekly_minutes)?;
    // A new active member counts in the weeks already built (maintained rollups).
    crate::services::rollups::refresh_people_everywhere(conn, &[id])?;
    Ok(id)
}

pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    draft: StaffDraft,
    min_password_length: usize,
) -> AppResult<StaffRecord> {
    require_org_manager(viewer)?;
    check_roles_and_unit(&draft.roles, draft.unit_id)?;
    check_dates(draft.joined_on, draft.left_on)?;
    if let Some(p) = &draft.password {
        check_new_password("password", p, &draft.username, min_password_length)?;
    }
    db::write_transaction(conn, |conn| {
        if let Some(unit) = draft.unit_id {
            unit_exists(conn, unit)?;
        }
        if let Some(sup) = draft.supervisor_id {
            check_supervisor(conn, None, sup)?;
        }
        let id = insert_person(conn, &draft)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "staff",
            id,
            "create",
            None,
            None,
            None,
            None,
        )?;
        load_record(conn, id)
    })
}

/// The path of a person's unit (for visibility).
fn unit_path_of(conn: &mut DbConnection, staff: &Staff) -> AppResult<Option<String>> {
    Ok(match staff.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    })
}

pub fn get(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<StaffRecord> {
    let record = load_record(conn, id)?;
    let path = unit_path_of(conn, &record.staff)?;
    if viewer.can_see_person(id, path.as_deref()) {
        Ok(record)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
    active: Option<bool>,
    paging: Paging,
) -> AppResult<Page<StaffRecord>> {
    let unit_ids = readable_unit_ids(conn, viewer)?;
    // Plain staff (no subtree) see only themselves.
    let only_id = match &unit_ids {
        Some(ids) if ids.is_empty() => Some(viewer.staff_id),
        _ => None,
    };
    let rows = db::staff::list(
        conn,
        &StaffListFilter {
            unit_ids: if only_id.is_some() { None } else { unit_ids },
            only_id,
            unit_id,
            active,
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    let page = Page::from_overfetch(rows, paging.limit, |s| s.id);
    let ids: Vec<i64> = page.items.iter().map(|s| s.id).collect();
    let mut contracts = db::staff::contracts_of(conn, &ids)?;
    Ok(page.map(|staff| {
        let mine = contracts
            .iter()
            .filter(|c| c.staff_id == staff.id)
            .cloned()
            .collect();
        contracts.retain(|c| c.staff_id != staff.id);
        StaffRecord {
            staff,
            contracts: mine,
        }
    }))
}

pub fn update(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: i64,
    patch: StaffPatch,
    min_password_length: usize,
) -> AppResult<StaffRecord> {
    require_org_manager(viewer)?;
    if id == viewer.staff_id && patch.active == Some(false) {
        return Err(AppError::conflict(
            "Không thể tự vô hiệu hoá tài khoản của mình.",
            "You cannot deactivate your own account.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let current = db::staff::find(conn, id)?.ok_or(AppError::NotFound)?;
        check_version(expected_version, current.version)?;
        let roles = patch
            .roles
            .clone()
            .unwrap_or_else(|| RoleSet::parse(&current.roles).unwrap_or_default());
        let unit_id = patch.unit_id.unwrap_or(current.unit_id);
        check_roles_and_unit(&roles, unit_id)?;
        check_headship(conn, id, &roles, unit_id)?;
        if let Some(p) = &patch.password {
            check_new_password("password", p, &current.username, min_password_length)?;
        }
        let roles_changed = patch
            .roles
            .as_ref()
            .is_some_and(|r| *r != RoleSet::parse(&current.roles).unwrap_or_default());
        check_dates(
            patch.joined_on.unwrap_or(current.joined_on),
            patch.left_on.unwrap_or(current.left_on),
        )?;
        if let Some(Some(unit)) = patch.unit_id {
            unit_exists(conn, unit)?;
        }
        if let Some(Some(sup)) = patch.supervisor_id {
            check_supervisor(conn, Some(id), sup)?;
        }
        let changes = StaffChanges {
            unit_id: patch.unit_id,
            supervisor_id: patch.supervisor_id,
            password_hash: None,
            full_name: patch.full_name.clone(),
            email: patch.email.clone(),
            position: patch.position.clone(),
            roles: patch.roles.as_ref().map(|r| r.to_string()),
            is_leader: patch.is_leader,
            joined_on: patch.joined_on,
            left_on: patch.left_on,
            active: patch.active,
        };
        let now = db::now_utc();
        if !db::staff::update_versioned(conn, id, Some(expected_version), &changes, now)? {
            return Err(stale());
        }
        if let Some((minutes, from)) = patch.contract {
            db::staff::upsert_contract(conn, id, from, minutes)?;
        }
        // Unit, state, dates and contract shape the person's weeks (maintained rollups).
        let shapes_weeks = patch.unit_id.is_some()
            || patch.active.is_some()
            || patch.joined_on.is_some()
            || patch.left_on.is_some()
            || patch.contract.is_some();
        if shapes_weeks {
            crate::services::rollups::refresh_people_everywhere(conn, &[id])?;
        }
        if let Some(p) = &patch.password {
            // A password set by someone else is a reset: the person chooses their own at next
            // login (their own change through this route is not).
            db::staff::set_password(conn, id, &hash_password(p)?, id != viewer.staff_id, now)?;
        }
        if patch.active == Some(false) || patch.password.is_some() || roles_changed {
            // Deactivation, password and role changes end every session of the person: refresh
            // tokens are revoked and access tokens carry a session version that is now stale.
            crate::services::auth::end_sessions(conn, id, now)?;
        }
        if patch.active == Some(false) || roles_changed {
            // Entries submitted to this person before go to whoever decides now.
            crate::services::approvers::reassign_pending(conn, id)?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "staff",
            id,
            "update",
            None,
            None,
            None,
            Some(serde_json::json!({
                "unit_id": patch.unit_id, "supervisor_id": patch.supervisor_id,
                "password_changed": patch.password.is_some(), "full_name": patch.full_name,
                "roles": patch.roles.as_ref().map(|r| r.to_string()),
                "is_leader": patch.is_leader, "active": patch.active,
                "sessions_ended": patch.active == Some(false) || patch.password.is_some() || roles_changed,
                "contract": patch.contract.map(|(m, d)| serde_json::json!({"weekly_minutes": m, "effective_from": d})),
            })),
        )?;
        load_record(conn, id)
    })
}

/// Creates an administrator account (the `create-admin` command, or bootstrap settings).
pub fn create_admin(
    conn: &mut DbConnection,
    username: &str,
    password: &str,
    full_name: &str,
    today: NaiveDate,
) -> AppResult<i64> {
    db::write_transaction(conn, |conn| {
        let id = insert_person(
            conn,
            &StaffDraft {
                unit_id: None,
                supervisor_id: None,
                username: username.to_string(),
                password: Some(password.to_string()),
                full_name: full_name.to_string(),
                email: None,
                position: None,
                roles: RoleSet::new([Role::Admin]),
                is_leader: false,
                weekly_minutes: crate::domain::org::DEFAULT_WEEKLY_MINUTES,
                contract_from: today,
                joined_on: None,
                left_on: None,
            },
        )?;
        audit::record(
            conn,
            None,
            "staff",
            id,
            "create_admin",
            None,
            None,
            None,
            None,
        )?;
        Ok(id)
    })
}

/// Creates the configured first administrator when there is no administrator yet.
pub fn bootstrap_admin(
    conn: &mut DbConnection,
    settings: &BootstrapSettings,
    min_password_length: usize,
) -> anyhow::Result<()> {
    let (Some(user), Some(pass)) = (&settings.admin_username, &settings.admin_password) else {
        return Ok(());
    };
    if db::staff::any_admin(conn)? {
        return Ok(());
    }
    if let Err(issue) = crate::domain::password::check_password(pass, user, min_password_length) {
        anyhow::bail!("bootstrap.admin_password: {}", issue.message_en());
    }
    let today = chrono::Utc::now().date_naive();
    create_admin(conn, user, pass, "Administrator", today)
        .map_err(|e| anyhow::anyhow!("bootstrap admin: {e}"))?;
    tracing::info!(username = %user, "bootstrap administrator created");
    Ok(())
}
