//! `/staff`: people, their roles, supervisor and contracts; `/staff/import` for CSV files.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::domain::org::{is_valid_username, weekly_minutes_from_hours};
use crate::domain::roles::{Role, RoleSet};
use crate::error::{AppError, Problem};
use crate::routes::{
    created_versioned, double_option, if_match, local_today, ok_versioned, rule_error, utc, Page,
    PageQuery, ValidJson,
};
use crate::services::staff::StaffRecord;
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_staff)
        .service(create_staff)
        .service(import_staff)
        .service(get_staff)
        .service(update_staff);
}

/// A weekly contract from a date.
#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct ContractView {
    /// First day the contract applies.
    pub effective_from: NaiveDate,
    /// Contract hours per week (40 = full time).
    #[schema(example = 40.0)]
    pub weekly_hours: f64,
}

/// A person of the organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Id.
    pub id: i64,
    /// Unit (null only for system accounts).
    pub unit_id: Option<i64>,
    /// Direct supervisor.
    pub supervisor_id: Option<i64>,
    /// Login name.
    pub username: String,
    /// Full name (Vietnamese).
    #[schema(example = "Nguyễn Thị Ánh")]
    pub full_name: String,
    /// Email.
    pub email: Option<String>,
    /// Position (chức vụ).
    pub position: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Holds a leadership post (KPI blends the unit's results).
    pub is_leader: bool,
    /// Contract hours per week in force today.
    pub weekly_hours: Option<f64>,
    /// Contract history.
    pub contracts: Vec<ContractView>,
    /// Joining date.
    pub joined_on: Option<NaiveDate>,
    /// Leaving date.
    pub left_on: Option<NaiveDate>,
    /// Can log in and be graded.
    pub active: bool,
    /// Whether a password is set.
    pub has_password: bool,
    /// Version for `If-Match`.
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

fn hours(minutes: i32) -> f64 {
    f64::from(minutes) / 60.0
}

impl StaffView {
    pub fn from_record(r: StaffRecord, today: NaiveDate) -> StaffView {
        let weekly_hours = r.weekly_minutes_on(today).map(hours);
        let s = r.staff;
        StaffView {
            id: s.id,
            unit_id: s.unit_id,
            supervisor_id: s.supervisor_id,
            username: s.username,
            full_name: s.full_name,
            email: s.email,
            position: s.position,
            roles: RoleSet::parse(&s.roles).unwrap_or_default().to_vec(),
            is_leader: s.is_leader,
            weekly_hours,
            contracts: r
                .contracts
                .iter()
                .map(|c| ContractView {
                    effective_from: c.effective_from,
                    weekly_hours: hours(c.weekly_minutes),
                })
                .collect(),
            joined_on: s.joined_on,
            left_on: s.left_on,
            active: s.active,
            has_password: s.password_hash.is_some(),
            version: s.version,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

fn username_rule(u: &str) -> Result<(), validator::ValidationError> {
    if is_valid_username(u) {
        Ok(())
    } else {
        Err(rule_error(
            "format",
            "Tên đăng nhập gồm 2-64 ký tự: chữ thường, số, '.', '_', '-', '@'.",
            "Usernames are 2-64 lowercase letters, digits, '.', '_', '-', '@'.",
        ))
    }
}

/// The floor every configuration shares (NIST: never fewer than 8) and the ceiling, so that a
/// hopeless password is listed with the other invalid fields; the configured length, the
/// username and the common-password list are checked by the service, which knows the username.
fn password_rule(p: &str) -> Result<(), validator::ValidationError> {
    let n = p.chars().count();
    if (crate::domain::password::ABSOLUTE_MIN_LENGTH..=crate::domain::password::MAX_LENGTH)
        .contains(&n)
    {
        Ok(())
    } else {
        Err(rule_error(
            "length",
            "Mật khẩu phải từ 8 đến 128 ký tự (chính sách có thể đòi dài hơn, mặc định 10).",
            "Passwords are 8 to 128 characters (the policy may require more, 10 by default).",
        ))
    }
}

fn hours_rule(h: f64) -> Result<(), validator::ValidationError> {
    if weekly_minutes_from_hours(h).is_some() {
        Ok(())
    } else {
        Err(rule_error(
            "range",
            "Số giờ/tuần phải lớn hơn 0 và không quá 48.",
            "Weekly hours must be more than 0 and at most 48.",
        ))
    }
}

fn roles_rule(r: &[Role]) -> Result<(), validator::ValidationError> {
    if r.is_empty() {
        Err(rule_error(
            "required",
            "Cần ít nhất một vai trò.",
            "At least one role is required.",
        ))
    } else {
        Ok(())
    }
}

/// A new person.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 2, "username": "nguyen.anh", "password": "Mat-khau-123", "full_name": "Nguyễn Thị Ánh", "roles": ["staff"], "supervisor_id": 3, "weekly_hours": 40, "joined_on": "2025-01-02"}))]
pub struct CreateStaff {
    /// Unit (required for `staff` and `head`).
    pub unit_id: Option<i64>,
    /// Direct supervisor.
    pub supervisor_id: Option<i64>,
    /// Login name.
    #[validate(custom(function = "username_rule"))]
    pub username: String,
    /// Initial password (omit: the person cannot log in until one is set): at least
    /// `auth.min_password_length` characters (default 10), not the username, not a common password.
    #[validate(custom(function = "password_rule"))]
    pub password: Option<String>,
    /// Full name.
    #[validate(length(min = 1, max = 200))]
    pub full_name: String,
    /// Email.
    #[validate(email)]
    pub email: Option<String>,
    /// Position (chức vụ).
    #[validate(length(max = 200))]
    pub position: Option<String>,
    /// Roles (default `["staff"]`).
    #[serde(default = "default_roles")]
    #[validate(custom(function = "roles_rule"))]
    pub roles: Vec<Role>,
    /// Holds a leadership post.
    #[serde(default)]
    pub is_leader: bool,
    /// Contract hours per week (default 40).
    #[serde(default = "default_hours")]
    #[validate(custom(function = "hours_rule"))]
    pub weekly_hours: f64,
    /// First day of the contract (default: joining date, else today).
    pub contract_from: Option<NaiveDate>,
    /// Joining date.
    pub joined_on: Option<NaiveDate>,
    /// Leaving date.
    pub left_on: Option<NaiveDate>,
}

fn default_roles() -> Vec<Role> {
    vec![Role::Staff]
}
fn default_hours() -> f64 {
    40.0
}

/// Changes to a person; omitted fields stay, `null` clears nullable ones.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"supervisor_id": 4, "contract": {"weekly_hours": 20, "effective_from": "2026-12-01"}}))]
pub struct UpdateStaff {
    /// Move to another unit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub unit_id: Option<Option<i64>>,
    /// New supervisor; null clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub supervisor_id: Option<Option<i64>>,
    /// New password, set by the organisation: a reset (ends the person's sessions; they must
    /// choose their own at next login, see `must_change_password`).
    #[validate(custom(function = "password_rule"))]
    pub password: Option<String>,
    /// New full name.
    #[validate(length(min = 1, max = 200))]
    pub full_name: Option<String>,
    /// New email.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// New position.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    /// New roles.
    #[validate(custom(function = "roles_rule"))]
    pub roles: Option<Vec<Role>>,
    /// Leadership flag.
    pub is_leader: Option<bool>,
    /// Joining date.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub joined_on: Option<Option<NaiveDate>>,
    /// Leaving date.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub left_on: Option<Option<NaiveDate>>,
    /// Active flag (false ends the person's sessions).
    pub active: Option<bool>,
    /// A new contract from a date (earlier contracts are kept).
    #[validate(nested)]
    pub contract: Option<ContractChange>,
}

/// A contract change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractChange {
    /// Hours per week.
    #[validate(custom(function = "hours_rule"))]
    pub weekly_hours: f64,
    /// First day it applies.
    pub effective_from: NaiveDate,
}

/// Filters of the staff list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffFilter {
    /// Only people of this unit.
    pub unit_id: Option<i64>,
    /// Only active (true) or inactive (false) people.
    pub active: Option<bool>,
}

/// List people visible to the caller (organisation: all; heads: their subtree; staff: themselves).
#[utoipa::path(
    tag = "organisation",
    params(PageQuery, StaffFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of people", body = Page<StaffView>))
)]
#[get("/staff")]
pub async fn list_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<StaffFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let filter = filter.into_inner();
    let today = local_today(&state);
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::staff::list(conn, &viewer, filter.unit_id, filter.active, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, |r| {
        StaffView::from_record(r, today)
    })))
}

