//! `/leaves`: absences. A person requests leave for themselves; their approver approves or
//! rejects it. Only approved leave lowers the expected minutes (a business trip never does).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::leaves::Leave;
use crate::domain::calendar::{DayPortion, LeaveKind};
use crate::error::{AppError, Problem};
use crate::routes::{local_today, utc, Page, PageQuery, ValidJson};
use crate::services::leaves::{LeaveDecision, LeaveDraft};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_leaves)
        .service(request_leave)
        .service(get_leave)
        .service(approve_leave)
        .service(reject_leave)
        .service(cancel_leave);
}

/// Kind of absence.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKindView {
    /// Annual leave (nghỉ phép năm).
    Annual,
    /// Sick leave (nghỉ ốm).
    Sick,
    /// Maternity leave (nghỉ thai sản).
    Maternity,
    /// Business trip (đi công tác): counts as work, the day stays expected.
    BusinessTrip,
    /// Unpaid leave (nghỉ không lương).
    Unpaid,
    /// Other absence.
    Other,
}

impl From<LeaveKindView> for LeaveKind {
    fn from(k: LeaveKindView) -> Self {
        match k {
            LeaveKindView::Annual => LeaveKind::Annual,
            LeaveKindView::Sick => LeaveKind::Sick,
            LeaveKindView::Maternity => LeaveKind::Maternity,
            LeaveKindView::BusinessTrip => LeaveKind::BusinessTrip,
            LeaveKindView::Unpaid => LeaveKind::Unpaid,
            LeaveKindView::Other => LeaveKind::Other,
        }
    }
}

/// Full day or half day.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortionView {
    /// Whole days.
    Full,
    /// Half of one day (start date must equal end date).
    Half,
}

impl From<PortionView> for DayPortion {
    fn from(p: PortionView) -> Self {
        match p {
            PortionView::Full => DayPortion::Full,
            PortionView::Half => DayPortion::Half,
        }
    }
}

/// A leave (absence) of one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveView {
    /// Id.
    pub id: i64,
    /// The absent person.
    pub staff_id: i64,
    /// First day.
    #[schema(example = "2026-11-16")]
    pub start_date: NaiveDate,
    /// Last day (inclusive).
    #[schema(example = "2026-11-17")]
    pub end_date: NaiveDate,
    /// `annual`, `sick`, `maternity`, `business_trip`, `unpaid` or `other`.
    #[schema(example = "annual")]
    pub kind: String,
    /// `full` or `half`.
    #[schema(example = "full")]
    pub portion: String,
    /// The person's reason.
    pub reason: String,
    /// `requested`, `approved`, `rejected` or `cancelled`.
    #[schema(example = "requested")]
    pub state: String,
    /// Who approved or rejected it.
    pub decided_by: Option<i64>,
    /// When it was decided (UTC).
    pub decided_at: Option<DateTime<Utc>>,
    /// Version (increases with each change).
    pub version: i64,
    /// Requested at (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<Leave> for LeaveView {
    fn from(l: Leave) -> Self {
        LeaveView {
            id: l.id,
            staff_id: l.staff_id,
            start_date: l.start_date,
            end_date: l.end_date,
            kind: l.kind,
            portion: l.portion,
            reason: l.reason,
            state: l.state,
            decided_by: l.decided_by,
            decided_at: l.decided_at.map(utc),
            version: l.version,
            created_at: utc(l.created_at),
        }
    }
}

/// A leave request for oneself.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start_date": "2026-11-16", "end_date": "2026-11-17", "kind": "annual", "portion": "full", "reason": "Việc gia đình"}))]
pub struct RequestLeave {
    /// First day (`YYYY-MM-DD`).
    pub start_date: NaiveDate,
    /// Last day, inclusive, not before `start_date`; at most 366 days in one request.
    pub end_date: NaiveDate,
    /// Kind of absence.
    pub kind: LeaveKindView,
    /// `full` (default) or `half` (only when `start_date` equals `end_date`).
    #[serde(default = "full")]
    pub portion: PortionView,
    /// Reason (optional).
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub reason: String,
}

fn full() -> PortionView {
    PortionView::Full
}

/// An approval or rejection, with an optional reason (kept in the audit trail).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Trùng lịch tiếp dân"}))]
pub struct LeaveDecisionBody {
    /// Why (optional).
    #[validate(length(max = 1000))]
    pub reason: Option<String>,
}

