//! CSV import of units and staff: everything in one transaction, or nothing with a
//! line-numbered error report.
//!
//! One file, one header row, a `kind` column saying what each line is:
//!
//! - `unit`: `code`, `name`, `level`, optional `parent_code`, `head_username`
//! - `staff`: `username`, `full_name`, `unit_code`, optional `roles` (default `staff`),
//!   `supervisor_username`, `is_leader`, `weekly_hours` (default 40), `contract_from`,
//!   `email`, `position`, `joined_on`, `left_on`, `password`
//!
//! Existing codes and usernames are updated, new ones created; references may point to rows
//! further down the file or to what is already stored.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::db::staff::StaffChanges;
use crate::db::units::{NewUnit, UnitChanges};
use crate::db::{self, DbConnection};
use crate::domain::org::{
    is_valid_code, is_valid_name, is_valid_username, move_creates_cycle, unit_path,
    weekly_minutes_from_hours, UnitLevel, DEFAULT_WEEKLY_MINUTES,
};
use crate::domain::roles::{Role, RoleSet};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::i18n::Text;
use crate::services::access::require_org_manager;
use crate::services::audit;
use crate::services::staff::{insert_person, StaffDraft};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub units_created: usize,
    pub units_updated: usize,
    pub staff_created: usize,
    pub staff_updated: usize,
}

#[derive(Debug)]
struct UnitRow {
    line: u64,
    code: String,
    name: String,
    level: UnitLevel,
    parent_code: Option<String>,
    head_username: Option<String>,
}

#[derive(Debug)]
struct StaffRow {
    line: u64,
    draft: StaffDraft,
    unit_code: Option<String>,
    supervisor_username: Option<String>,
}

struct Issues(Vec<FieldIssue>);

impl Issues {
    fn add(&mut self, line: u64, field: &str, code: &str, vi: String, en: String) {
        self.0.push(FieldIssue::new(
            format!("line {line}: {field}"),
            code,
            Text::new(vi, en),
        ));
    }
}

fn cell<'a>(
    rec: &'a csv::StringRecord,
    headers: &HashMap<String, usize>,
    name: &str,
) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|&i| rec.get(i))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "x" | "yes" | "có" | "co" => Some(true),
        "false" | "0" | "no" | "không" | "khong" => Some(false),
        _ => None,
    }
}

fn parse_date(
    issues: &mut Issues,
    line: u64,
    field: &str,
    value: Option<&str>,
) -> Option<NaiveDate> {
    let v = value?;
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            issues.add(
                line,
                field,
                "date",
                format!("Ngày '{v}' phải theo dạng YYYY-MM-DD."),
                format!("Date '{v}' must be YYYY-MM-DD."),
            );
            None
        }
    }
}

fn required<'a>(
    issues: &mut Issues,
    line: u64,
    field: &str,
    value: Option<&'a str>,
) -> Option<&'a str> {
    if value.is_none() {
        issues.add(
            line,
            field,
            "required",
            format!("Thiếu cột bắt buộc '{field}'."),
            format!("The required column '{field}' is empty."),
        );
    }
    value
}