/// Create a person (organisation department, administrators).
#[utoipa::path(
    tag = "organisation",
    request_body = CreateStaff,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = StaffView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff")]
pub async fn create_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateStaff>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let today = local_today(&state);
    let weekly_minutes = weekly_minutes_from_hours(b.weekly_hours)
        .unwrap_or(crate::domain::org::DEFAULT_WEEKLY_MINUTES);
    let record = state
        .db(move |conn, st| {
            let viewer = load_viewer(conn, user)?;
            services::staff::create(
                conn,
                &viewer,
                services::staff::StaffDraft {
                    unit_id: b.unit_id,
                    supervisor_id: b.supervisor_id,
                    username: b.username,
                    password: b.password,
                    full_name: b.full_name.trim().to_string(),
                    email: b.email,
                    position: b.position,
                    roles: RoleSet::new(b.roles),
                    is_leader: b.is_leader,
                    weekly_minutes,
                    contract_from: b.contract_from.or(b.joined_on).unwrap_or(today),
                    joined_on: b.joined_on,
                    left_on: b.left_on,
                },
                st.settings.auth.min_password_length,
            )
        })
        .await?;
    let version = record.staff.version;
    let view = StaffView::from_record(record, today);
    Ok(created_versioned(
        format!("/api/v1/staff/{}", view.id),
        version,
        &view,
    ))
}

