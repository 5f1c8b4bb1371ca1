//! `/units`: the organisation tree.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::units::Unit;
use crate::domain::org::{is_valid_code, UnitLevel};
use crate::error::{AppError, Problem};
use crate::routes::{
    created_versioned, double_option, if_match, ok_versioned, rule_error, utc, Page, PageQuery,
    ValidJson,
};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit);
}

/// A unit of the organisation tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// Id.
    pub id: i64,
    /// Unique code.
    #[schema(example = "UBND-P1")]
    pub code: String,
    /// Name (Vietnamese).
    #[schema(example = "UBND Phường 1")]
    pub name: String,
    /// Level in the tree.
    pub level: String,
    /// Parent unit (null for a root).
    pub parent_id: Option<i64>,
    /// Head of the unit (staff id).
    pub head_id: Option<i64>,
    /// Ids from the root down to this unit.
    pub ancestor_ids: Vec<i64>,
    /// Whether the unit is in use.
    pub active: bool,
    /// Version for `If-Match`.
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        let mut ancestor_ids: Vec<i64> = u.path.split('/').filter_map(|s| s.parse().ok()).collect();
        ancestor_ids.pop();
        UnitView {
            id: u.id,
            code: u.code,
            name: u.name,
            level: u.level,
            parent_id: u.parent_id,
            head_id: u.head_id,
            ancestor_ids,
            active: u.active,
            version: u.version,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

fn code_rule(code: &str) -> Result<(), validator::ValidationError> {
    if is_valid_code(code) {
        Ok(())
    } else {
        Err(rule_error(
            "format",
            "Mã chỉ gồm chữ, số, '_', '-', '.', tối đa 32 ký tự.",
            "Codes are 1-32 letters, digits, '_', '-', '.'.",
        ))
    }
}

/// A new unit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "UBND-P1", "name": "UBND Phường 1", "level": "ward", "parent_id": 1}))]
pub struct CreateUnit {
    /// Unique code (letters, digits, `_`, `-`, `.`).
    #[validate(custom(function = "code_rule"))]
    pub code: String,
    /// Name.
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Level in the tree.
    pub level: UnitLevel,
    /// Parent unit; omit for a root.
    pub parent_id: Option<i64>,
    /// Head (staff id).
    pub head_id: Option<i64>,
}

/// Changes to a unit; omitted fields stay, `null` clears `parent_id` / `head_id`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "UBND Phường 1 (mới)", "head_id": 12}))]
pub struct UpdateUnit {
    /// New code.
    #[validate(custom(function = "code_rule"))]
    pub code: Option<String>,
    /// New name.
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// New level.
    pub level: Option<UnitLevel>,
    /// New parent (moves the whole subtree); null makes it a root.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// New head (must be a member of the unit); null clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub head_id: Option<Option<i64>>,
    /// Whether the unit is in use.
    pub active: Option<bool>,
}

/// Filters of the unit list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Only children of this unit.
    pub parent_id: Option<i64>,
    /// Only this level.
    pub level: Option<UnitLevel>,
}

/// List units visible to the caller (organisation: all; heads: their subtree; staff: their unit).
#[utoipa::path(
    tag = "organisation",
    params(PageQuery, UnitFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of units", body = Page<UnitView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<UnitFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let filter = filter.into_inner();
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::units::list(conn, &viewer, filter.parent_id, filter.level, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, UnitView::from)))
}

/// Create a unit (organisation department, administrators).
#[utoipa::path(
    tag = "organisation",
    request_body = CreateUnit,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UnitView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateUnit>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let unit = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::units::create(
                conn,
                &viewer,
                services::units::UnitDraft {
                    code: b.code,
                    name: b.name.trim().to_string(),
                    level: b.level,
                    parent_id: b.parent_id,
                    head_id: b.head_id,
                },
            )
        })
        .await?;
    Ok(created_versioned(
        format!("/api/v1/units/{}", unit.id),
        unit.version,
        &UnitView::from(unit),
    ))
}

/// One unit (404 when it is outside the caller's view).
#[utoipa::path(
    tag = "organisation",
    params(("If-None-Match" = Option<String>, Header, description = "ETags already held (list or `*`): 304 when one is current"), ("id" = i64, Path, description = "Unit id")),
    security(("bearer" = [])),
    responses(
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag (or `*`)"),
        (status = 200, description = "The unit", body = UnitView, headers(("ETag" = String))),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let unit = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::units::get(conn, &viewer, id)
        })
        .await?;
    Ok(ok_versioned(unit.version, &UnitView::from(unit)))
}

/// Change a unit (organisation department, administrators). Needs `If-Match`.
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Unit id"), ("If-Match" = String, Header, description = "ETag of the version being edited; a list of ETags or `*` (RFC 9110, strong comparison)")),
    request_body = UpdateUnit,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = UnitView, headers(("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. a move that creates a cycle)", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<UpdateUnit>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = if_match(&req)?;
    let b = body.0;
    let unit = state
        .db(move |conn, _| {
            let version = condition.resolve(conn, crate::db::versions::Versioned::Unit, id)?;
            let viewer = load_viewer(conn, user)?;
            services::units::update(
                conn,
                &viewer,
                id,
                version,
                services::units::UnitPatch {
                    code: b.code,
                    name: b.name.map(|n| n.trim().to_string()),
                    level: b.level,
                    parent_id: b.parent_id,
                    head_id: b.head_id,
                    active: b.active,
                },
            )
        })
        .await?;
    Ok(ok_versioned(unit.version, &UnitView::from(unit)))
}