/// Parses the whole file into rows, collecting every shape error.
fn parse(
    csv_text: &str,
    today: NaiveDate,
    min_password_length: usize,
    issues: &mut Issues,
) -> (Vec<UnitRow>, Vec<StaffRow>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers: HashMap<String, usize> = match reader.headers() {
        Ok(h) => h
            .iter()
            .enumerate()
            .map(|(i, name)| {
                (
                    name.trim()
                        .trim_start_matches('\u{feff}')
                        .to_ascii_lowercase(),
                    i,
                )
            })
            .collect(),
        Err(e) => {
            issues.add(
                1,
                "header",
                "csv",
                format!("Không đọc được dòng tiêu đề: {e}"),
                format!("Cannot read the header row: {e}"),
            );
            return (vec![], vec![]);
        }
    };
    if !headers.contains_key("kind") {
        issues.add(
            1,
            "kind",
            "required",
            "Thiếu cột 'kind' (unit hoặc staff).".into(),
            "The 'kind' column (unit or staff) is missing.".into(),
        );
        return (vec![], vec![]);
    }
    let (mut units, mut people) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let rec = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                issues.add(
                    line,
                    "row",
                    "csv",
                    format!("Dòng không đọc được: {e}"),
                    format!("Unreadable line: {e}"),
                );
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |name: &str| cell(&rec, &headers, name);
        match get("kind").map(str::to_ascii_lowercase).as_deref() {
            Some("unit") => {
                let code = required(issues, line, "code", get("code"));
                let name = required(issues, line, "name", get("name"));
                let level = required(issues, line, "level", get("level"));
                if let Some(c) = code.filter(|c| !is_valid_code(c)) {
                    issues.add(
                        line,
                        "code",
                        "format",
                        format!("Mã '{c}' chỉ gồm chữ, số, '_', '-', '.', tối đa 32 ký tự."),
                        format!("Code '{c}' must be 1-32 letters, digits, '_', '-', '.'."),
                    );
                }
                if let Some(n) = name.filter(|n| !is_valid_name(n)) {
                    issues.add(
                        line,
                        "name",
                        "length",
                        "Tên tối đa 200 ký tự.".into(),
                        format!("Name '{n}' must be 1-200 characters."),
                    );
                }
                let parsed_level = level.and_then(UnitLevel::parse);
                if let (Some(l), None) = (level, parsed_level) {
                    issues.add(line, "level", "enum", format!("Cấp '{l}' không hợp lệ (province, department, district, ward, office)."), format!("Level '{l}' is not one of province, department, district, ward, office."));
                }
                if let (Some(code), Some(name), Some(level)) = (code, name, parsed_level) {
                    units.push(UnitRow {
                        line,
                        code: code.to_string(),
                        name: name.to_string(),
                        level,
                        parent_code: get("parent_code").map(str::to_string),
                        head_username: get("head_username").map(str::to_string),
                    });
                }
            }
            Some("staff") => {
                let username = required(issues, line, "username", get("username"));
                let full_name = required(issues, line, "full_name", get("full_name"));
                if let Some(u) = username.filter(|u| !is_valid_username(u)) {
                    issues.add(line, "username", "format", format!("Tên đăng nhập '{u}' chỉ gồm chữ thường, số, '.', '_', '-', '@', 2-64 ký tự."), format!("Username '{u}' must be 2-64 lowercase letters, digits, '.', '_', '-', '@'."));
                }
                let roles = match RoleSet::parse(get("roles").unwrap_or("staff")) {
                    Ok(r) if !r.is_empty() => Some(r),
                    Ok(_) => Some(RoleSet::new([Role::Staff])),
                    Err(bad) => {
                        issues.add(
                            line,
                            "roles",
                            "enum",
                            format!(
                                "Vai trò '{bad}' không hợp lệ (staff, head, organisation, admin)."
                            ),
                            format!("Role '{bad}' is not one of staff, head, organisation, admin."),
                        );
                        None
                    }
                };
                let is_leader = match get("is_leader") {
                    None => false,
                    Some(v) => parse_bool(v).unwrap_or_else(|| {
                        issues.add(
                            line,
                            "is_leader",
                            "boolean",
                            format!("Giá trị '{v}' phải là true/false."),
                            format!("Value '{v}' must be true or false."),
                        );
                        false
                    }),
                };
                let weekly_minutes = match get("weekly_hours") {
                    None => Some(DEFAULT_WEEKLY_MINUTES),
                    Some(v) => {
                        let m = v
                            .replace(',', ".")
                            .parse::<f64>()
                            .ok()
                            .and_then(weekly_minutes_from_hours);
                        if m.is_none() {
                            issues.add(
                                line,
                                "weekly_hours",
                                "range",
                                format!("Số giờ/tuần '{v}' phải lớn hơn 0 và không quá 48."),
                                format!("Weekly hours '{v}' must be more than 0 and at most 48."),
                            );
                        }
                        m
                    }
                };
                let joined_on = parse_date(issues, line, "joined_on", get("joined_on"));
                let left_on = parse_date(issues, line, "left_on", get("left_on"));
                let contract_from = parse_date(issues, line, "contract_from", get("contract_from"))
                    .or(joined_on)
                    .unwrap_or(today);
                let password = get("password").map(str::to_string);
                if let Some(p) = &password {
                    if let Err(issue) = crate::domain::password::check_password(
                        p,
                        username.unwrap_or(""),
                        min_password_length,
                    ) {
                        issues.add(
                            line,
                            "password",
                            issue.code(),
                            issue.message_vi(),
                            issue.message_en(),
                        );
                    }
                }
                let unit_code = get("unit_code").map(str::to_string);
                if let Some(r) = &roles {
                    if r.requires_unit() && unit_code.is_none() {
                        issues.add(
                            line,
                            "unit_code",
                            "required",
                            "Cán bộ phải thuộc một đơn vị.".into(),
                            "Staff must belong to a unit.".into(),
                        );
                    }
                }
                if let (Some(username), Some(full_name), Some(roles), Some(weekly_minutes)) =
                    (username, full_name, roles, weekly_minutes)
                {
                    people.push(StaffRow {
                        line,
                        unit_code,
                        supervisor_username: get("supervisor_username").map(str::to_string),
                        draft: StaffDraft {
                            unit_id: None,
                            supervisor_id: None,
                            username: username.to_string(),
                            password,
                            full_name: full_name.to_string(),
                            email: get("email").map(str::to_string),
                            position: get("position").map(str::to_string),
                            roles,
                            is_leader,
                            weekly_minutes,
                            contract_from,
                            joined_on,
                            left_on,
                        },
                    });
                }
            }
            other => issues.add(
                line,
                "kind",
                "enum",
                format!(
                    "Loại dòng '{}' phải là unit hoặc staff.",
                    other.unwrap_or("")
                ),
                format!("Row kind '{}' must be unit or staff.", other.unwrap_or("")),
            ),
        }
    }
    // The same code or username twice in one file is ambiguous.
    let mut seen = HashSet::new();
    for u in &units {
        if !seen.insert(u.code.clone()) {
            issues.add(
                u.line,
                "code",
                "duplicate",
                format!("Mã '{}' xuất hiện nhiều lần trong tệp.", u.code),
                format!("Code '{}' appears more than once in the file.", u.code),
            );
        }
    }
    let mut seen = HashSet::new();
    for p in &people {
        if !seen.insert(p.draft.username.clone()) {
            issues.add(
                p.line,
                "username",
                "duplicate",
                format!(
                    "Tên đăng nhập '{}' xuất hiện nhiều lần trong tệp.",
                    p.draft.username
                ),
                format!(
                    "Username '{}' appears more than once in the file.",
                    p.draft.username
                ),
            );
        }
    }
    (units, people)
}