/// A JSON body that may be left out entirely (no body, or `Content-Length: 0`); when present it
/// is parsed and validated exactly like `ValidJson`, so a bad body is still 400/422 rather than
/// silently ignored.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<OptionalJson<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim() == "0");
        let empty = match length {
            Some(zero) => zero,
            None => {
                !headers.contains_key(header::CONTENT_TYPE)
                    && !headers.contains_key(header::TRANSFER_ENCODING)
            }
        };
        if empty {
            return Box::pin(async { Ok(OptionalJson(None)) });
        }
        let body = ValidJson::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|b| OptionalJson(Some(b.0))) })
    }
}

/// Filters of the leave list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaveFilter {
    /// Whose leave (default: the caller). Heads: people of their subtree; organisation: anyone.
    pub staff_id: Option<i64>,
    /// Only leave ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only leave starting on or before this day.
    pub to: Option<NaiveDate>,
}

/// Leave of one person (default: the caller), oldest request first. Heads read people of their
/// subtree, the organisation department anyone; another person is 404.
#[utoipa::path(
    tag = "leave",
    params(PageQuery, LeaveFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of leave", body = Page<LeaveView>),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The person does not exist or is not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leaves")]
pub async fn list_leaves(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<LeaveFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let f = filter.into_inner();
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::leaves::list(conn, &viewer, f.staff_id, f.from, f.to, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, LeaveView::from)))
}

/// Request leave for oneself (the caller must belong to a unit). Starts as `requested`.
#[utoipa::path(
    tag = "leave",
    request_body = RequestLeave,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Requested", body = LeaveView, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller belongs to no unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Overlaps leave already requested or approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (end before start, more than 366 days, half day over several days)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leaves")]
pub async fn request_leave(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<RequestLeave>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let leave = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::leaves::request(
                conn,
                &viewer,
                LeaveDraft {
                    start_date: b.start_date,
                    end_date: b.end_date,
                    kind: b.kind.into(),
                    portion: b.portion.into(),
                    reason: b.reason.trim().to_string(),
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/leaves/{}", leave.id)))
        .json(LeaveView::from(leave)))
}

/// One leave (404 when its owner is not visible to the caller).
#[utoipa::path(
    tag = "leave",
    params(("id" = i64, Path, description = "Leave id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The leave", body = LeaveView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leaves/{id}")]
pub async fn get_leave(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let leave = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::leaves::get(conn, &viewer, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LeaveView::from(leave)))
}

async fn decide(
    state: web::Data<AppState>,
    user: AuthUser,
    id: i64,
    body: OptionalJson<LeaveDecisionBody>,
    decision: LeaveDecision,
) -> Result<HttpResponse, AppError> {
    let reason = body.0.and_then(|b| b.reason);
    let today = local_today(&state);
    let leave = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::leaves::decide(conn, &viewer, id, decision, reason, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LeaveView::from(leave)))
}

/// Approve a requested leave: the person's approver (supervisor, else unit head, else the
/// parent unit's head; an acting delegate in their place) or the organisation department.
/// Nobody approves their own leave.
#[utoipa::path(
    tag = "leave",
    params(("id" = i64, Path, description = "Leave id")),
    request_body(content = Option<LeaveDecisionBody>, description = "Optional reason"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved", body = LeaveView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the person's approver (or the owner)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The leave is no longer requested", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leaves/{id}/approve")]
pub async fn approve_leave(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: OptionalJson<LeaveDecisionBody>,
) -> Result<HttpResponse, AppError> {
    decide(state, user, id.into_inner(), body, LeaveDecision::Approve).await
}

/// Reject a requested leave (same deciders as approval).
#[utoipa::path(
    tag = "leave",
    params(("id" = i64, Path, description = "Leave id")),
    request_body(content = Option<LeaveDecisionBody>, description = "Optional reason"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = LeaveView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the person's approver (or the owner)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The leave is no longer requested", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leaves/{id}/reject")]
pub async fn reject_leave(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: OptionalJson<LeaveDecisionBody>,
) -> Result<HttpResponse, AppError> {
    decide(state, user, id.into_inner(), body, LeaveDecision::Reject).await
}

/// Cancel one's own leave: a requested one at any time, an approved one before it starts.
#[utoipa::path(
    tag = "leave",
    params(("id" = i64, Path, description = "Leave id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = LeaveView),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rejected, cancelled, or approved leave that has started", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leaves/{id}/cancel")]
pub async fn cancel_leave(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = crate::routes::local_today(&state);
    let leave = state
        .db(move |conn, _| {
            let viewer = crate::services::access::load_viewer(conn, user)?;
            crate::services::leaves::cancel(conn, &viewer, id, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LeaveView::from(leave)))
}