/// One person (404 when outside the caller's view).
#[utoipa::path(
    tag = "organisation",
    params(("If-None-Match" = Option<String>, Header, description = "ETags already held (list or `*`): 304 when one is current"), ("id" = i64, Path, description = "Staff id")),
    security(("bearer" = [])),
    responses(
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag (or `*`)"),
        (status = 200, description = "The person", body = StaffView, headers(("ETag" = String))),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/{id}")]
pub async fn get_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let record = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::staff::get(conn, &viewer, id)
        })
        .await?;
    let version = record.staff.version;
    Ok(ok_versioned(
        version,
        &StaffView::from_record(record, today),
    ))
}

/// Change a person (organisation department, administrators). Needs `If-Match`.
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Staff id"), ("If-Match" = String, Header, description = "ETag of the version being edited; a list of ETags or `*` (RFC 9110, strong comparison)")),
    request_body = UpdateStaff,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = StaffView, headers(("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/staff/{id}")]
pub async fn update_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<UpdateStaff>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = if_match(&req)?;
    let today = local_today(&state);
    let b = body.0;
    let patch = services::staff::StaffPatch {
        unit_id: b.unit_id,
        supervisor_id: b.supervisor_id,
        password: b.password,
        full_name: b.full_name.map(|n| n.trim().to_string()),
        email: b.email,
        position: b.position,
        roles: b.roles.map(RoleSet::new),
        is_leader: b.is_leader,
        joined_on: b.joined_on,
        left_on: b.left_on,
        active: b.active,
        contract: b
            .contract
            .and_then(|c| weekly_minutes_from_hours(c.weekly_hours).map(|m| (m, c.effective_from))),
    };
    let record = state
        .db(move |conn, st| {
            let version = condition.resolve(conn, crate::db::versions::Versioned::Staff, id)?;
            let viewer = load_viewer(conn, user)?;
            services::staff::update(
                conn,
                &viewer,
                id,
                version,
                patch,
                st.settings.auth.min_password_length,
            )
        })
        .await?;
    let version = record.staff.version;
    Ok(ok_versioned(
        version,
        &StaffView::from_record(record, today),
    ))
}

/// A CSV file as uploaded (UTF-8 bytes).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct CsvUpload(pub Vec<u8>);

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Units created.
    pub units_created: usize,
    /// Units updated (matched by code).
    pub units_updated: usize,
    /// People created.
    pub staff_created: usize,
    /// People updated (matched by username).
    pub staff_updated: usize,
}

/// Import units and staff from CSV, all or nothing.
///
/// One header row with a `kind` column: `unit` rows use `code, name, level, parent_code,
/// head_username`; `staff` rows use `username, full_name, unit_code, roles, supervisor_username,
/// is_leader, weekly_hours, contract_from, email, position, joined_on, left_on, password`.
/// Existing codes/usernames are updated. Any error rejects the whole file with 422 and one entry
/// per problem, named `line N: column`.
///
/// The body is the file itself, UTF-8: send it as `text/csv` (curl `--data-binary @staff.csv
/// -H 'Content-Type: text/csv'`) or as `application/octet-stream` (what generated clients send
/// for a file); the content type is not checked.
#[utoipa::path(
    tag = "organisation",
    // Documented as a file (`application/octet-stream`): generators keep an operation with a
    // binary body and skip one whose only body type is `text/csv`.
    request_body(
        description = "The CSV file (UTF-8), e.g. `kind,code,name,level,parent_code,username,full_name,unit_code,roles,supervisor_username,password` / `unit,P1,Phường 1,ward,,,,,,,` / `staff,,,,,tran.b,Trần Văn B,P1,\"staff,head\",,Mat-khau-123`; sent as `text/csv` or `application/octet-stream`",
        content(
            (CsvUpload = "application/octet-stream"),
        ),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applied", body = ImportResult),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing applied; line-numbered errors", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/import")]
pub async fn import_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if body.contains(&0) {
        return Err(AppError::bad_request(
            "Tệp CSV chứa ký tự NUL.",
            "The CSV file contains a NUL character.",
        ));
    }
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        AppError::bad_request(
            "Tệp CSV phải được mã hoá UTF-8.",
            "The CSV file must be UTF-8 encoded.",
        )
    })?;
    let today = local_today(&state);
    let summary = state
        .db(move |conn, st| {
            let viewer = load_viewer(conn, user)?;
            services::import::import(
                conn,
                &viewer,
                &text,
                today,
                st.settings.auth.min_password_length,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(ImportResult {
        units_created: summary.units_created,
        units_updated: summary.units_updated,
        staff_created: summary.staff_created,
        staff_updated: summary.staff_updated,
    }))
}