/// Applies a CSV file of units and staff, all or nothing.
pub fn import(
    conn: &mut DbConnection,
    viewer: &Viewer,
    csv_text: &str,
    today: NaiveDate,
    min_password_length: usize,
) -> AppResult<ImportSummary> {
    require_org_manager(viewer)?;
    let mut issues = Issues(Vec::new());
    let (units, people) = parse(csv_text, today, min_password_length, &mut issues);
    if units.is_empty() && people.is_empty() && issues.0.is_empty() {
        issues.add(
            1,
            "file",
            "empty",
            "Tệp không có dòng dữ liệu nào.".into(),
            "The file has no data rows.".into(),
        );
    }
    if !issues.0.is_empty() {
        return Err(AppError::Validation(issues.0));
    }
    db::write_transaction(conn, |conn| {
        let summary = apply(conn, &units, &people, &mut issues)?;
        if issues.0.is_empty() {
            audit::record(
                conn,
                Some(viewer.staff_id),
                "import",
                0,
                "import",
                None,
                None,
                None,
                Some(serde_json::json!({
                    "units_created": summary.units_created, "units_updated": summary.units_updated,
                    "staff_created": summary.staff_created, "staff_updated": summary.staff_updated,
                })),
            )?;
            Ok(summary)
        } else {
            // Rolls the transaction back: nothing of a file with errors is kept.
            Err(AppError::Validation(std::mem::take(&mut issues.0)))
        }
    })
}

fn apply(
    conn: &mut DbConnection,
    units: &[UnitRow],
    people: &[StaffRow],
    issues: &mut Issues,
) -> AppResult<ImportSummary> {
    let mut summary = ImportSummary::default();
    let now = db::now_utc();
    // Units, parents first: repeat passes until nothing more can be placed.
    let mut unit_ids: HashMap<String, (i64, String)> = HashMap::new();
    let mut pending: Vec<&UnitRow> = units.iter().collect();
    while !pending.is_empty() {
        let mut next = Vec::new();
        let before = pending.len();
        for row in pending {
            let parent = match &row.parent_code {
                None => Some(None),
                Some(pc) => match unit_ids.get(pc) {
                    Some((id, path)) => Some(Some((*id, path.clone()))),
                    None if units.iter().any(|u| &u.code == pc) => None, // placed in a later pass
                    None => db::units::find_by_code(conn, pc)?.map(|u| Some((u.id, u.path))),
                },
            };
            let Some(parent) = parent else {
                next.push(row);
                continue;
            };
            let (parent_id, parent_path) = (
                parent.as_ref().map(|p| p.0),
                parent.as_ref().map(|p| p.1.clone()),
            );
            match db::units::find_by_code(conn, &row.code)? {
                Some(existing) => {
                    let mut path = existing.path.clone();
                    if existing.parent_id != parent_id {
                        if let Some(pp) = &parent_path {
                            if move_creates_cycle(&existing.path, pp) {
                                issues.add(
                                    row.line,
                                    "parent_code",
                                    "cycle",
                                    "Không thể chuyển đơn vị vào cấp dưới của chính nó.".into(),
                                    "A unit cannot be moved under its own descendant.".into(),
                                );
                                continue;
                            }
                        }
                        path = unit_path(parent_path.as_deref(), existing.id);
                        db::units::move_subtree(conn, &existing.path, &path)?;
                    }
                    let changes = UnitChanges {
                        name: Some(row.name.clone()),
                        level: Some(row.level.as_str().to_string()),
                        parent_id: Some(parent_id),
                        ..Default::default()
                    };
                    db::units::update_versioned(
                        conn,
                        existing.id,
                        existing.version,
                        &changes,
                        now,
                    )?;
                    unit_ids.insert(row.code.clone(), (existing.id, path));
                    summary.units_updated += 1;
                }
                None => {
                    let id = db::units::insert(
                        conn,
                        NewUnit {
                            code: &row.code,
                            name: &row.name,
                            level: row.level.as_str(),
                            parent_id,
                            head_id: None,
                            path: "",
                            active: true,
                            version: 1,
                            created_at: now,
                            updated_at: now,
                        },
                        parent_path.as_deref(),
                    )?;
                    unit_ids.insert(
                        row.code.clone(),
                        (id, unit_path(parent_path.as_deref(), id)),
                    );
                    summary.units_created += 1;
                }
            }
        }
        if next.len() == before {
            for row in next {
                let pc = row.parent_code.clone().unwrap_or_default();
                issues.add(
                    row.line,
                    "parent_code",
                    "unknown_reference",
                    format!(
                        "Không tìm thấy đơn vị cấp trên '{pc}' (hoặc các đơn vị tạo thành vòng)."
                    ),
                    format!("Parent unit '{pc}' was not found (or the units form a cycle)."),
                );
            }
            break;
        }
        pending = next;
    }

    // Staff, without supervisors first (they may point to people further down).
    let mut staff_ids: HashMap<String, i64> = HashMap::new();
    for row in people {
        let unit_id = match &row.unit_code {
            None => None,
            Some(code) => match unit_ids.get(code) {
                Some((id, _)) => Some(*id),
                None => match db::units::find_by_code(conn, code)? {
                    Some(u) => Some(u.id),
                    None => {
                        issues.add(
                            row.line,
                            "unit_code",
                            "unknown_reference",
                            format!("Không tìm thấy đơn vị '{code}'."),
                            format!("Unit '{code}' was not found."),
                        );
                        continue;
                    }
                },
            },
        };
        match db::staff::find_by_username(conn, &row.draft.username)? {
            Some(existing) => {
                let d = &row.draft;
                let changes = StaffChanges {
                    unit_id: Some(unit_id),
                    full_name: Some(d.full_name.clone()),
                    email: d.email.clone().map(Some),
                    position: d.position.clone().map(Some),
                    roles: Some(d.roles.to_string()),
                    is_leader: Some(d.is_leader),
                    joined_on: d.joined_on.map(Some),
                    left_on: d.left_on.map(Some),
                    ..Default::default()
                };
                db::staff::update_versioned(conn, existing.id, None, &changes, now)?;
                if let Some(p) = &d.password {
                    // A password set by the import is a reset: chosen anew at next login.
                    let hash = crate::auth::password::hash_password(p)?;
                    db::staff::set_password(conn, existing.id, &hash, true, now)?;
                }
                let roles_changed = RoleSet::parse(&existing.roles).unwrap_or_default() != d.roles;
                if d.password.is_some() || roles_changed {
                    crate::services::auth::end_sessions(conn, existing.id, now)?;
                }
                db::staff::upsert_contract(conn, existing.id, d.contract_from, d.weekly_minutes)?;
                crate::services::rollups::refresh_people_everywhere(conn, &[existing.id])?;
                staff_ids.insert(d.username.clone(), existing.id);
                summary.staff_updated += 1;
            }
            None => {
                let mut draft = row.draft.clone();
                draft.unit_id = unit_id;
                let id = insert_person(conn, &draft)?;
                staff_ids.insert(draft.username.clone(), id);
                summary.staff_created += 1;
            }
        }
    }

    let find_person = |conn: &mut DbConnection, username: &str| -> AppResult<Option<i64>> {
        if let Some(id) = staff_ids.get(username) {
            return Ok(Some(*id));
        }
        Ok(db::staff::find_by_username(conn, username)?.map(|s| s.id))
    };
    for row in people {
        let Some(sup) = &row.supervisor_username else {
            continue;
        };
        let (Some(me), Some(sup_id)) = (
            find_person(conn, &row.draft.username)?,
            find_person(conn, sup)?,
        ) else {
            issues.add(
                row.line,
                "supervisor_username",
                "unknown_reference",
                format!("Không tìm thấy cấp trên '{sup}'."),
                format!("Supervisor '{sup}' was not found."),
            );
            continue;
        };
        if me == sup_id {
            issues.add(
                row.line,
                "supervisor_username",
                "self",
                "Không thể là cấp trên của chính mình.".into(),
                "A person cannot be their own supervisor.".into(),
            );
            continue;
        }
        let changes = StaffChanges {
            supervisor_id: Some(Some(sup_id)),
            ..Default::default()
        };
        db::staff::update_versioned(conn, me, None, &changes, now)?;
    }
    // Cycles in the chain of command created by this file.
    for row in people {
        if row.supervisor_username.is_none() {
            continue;
        }
        let Some(me) = find_person(conn, &row.draft.username)? else {
            continue;
        };
        let mut cursor = db::staff::supervisor_of(conn, me)?;
        let mut steps = 0;
        while let Some(c) = cursor {
            steps += 1;
            if c == me || steps > 256 {
                issues.add(
                    row.line,
                    "supervisor_username",
                    "cycle",
                    "Quan hệ cấp trên tạo thành vòng.".into(),
                    "The supervisor relations form a cycle.".into(),
                );
                break;
            }
            cursor = db::staff::supervisor_of(conn, c)?;
        }
    }
    for row in units {
        let Some(head) = &row.head_username else {
            continue;
        };
        let Some((unit_id, _)) = unit_ids.get(&row.code) else {
            continue;
        };
        let head_id = find_person(conn, head)?;
        let member = match head_id {
            Some(h) => db::staff::find(conn, h)?.is_some_and(|s| s.unit_id == Some(*unit_id)),
            None => false,
        };
        if !member {
            issues.add(
                row.line,
                "head_username",
                "not_a_member",
                format!(
                    "Thủ trưởng '{head}' phải là cán bộ của đơn vị '{}'.",
                    row.code
                ),
                format!("Head '{head}' must be a member of unit '{}'.", row.code),
            );
            continue;
        }
        let holds_role = match head_id {
            Some(h) => db::staff::find(conn, h)?.is_some_and(|s| {
                RoleSet::parse(&s.roles)
                    .unwrap_or_default()
                    .contains(Role::Head)
            }),
            None => false,
        };
        if !holds_role {
            issues.add(
                row.line,
                "head_username",
                "not_head_role",
                format!("Thủ trưởng '{head}' phải có vai trò head."),
                format!("Head '{head}' must hold the head role."),
            );
            continue;
        }
        db::units::set_head(conn, *unit_id, head_id)?;
    }
    // Roles and headship agree: nobody imported keeps heading a unit without the head role, or
    // heads a unit they no longer belong to.
    for row in people {
        let Some(id) = staff_ids.get(&row.draft.username) else {
            continue;
        };
        let Some(person) = db::staff::find(conn, *id)? else {
            continue;
        };
        let holds_role = row.draft.roles.contains(Role::Head);
        for (unit_id, code) in db::units::headed_by(conn, *id)? {
            if !holds_role || person.unit_id != Some(unit_id) {
                issues.add(
                    row.line,
                    "roles",
                    "heads_unit",
                    format!(
                        "'{}' đang là thủ trưởng đơn vị {code}: phải giữ vai trò head và thuộc đơn vị đó (hoặc chỉ định thủ trưởng khác).",
                        row.draft.username
                    ),
                    format!(
                        "'{}' is the head of unit {code}: they must keep the head role and belong to that unit (or name another head).",
                        row.draft.username
                    ),
                );
            }
        }
    }
    Ok(summary)
}
